import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/client.ts";
import { rowsOf } from "../../src/db/rows.ts";
import type { ReviewStats } from "../../src/review/stats.ts";
import { type Histogram, minimumMs, percentilesOf } from "../../src/review/stats-histogram.ts";

/**
 * What GET /api/stats must say, computed the slow way: straight from the raw messages and
 * decisions rows (bucketed with the same stats_bucket() the aggregates use), the way the
 * statistics were computed before they were pre-aggregated.
 */
export async function statsFromRawRows(
  db: Db,
  window: { since: Date; until: Date },
): Promise<Omit<ReviewStats, "window" | "series" | "queue"> & { queue_depth: number }> {
  const from = sql`${window.since.toISOString()}::timestamptz`;
  const to = sql`${window.until.toISOString()}::timestamptz`;
  const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query));
  const counts = async (query: ReturnType<typeof sql>) =>
    Object.fromEntries((await q<{ key: string; n: number }>(query)).map((r) => [r.key, Number(r.n)]));
  const histogram = async (values: ReturnType<typeof sql>): Promise<Histogram> =>
    new Map(
      (
        await q<{ k: number; n: number }>(
          sql`select stats_bucket(us) as k, count(*)::int as n from (${values}) v group by 1`,
        )
      ).map((r) => [Number(r.k), Number(r.n)]),
    );
  const slack = await histogram(sql`
    select stats_micros(deadline_at, final_at) as us from messages
     where final_at is not null and received_at >= ${from} and received_at < ${to}`);
  const [depth] = await q<{ n: number }>(sql`select count(*)::int as n from messages where status = 'held'`);
  return {
    messages_by_status: await counts(sql`
      select status as key, count(*)::int as n from messages
       where received_at >= ${from} and received_at < ${to} group by 1`),
    decisions_by_action: await counts(sql`
      select action as key, count(*)::int as n from decisions
       where created_at >= ${from} and created_at < ${to} group by 1`),
    decisions_by_source: await counts(sql`
      select source as key, count(*)::int as n from decisions
       where created_at >= ${from} and created_at < ${to} group by 1`),
    queue_depth: Number(depth?.n ?? 0),
    latency_ms: {
      rules_evaluation: percentilesOf(
        await histogram(sql`
          select evaluation_us::float8 as us from decisions
           where source = 'rules' and evaluation_us is not null and created_at >= ${from} and created_at < ${to}`),
      ),
      review: percentilesOf(
        await histogram(sql`
          select stats_micros(d.created_at, m.received_at) as us from decisions d join messages m on m.id = d.message_id
           where d.source in ('moderator', 'system') and d.created_at >= ${from} and d.created_at < ${to}`),
      ),
      commit: percentilesOf(
        await histogram(sql`
          select stats_micros(final_at, received_at) as us from messages
           where status = 'committed' and final_at is not null and received_at >= ${from} and received_at < ${to}`),
      ),
    },
    deadline_slack_ms: { ...percentilesOf(slack), min: minimumMs(slack) },
  };
}

/** The parts of reviewStats() that statsFromRawRows() computes. */
export function comparable(stats: ReviewStats) {
  const { window: _w, series: _s, queue, ...rest } = stats;
  return { ...rest, queue_depth: queue.depth };
}
