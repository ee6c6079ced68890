import { type SQL, sql } from "drizzle-orm";
import { decisions } from "../db/schema/index.ts";

/**
 * "A rule with this id matched": containment on the matches array, which the GIN index
 * (jsonb_path_ops) on decisions.matches answers without a scan.
 */
export const matchedRule = (ruleId: string): SQL =>
  sql`${decisions.matches} @> ${JSON.stringify([{ rule_id: ruleId }])}::jsonb`;

/** "A shadow rule with this id matched", answered by the GIN index on decisions.shadow_matches. */
export const matchedShadowRule = (ruleId: string): SQL =>
  sql`${decisions.shadowMatches} @> ${JSON.stringify([{ rule_id: ruleId }])}::jsonb`;
