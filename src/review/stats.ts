import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { rowsOf } from "../db/rows.ts";

export interface Percentiles {
  p50: number | null;
  p99: number | null;
  count: number;
}

export interface ReviewStats {
  window: { since: string; until: string };
  /** Messages received in the window, by their current status. */
  messages_by_status: Record<string, number>;
  /** Decisions made in the window, by action, and by who made them. */
  decisions_by_action: Record<string, number>;
  decisions_by_source: Record<string, number>;
  queue: { depth: number; earliest_deadline_at: string | null; seconds_left: number | null };
  latency_ms: {
    /** Rules evaluation time, per message. */
    rules_evaluation: Percentiles;
    /** Receipt to a moderator's or the deadline sweeper's decision. */
    review: Percentiles;
    /** Receipt to confirmed commit. */
    commit: Percentiles;
  };
  /** Time left before the deadline when messages reached their final status (negative: after it). */
  deadline_slack_ms: Percentiles & { min: number | null };
}

interface PercentileRow {
  p50: number | string | null;
  p99: number | string | null;
  n: number | string;
  min?: number | string | null;
}

const num = (value: number | string | null | undefined) =>
  value === null || value === undefined ? null : Number(value);
const percentiles = (row: PercentileRow | undefined): Percentiles => ({
  p50: num(row?.p50),
  p99: num(row?.p99),
  count: Number(row?.n ?? 0),
});

const countsBy = (rows: { key: string; n: number | string }[]) =>
  Object.fromEntries(rows.map((row) => [row.key, Number(row.n)]));

/** Counts and latencies over `[since, until)`, plus the queue as it is now. */
export async function reviewStats(db: Db, window: { since: Date; until: Date }): Promise<ReviewStats> {
  const { since, until } = window;
  // ISO text and an explicit cast: both drivers bind it the same way.
  const from = sql`${since.toISOString()}::timestamptz`;
  const to = sql`${until.toISOString()}::timestamptz`;
  const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query));
  const [byStatus, byAction, bySource, queue, evaluation, review, commit, slack] = await Promise.all([
    q<{ key: string; n: number }>(sql`
      select status as key, count(*)::int as n from messages
       where received_at >= ${from} and received_at < ${to} group by status`),
    q<{ key: string; n: number }>(sql`
      select action as key, count(*)::int as n from decisions
       where created_at >= ${from} and created_at < ${to} group by action`),
    q<{ key: string; n: number }>(sql`
      select source as key, count(*)::int as n from decisions
       where created_at >= ${from} and created_at < ${to} group by source`),
    q<{ depth: number; earliest_ms: number | string | null }>(sql`
      select count(*)::int as depth, (extract(epoch from min(deadline_at)) * 1000)::float8 as earliest_ms
        from messages where status = 'held'`),
    q<PercentileRow>(sql`
      select percentile_cont(0.5) within group (order by evaluation_us / 1000.0) as p50,
             percentile_cont(0.99) within group (order by evaluation_us / 1000.0) as p99,
             count(evaluation_us)::int as n
        from decisions
       where source = 'rules' and created_at >= ${from} and created_at < ${to}`),
    q<PercentileRow>(sql`
      select percentile_cont(0.5) within group (order by ms) as p50,
             percentile_cont(0.99) within group (order by ms) as p99, count(*)::int as n
        from (select extract(epoch from d.created_at - m.received_at)::float8 * 1000 as ms
                from decisions d join messages m on m.id = d.message_id
               where d.source in ('moderator', 'system')
                 and d.created_at >= ${from} and d.created_at < ${to}) t`),
    q<PercentileRow>(sql`
      select percentile_cont(0.5) within group (order by ms) as p50,
             percentile_cont(0.99) within group (order by ms) as p99, count(*)::int as n
        from (select extract(epoch from final_at - received_at)::float8 * 1000 as ms
                from messages
               where status = 'committed' and received_at >= ${from} and received_at < ${to}) t`),
    q<PercentileRow>(sql`
      select percentile_cont(0.5) within group (order by ms) as p50,
             percentile_cont(0.99) within group (order by ms) as p99,
             min(ms) as min, count(*)::int as n
        from (select extract(epoch from deadline_at - final_at)::float8 * 1000 as ms
                from messages
               where final_at is not null and received_at >= ${from} and received_at < ${to}) t`),
  ]);
  const earliest = num(queue[0]?.earliest_ms);
  return {
    window: { since: since.toISOString(), until: until.toISOString() },
    messages_by_status: countsBy(byStatus),
    decisions_by_action: countsBy(byAction),
    decisions_by_source: countsBy(bySource),
    queue: {
      depth: Number(queue[0]?.depth ?? 0),
      earliest_deadline_at: earliest === null ? null : new Date(earliest).toISOString(),
      seconds_left: earliest === null ? null : Math.max(0, Math.floor((earliest - Date.now()) / 1000)),
    },
    latency_ms: {
      rules_evaluation: percentiles(evaluation[0]),
      review: percentiles(review[0]),
      commit: percentiles(commit[0]),
    },
    deadline_slack_ms: { ...percentiles(slack[0]), min: num(slack[0]?.min) },
  };
}
