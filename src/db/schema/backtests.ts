import { bigserial, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const backtestStatuses = ["running", "done", "cancelled", "failed"] as const;
export type BacktestStatus = (typeof backtestStatuses)[number];

/**
 * A candidate rules file replayed over the stored messages of a time window (see
 * src/rule-lifecycle/backtest). Kept in Postgres, not in the replica that runs it, so any replica
 * can show its progress and result, and cancel it; rows are dropped once `expires_at` passes.
 */
export const backtests = pgTable(
  "backtests",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    status: text("status").$type<BacktestStatus>().notNull(),
    /** The moderator (or admin) who started it. */
    requestedBy: text("requested_by").notNull(),
    /** The candidate's version: the same content hash a deployed rule set would carry. */
    candidateVersion: text("candidate_version").notNull(),
    /** The candidate rules file and the term lists it read, as replayed. */
    candidate: jsonb("candidate").$type<{ text: string; lists: Record<string, string> }>().notNull(),
    windowSince: timestamp("window_since", { withTimezone: true }).notNull(),
    windowUntil: timestamp("window_until", { withTimezone: true }).notNull(),
    options: jsonb("options").$type<Record<string, unknown>>().notNull().default({}),
    /** Messages of the window gone through so far (replayed, or skipped as not replayable). */
    processed: integer("processed").notNull().default(0),
    /** Messages in the window, counted when the replay began. */
    total: integer("total"),
    result: jsonb("result"),
    error: text("error"),
    /** The replica whose worker thread runs it. */
    replica: text("replica").notNull(),
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** Moved on with every progress report: a running backtest whose heartbeat stops has died. */
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("backtests_created_idx").on(t.createdAt), index("backtests_expires_idx").on(t.expiresAt)],
);
