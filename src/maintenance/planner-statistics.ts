import type { Logger } from "pino";
import type { RawQuery } from "../db/client.ts";
import { PeriodicJob } from "./periodic-job.ts";

/** The tables every hook writes; their statements are prepared once per connection. */
const HOT_TABLES = ["messages", "decisions", "outbox", "dispatch_attempts", "hook_deliveries"];
/** Below this many changes a table is left to autovacuum: a small table's plan costs little. */
const MIN_CHANGES = 500;

/** Hot tables changed by more rows than they held at their last analyze (or never analyzed). */
const GROWN_TABLES = `
select relname as table from pg_stat_user_tables
 where relname = any($1::text[])
   and n_mod_since_analyze > greatest($2::bigint, n_live_tup - n_mod_since_analyze)`;

/** Analyzes each hot table that has more than doubled since its last analyze; answers their names. */
export async function analyzeGrownTables(query: RawQuery): Promise<string[]> {
  const grown = await query<{ table: string }>(GROWN_TABLES, [HOT_TABLES, MIN_CHANGES]);
  for (const { table } of grown) {
    // The name comes from the fixed list above, never from input.
    await query(`analyze (skip_locked) ${table}`, []);
  }
  return grown.map((row) => row.table);
}

/**
 * Keeps the planner's statistics in step with tables that grow fast. The hot statements are
 * prepared, and Postgres keeps one generic plan per statement, built from the statistics of the
 * moment: a plan made while a table was nearly empty scans it whole, and keeps doing so as the
 * table grows, until new statistics invalidate it. Autovacuum refreshes them at most once a
 * minute per database, while a new deployment's tables grow by thousands of rows a second. So
 * every `intervalMs` (PLANNER_STATISTICS_INTERVAL_MS, 5 s by default), a hot table that has more than doubled since its last analyze is analyzed
 * (SKIP_LOCKED: a replica already doing it is not waited for); on a steady table this is one
 * cheap query against the statistics view.
 */
export function plannerStatisticsJob(
  query: RawQuery,
  logger: Pick<Logger, "info" | "warn">,
  intervalMs: number,
): PeriodicJob {
  return new PeriodicJob(
    async () => {
      const grown = await query<{ table: string }>(GROWN_TABLES, [HOT_TABLES, MIN_CHANGES]);
      for (const { table } of grown) {
        // The name comes from the fixed list above, never from input.
        await query(`analyze (skip_locked) ${table}`, []);
      }
      if (grown.length > 0)
        logger.info({ tables: grown.map((row) => row.table) }, "planner statistics refreshed");
    },
    (error) => logger.warn({ err: error }, "refreshing planner statistics failed; will retry"),
    intervalMs,
  );
}
