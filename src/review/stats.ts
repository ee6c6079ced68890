import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { rowsOf } from "../db/rows.ts";
import { type Histogram, minimumMs, type Percentiles, percentilesOf } from "./stats-histogram.ts";

export type { Percentiles } from "./stats-histogram.ts";

export interface StatsPoint {
  /** Start of the step (steps are whole minutes or whole hours, UTC). */
  at: string;
  decisions_by_action: Record<string, number>;
  /** Messages held at the end of the step. */
  queue_depth: number;
}

export interface ReviewStats {
  /** The window used: `since` rounded down and `until` rounded up to whole minutes. */
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
  /** The window step by step (a minute up to 24 hours, else an hour): what the console draws. */
  series: { step_seconds: number; points: StatsPoint[] };
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Windows up to this long are drawn a minute a step; longer ones an hour a step. */
const MINUTE_STEPS_UP_TO_MS = 24 * HOUR_MS;

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;
const at = (t: number) => sql`${new Date(t).toISOString()}::timestamptz`;

/**
 * The statistics' rows for minutes in [since, until) (until null: no end): whole hours from the
 * hourly rows, the minutes around them from the per-minute rows, plus the deltas not rolled up
 * yet. `minutesOnly` keeps to per-minute rows (for minute steps).
 */
function factsBetween(
  since: number,
  until: number | null,
  options: { minutesOnly?: boolean; series?: string[] } = {},
): SQL {
  const onlySeries = options.series
    ? sql` and series in (${sql.join(
        options.series.map((s) => sql`${s}`),
        sql`, `,
      )})`
    : sql``;
  const end = until === null ? sql`'infinity'::timestamptz` : at(until);
  const deltas = sql`select minute as bucket, series, key, n from stats_deltas where minute >= ${at(since)} and minute < ${end}${onlySeries}`;
  const minutes = (from: number, to: SQL) =>
    sql`select bucket, series, key, n from stats_rollup where grain = 'minute' and bucket >= ${at(from)} and bucket < ${to}${onlySeries}`;
  const firstHour = ceilTo(since, HOUR_MS);
  const lastHour = until === null ? null : floorTo(until, HOUR_MS);
  if (options.minutesOnly || (lastHour !== null && firstHour >= lastHour)) {
    return sql`${minutes(since, end)} union all ${deltas}`;
  }
  const hoursEnd = lastHour === null ? end : at(lastHour);
  const hours = sql`select bucket, series, key, n from stats_rollup where grain = 'hour' and bucket >= ${at(firstHour)} and bucket < ${hoursEnd}${onlySeries}`;
  const tail = lastHour === null ? sql`` : sql` union all ${minutes(lastHour, end)}`;
  return sql`${minutes(since, at(firstHour))} union all ${hours}${tail} union all ${deltas}`;
}

interface StatsRow {
  kind: "total" | "point" | "after" | "queue";
  at: string | null;
  series: string | null;
  key: string | null;
  n: number | string;
}

/**
 * Counts and latencies over whole minutes `[since, until)`, step by step, plus the queue as it is
 * now. Everything comes from the pre-aggregated statistics, in one statement (one snapshot: rows
 * the roll-up moves are seen exactly once), so a window of 30 days costs about what one of an
 * hour does.
 */
export async function reviewStats(db: Db, window: { since: Date; until: Date }): Promise<ReviewStats> {
  const since = floorTo(window.since.getTime(), MINUTE_MS);
  const until = Math.max(ceilTo(window.until.getTime(), MINUTE_MS), since + MINUTE_MS);
  const stepMs = until - since <= MINUTE_STEPS_UP_TO_MS ? MINUTE_MS : HOUR_MS;
  const step = stepMs === MINUTE_MS ? sql.raw(`'minute'`) : sql.raw(`'hour'`);
  const drawn = ["decisions", "queue"];
  const rows = rowsOf<StatsRow>(
    await db.execute(sql`
      select 'total' as kind, null::text as at, series, key, sum(n)::float8 as n
        from (${factsBetween(since, until)}) f group by series, key
      union all
      select 'point', (extract(epoch from date_trunc(${step}, bucket, 'UTC')) * 1000)::bigint::text, series, key, sum(n)::float8
        from (${factsBetween(since, until, { minutesOnly: stepMs === MINUTE_MS, series: drawn })}) f group by 2, 3, 4
      union all
      select 'after', null, series, key, sum(n)::float8
        from (${factsBetween(until, null, { series: ["queue"] })}) f group by series, key
      union all
      select 'queue', (extract(epoch from min(deadline_at)) * 1000)::bigint::text, null, null, count(*)::float8
        from messages where status = 'held'`),
  );
  return assemble(rows, { since, until, stepMs });
}

function assemble(rows: StatsRow[], window: { since: number; until: number; stepMs: number }): ReviewStats {
  const byStatus: Record<string, number> = {};
  const byAction: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  const histograms = new Map<string, Map<number, number>>();
  const points = new Map<number, { decisions: Record<string, number>; netHeld: number }>();
  for (let t = floorTo(window.since, window.stepMs); t < window.until; t += window.stepMs)
    points.set(t, { decisions: {}, netHeld: 0 });
  let heldAfterWindow = 0;
  let depth = 0;
  let earliest: number | null = null;
  const add = (counts: Record<string, number>, key: string, n: number) => {
    counts[key] = (counts[key] ?? 0) + n;
  };

  for (const row of rows) {
    const n = Number(row.n);
    if (row.kind === "queue") {
      depth = n;
      earliest = row.at === null ? null : Number(row.at);
    } else if (row.kind === "after") {
      heldAfterWindow += row.key === "in" ? n : -n;
    } else if (row.kind === "point") {
      const point = points.get(Number(row.at));
      if (!point) continue;
      if (row.series === "queue") point.netHeld += row.key === "in" ? n : -n;
      else if (n !== 0) add(point.decisions, actionOf(row.key ?? ""), n);
    } else if (row.series === "messages") {
      if (n !== 0) add(byStatus, row.key ?? "", n);
    } else if (row.series === "decisions") {
      if (n === 0) continue;
      add(byAction, actionOf(row.key ?? ""), n);
      add(bySource, sourceOf(row.key ?? ""), n);
    } else if (row.series?.endsWith("_us")) {
      const histogram = histograms.get(row.series) ?? new Map<number, number>();
      histogram.set(Number(row.key), n);
      histograms.set(row.series, histogram);
    }
  }

  // The depth at the end of each step: today's depth, less what entered and left since.
  const drawn: StatsPoint[] = [];
  let depthAtEnd = depth - heldAfterWindow;
  for (const [start, point] of [...points.entries()].reverse()) {
    drawn.push({
      at: new Date(start).toISOString(),
      decisions_by_action: point.decisions,
      queue_depth: depthAtEnd,
    });
    depthAtEnd -= point.netHeld;
  }
  drawn.reverse();

  const histogram = (series: string): Histogram => histograms.get(series) ?? new Map();
  return {
    window: { since: new Date(window.since).toISOString(), until: new Date(window.until).toISOString() },
    messages_by_status: byStatus,
    decisions_by_action: byAction,
    decisions_by_source: bySource,
    queue: {
      depth,
      earliest_deadline_at: earliest === null ? null : new Date(earliest).toISOString(),
      seconds_left: earliest === null ? null : Math.max(0, Math.floor((earliest - Date.now()) / 1000)),
    },
    latency_ms: {
      rules_evaluation: percentilesOf(histogram("rules_evaluation_us")),
      review: percentilesOf(histogram("review_us")),
      commit: percentilesOf(histogram("commit_us")),
    },
    deadline_slack_ms: { ...percentilesOf(histogram("slack_us")), min: minimumMs(histogram("slack_us")) },
    series: { step_seconds: window.stepMs / 1000, points: drawn },
  };
}

/** Decision keys are "action/source". */
const actionOf = (key: string) => key.slice(0, key.indexOf("/"));
const sourceOf = (key: string) => key.slice(key.indexOf("/") + 1);
