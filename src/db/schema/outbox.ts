import { sql } from "drizzle-orm";
import { index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { messages } from "./messages.ts";

export type OutboxAction = "commit" | "delete";
export type OutboxState = "pending" | "done" | "cancelled";

/**
 * The dispatch outbox: at most one Stream action per message (the primary key is the message id),
 * so a message can never be both committed and deleted by us. A dispatcher owns a row only while
 * its lease is live; a crashed owner's lease runs out and another replica takes over.
 */
export const outbox = pgTable(
  "outbox",
  {
    messageId: text("message_id")
      .primaryKey()
      .references(() => messages.id, { onDelete: "cascade" }),
    action: text("action").$type<OutboxAction>().notNull(),
    state: text("state").$type<OutboxState>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    /** An earlier call's outcome is unknown (timeout, reset, 5xx): it may have been applied. */
    outcomeUnknown: integer("outcome_unknown").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    completedAt: timestamp("completed_at", { withTimezone: true }),
  },
  (t) => [index("outbox_due_idx").on(t.nextAttemptAt).where(sql`${t.state} = 'pending'`)],
);
