import type { Logger } from "pino";
import type { RawQuery } from "../db/client.ts";
import { PeriodicJob } from "./periodic-job.ts";

/** Deltas moved per transaction: enough to keep up with thousands of hooks a second. */
const BATCH = 20_000;

/**
 * Moves the statistics' pending deltas into their per-minute, per-hour and per-day rows until none are
 * left (stats_roll_up() in migrations/0004_stats_aggregates.sql). Reads add the pending deltas
 * themselves, so this only keeps their number small; any replica may run it at any time.
 */
export async function rollUpStats(query: RawQuery): Promise<number> {
  let total = 0;
  for (;;) {
    const [row] = await query<{ moved: number }>("select stats_roll_up($1::int) as moved", [BATCH]);
    const moved = Number(row?.moved ?? 0);
    total += moved;
    if (moved < BATCH) return total;
  }
}

/**
 * Records the queue's earliest deadline under the current minute (the earliest seen this minute
 * wins). No row keeps a gauge's history, so it is sampled, as often as the roll-up runs.
 */
export async function sampleQueue(query: RawQuery): Promise<void> {
  await query(
    `insert into stats_queue_samples (minute, earliest_deadline_at)
     select date_trunc('minute', now(), 'UTC'), min(deadline_at) from messages where status = 'held'
     having count(*) > 0
     on conflict (minute) do update
       set earliest_deadline_at = least(stats_queue_samples.earliest_deadline_at, excluded.earliest_deadline_at)`,
    [],
  );
}

export function statsRollUpJob(
  query: RawQuery,
  logger: Pick<Logger, "warn">,
  intervalMs: number,
): PeriodicJob {
  return new PeriodicJob(
    async () => {
      await rollUpStats(query);
      await sampleQueue(query);
    },
    (error) => logger.warn({ err: error }, "rolling up statistics failed; will retry"),
    intervalMs,
  );
}
