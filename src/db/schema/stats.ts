import { sql } from "drizzle-orm";
import { bigint, bigserial, index, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Contributions to the statistics, written by triggers on messages and decisions in the same
 * transaction as the change that produces them (migrations/0004_stats_aggregates.sql). Writers
 * only insert here, so they never wait on each other; the roll-up moves the rows into
 * stats_rollup.
 */
export const statsDeltas = pgTable(
  "stats_deltas",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    series: text("series").notNull(),
    key: text("key").notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
  },
  (t) => [index("stats_deltas_minute_idx").on(t.minute)],
);

/**
 * The statistics per minute, hour and day (`grain`, UTC), by series and key; rows at zero are
 * removed. The primary key includes n and a second index serves the console's series (both
 * declared in the migration: drizzle cannot say INCLUDE).
 */
export const statsRollup = pgTable(
  "stats_rollup",
  {
    grain: text("grain").$type<"minute" | "hour" | "day">().notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    series: text("series").notNull(),
    key: text("key").notNull(),
    n: bigint("n", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ name: "stats_rollup_pkey", columns: [t.grain, t.bucket, t.series, t.key] }),
    index("stats_rollup_series_idx").on(t.grain, t.series, t.bucket),
    index("stats_rollup_empty_idx").on(t.grain).where(sql`${t.n} = 0`),
  ],
);

/** The earliest deadline in the review queue, as sampled by the roll-up: the earliest seen each minute. */
export const statsQueueSamples = pgTable("stats_queue_samples", {
  minute: timestamp("minute", { withTimezone: true }).primaryKey(),
  earliestDeadlineAt: timestamp("earliest_deadline_at", { withTimezone: true }).notNull(),
});
