import { bigserial, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export type AttemptOutcome = "ok" | "unknown" | "rejected" | "rate_limited" | "resolved";

/**
 * Each Stream call, written before the call (started_at, no outcome) and completed after it, so a
 * crash mid-call leaves a visible attempt whose outcome is unknown.
 */
export const dispatchAttempts = pgTable(
  "dispatch_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    messageId: text("message_id").notNull(),
    call: text("call").$type<"commit" | "delete" | "get">().notNull(),
    dispatcher: text("dispatcher").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    outcome: text("outcome").$type<AttemptOutcome>(),
    httpStatus: integer("http_status"),
    error: text("error"),
  },
  (t) => [index("dispatch_attempts_message_idx").on(t.messageId)],
);
