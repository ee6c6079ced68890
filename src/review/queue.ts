import { and, asc, eq, exists, gt, inArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { claims, decisions, messages } from "../db/schema/index.ts";
import type { RuleMatch } from "../rules/types.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { epochMicros, fromEpochMicros } from "./db-time.ts";
import { matchedRule } from "./rule-filter.ts";

export interface QueueFilters {
  cid?: string;
  userId?: string;
  ruleId?: string;
  limit: number;
  cursor?: string;
  now?: Date;
}

export interface QueueItem {
  id: string;
  cid: string | null;
  text: string | null;
  user: { id: string | null; name: string | null; role: string | null };
  received_at: string;
  deadline_at: string;
  /** Whole seconds until Stream drops the message; 0 once it has passed. */
  seconds_left: number;
  /** The rules that sent it to review, with the spans they matched. */
  matches: RuleMatch[];
  ruleset_version: string | null;
  /** Set when the message is here as a calibration sample of these reject rules. */
  sampled_rules: string[] | null;
  request_info: unknown;
  metadata: Record<string, string>;
  claim: { moderator_id: string; moderator_name: string; expires_at: string } | null;
}

/**
 * Held messages, earliest deadline first (the ones about to be lost come first). Pages are keyed
 * on (deadline_at, id), so messages decided while a moderator pages through do not make the next
 * page skip or repeat anything.
 */
export async function listQueue(
  db: Db,
  filters: QueueFilters,
): Promise<{ items: QueueItem[]; next_cursor: string | null }> {
  const now = filters.now ?? new Date();
  const conditions: (SQL | undefined)[] = [eq(messages.status, "held")];
  if (filters.cid !== undefined) conditions.push(eq(messages.cid, filters.cid));
  if (filters.userId !== undefined) conditions.push(eq(messages.userId, filters.userId));
  if (filters.ruleId !== undefined) {
    conditions.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(decisions)
          .where(and(eq(decisions.messageId, messages.id), matchedRule(filters.ruleId))),
      ),
    );
  }
  if (filters.cursor !== undefined) {
    const after = decodeCursor(filters.cursor, "text");
    conditions.push(
      sql`(${messages.deadlineAt}, ${messages.id}) > (${fromEpochMicros(after.us)}, ${after.id})`,
    );
  }

  const rows = await db
    .select({
      id: messages.id,
      cid: messages.cid,
      text: messages.text,
      userId: messages.userId,
      payload: messages.payload,
      metadata: messages.metadata,
      requestInfo: messages.requestInfo,
      receivedAt: messages.receivedAt,
      deadlineAt: messages.deadlineAt,
      deadlineUs: epochMicros(messages.deadlineAt),
      claimBy: claims.moderatorId,
      claimName: claims.moderatorName,
      claimUntil: claims.expiresAt,
    })
    .from(messages)
    .leftJoin(claims, and(eq(claims.messageId, messages.id), gt(claims.expiresAt, now)))
    .where(and(...conditions))
    .orderBy(asc(messages.deadlineAt), asc(messages.id))
    .limit(filters.limit + 1);

  const page = rows.slice(0, filters.limit);
  const ruleDecisions =
    page.length === 0
      ? []
      : await db
          .select({
            messageId: decisions.messageId,
            matches: decisions.matches,
            version: decisions.rulesetVersion,
            sampledRules: decisions.sampledRules,
          })
          .from(decisions)
          .where(
            and(
              inArray(
                decisions.messageId,
                page.map((row) => row.id),
              ),
              eq(decisions.source, "rules"),
            ),
          );
  const byMessage = new Map(ruleDecisions.map((d) => [d.messageId, d]));

  const items = page.map((row): QueueItem => {
    const user = (row.payload as { user?: { id?: string; name?: string; role?: string } | null }).user;
    const ruleDecision = byMessage.get(row.id);
    return {
      id: row.id,
      cid: row.cid,
      text: row.text,
      user: { id: row.userId, name: user?.name ?? null, role: user?.role ?? null },
      received_at: row.receivedAt.toISOString(),
      deadline_at: row.deadlineAt.toISOString(),
      seconds_left: Math.max(0, Math.floor((row.deadlineAt.getTime() - now.getTime()) / 1000)),
      matches: (ruleDecision?.matches as RuleMatch[] | undefined) ?? [],
      ruleset_version: ruleDecision?.version ?? null,
      sampled_rules: ruleDecision?.sampledRules ?? null,
      request_info: row.requestInfo,
      metadata: row.metadata,
      claim:
        row.claimBy && row.claimName && row.claimUntil
          ? {
              moderator_id: row.claimBy,
              moderator_name: row.claimName,
              expires_at: row.claimUntil.toISOString(),
            }
          : null,
    };
  });
  const last = page.at(-1);
  return {
    items,
    next_cursor:
      rows.length > filters.limit && last ? encodeCursor({ us: last.deadlineUs, id: last.id }) : null,
  };
}
