import { sql } from "drizzle-orm";
import { bigserial, index, inet, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { messages } from "./messages.ts";

export type DecisionSource = "rules" | "moderator" | "system";

/**
 * Every decision about a message: the rules' verdict at receipt, and any later one by a moderator
 * or the deadline sweeper. The sender's request signals are columns so the log can be searched
 * by them (ip as inet so CIDR operators and a GiST index work).
 */
export const decisions = pgTable(
  "decisions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    messageId: text("message_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    action: text("action").$type<"approve" | "reject" | "review" | "expire">().notNull(),
    source: text("source").$type<DecisionSource>().notNull(),
    actor: text("actor"),
    reason: text("reason"),
    matches: jsonb("matches").notNull().default([]),
    rulesetVersion: text("ruleset_version"),
    error: text("error"),
    userId: text("user_id"),
    cid: text("cid"),
    ip: inet("ip"),
    userAgent: text("user_agent"),
    sdk: text("sdk"),
    ext: text("ext"),
    requestType: text("request_type"),
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull().default({}),
    /** Shadow rules that matched, each with the action it would have taken (never acted on). */
    shadowMatches: jsonb("shadow_matches").notNull().default([]),
    /** Why the shadow rules could not all be evaluated (time budget, a failure); never changed the action. */
    shadowError: text("shadow_error"),
    /** Reject rules whose rejection was sent to review as a calibration sample; null otherwise. */
    sampledRules: jsonb("sampled_rules").$type<string[]>(),
    /** Microseconds spent evaluating the rules. */
    evaluationUs: integer("evaluation_us"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("decisions_message_idx").on(t.messageId),
    index("decisions_created_idx").on(t.createdAt),
    index("decisions_user_idx").on(t.userId, t.createdAt),
    index("decisions_cid_idx").on(t.cid, t.createdAt),
    index("decisions_action_idx").on(t.action, t.createdAt),
    index("decisions_source_idx").on(t.source, t.createdAt),
    index("decisions_ip_idx").using("gist", t.ip.op("inet_ops")),
    // Newest decisions from an address block: see migrations/0004_stats_aggregates.sql.
    index("decisions_ip_created_idx").on(t.ip, t.createdAt, t.id),
    index("decisions_matches_idx").using("gin", t.matches.op("jsonb_path_ops")),
    index("decisions_shadow_matches_idx").using("gin", t.shadowMatches.op("jsonb_path_ops")),
    index("decisions_sampled_idx").on(t.createdAt).where(sql`${t.sampledRules} is not null`),
  ],
);
