import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One row per Stream message id, whatever hook or replica saw it first. The status moves only by
 * conditional updates (see src/db/transitions.ts), so exactly one actor wins each transition.
 */
export const messageStatuses = [
  "held",
  "committing",
  "committed",
  "rejecting",
  "rejected",
  "expired",
  "deleted",
] as const;
export type MessageStatus = (typeof messageStatuses)[number];
export const finalStatuses: readonly MessageStatus[] = ["committed", "rejected", "expired", "deleted"];

export const messages = pgTable(
  "messages",
  {
    id: text("id").primaryKey(),
    status: text("status").$type<MessageStatus>().notNull(),
    cid: text("cid"),
    userId: text("user_id"),
    text: text("text"),
    /** The message exactly as Stream sent it, unknown fields included. */
    payload: jsonb("payload").notNull(),
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull().default({}),
    requestInfo: jsonb("request_info"),
    messageCreatedAt: timestamp("message_created_at", { withTimezone: true }),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    /** After this instant Stream deletes the pending message: nothing is sent to Stream past it. */
    deadlineAt: timestamp("deadline_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    finalAt: timestamp("final_at", { withTimezone: true }),
    /** Why the record reached its status, when a decision alone does not say (e.g. deadline passed). */
    statusReason: text("status_reason"),
    /**
     * Retention removed this message's content and history; the row stays as the record that the
     * id was seen, so a replayed hook is never taken for a new message (see maintenance/retention).
     */
    retiredAt: timestamp("retired_at", { withTimezone: true }),
  },
  (t) => [
    index("messages_held_deadline_idx").on(t.deadlineAt).where(sql`${t.status} = 'held'`),
    index("messages_status_idx").on(t.status),
    index("messages_user_idx").on(t.userId, t.receivedAt),
    index("messages_cid_idx").on(t.cid, t.receivedAt),
    // GET /api/stats counts what arrived in a time window.
    index("messages_received_idx").on(t.receivedAt),
    // Retention looks for final messages not retired yet, oldest first.
    index("messages_retention_idx")
      .on(t.finalAt)
      .where(sql`${t.finalAt} is not null and ${t.retiredAt} is null`),
  ],
);
