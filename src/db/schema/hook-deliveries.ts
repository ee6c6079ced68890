import { bigserial, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Every verified hook delivery, including retries and replays: the receipt side of the history. */
export const hookDeliveries = pgTable(
  "hook_deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    messageId: text("message_id").notNull(),
    hook: text("hook").$type<"PassOnPendingMessage" | "DeletedPendingMessage">().notNull(),
    webhookId: text("webhook_id"),
    attempt: integer("attempt"),
    /** `new` when this delivery created the record, `duplicate` when it was already known. */
    outcome: text("outcome").$type<"new" | "duplicate" | "closed">().notNull(),
    statusAfter: text("status_after").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("hook_deliveries_message_idx").on(t.messageId)],
);
