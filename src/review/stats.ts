import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { rowsOf } from "../db/rows.ts";
import { type Histogram, minimumMs, type Percentiles, percentilesOf } from "./stats-histogram.ts";

export type { Percentiles } from "./stats-histogram.ts";

export interface StatsPoint {
  /** Start of the step (steps start at whole minutes, hours or days, UTC). */
  at: string;
  decisions_by_action: Record<string, number>;
  /** Messages held at the end of the step. */
  queue_depth: number;
  /** The earliest deadline in the queue during the step (sampled every few seconds); null: none seen. */
  earliest_deadline_at: string | null;
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
  /** The window step by step (a minute up to 24 hours, an hour up to 60 days, then days): what the console draws. */
  series: { step_seconds: number; points: StatsPoint[] };
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The most points a series has: a window of years is drawn in steps of several days. */
const MAX_POINTS = 1_440;

/**
 * A minute a step up to 24 hours, an hour up to 60 days, then whole days, as many as keep the
 * series within MAX_POINTS. Steps start at whole units of their grain (UTC).
 */
function stepOf(since: number, until: number): { stepMs: number; grain: Grain; first: number } {
  const span = until - since;
  if (span <= DAY_MS) return { stepMs: MINUTE_MS, grain: "minute", first: since };
  if (span <= 60 * DAY_MS) return { stepMs: HOUR_MS, grain: "hour", first: floorTo(since, HOUR_MS) };
  const first = floorTo(since, DAY_MS);
  return { stepMs: Math.ceil((until - first) / DAY_MS / MAX_POINTS) * DAY_MS, grain: "day", first };
}

const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;
const at = (t: number) => sql`${new Date(t).toISOString()}::timestamptz`;

type Grain = "day" | "hour" | "minute";
const GRAINS: readonly (readonly [Grain, number])[] = [
  ["day", DAY_MS],
  ["hour", HOUR_MS],
  ["minute", MINUTE_MS],
];
/** Far enough: "from `since` on" for the queue's history after the window. */
const NO_END = Date.UTC(2999, 0, 1);

interface Range {
  grain: Grain;
  from: number;
  to: number;
}

/** Whole minutes [from, to) as whole days, then hours, then minutes: the fewest rows that cover it. */
function cover(from: number, to: number, grains: readonly (readonly [Grain, number])[]): Range[] {
  const [[grain, unit], ...finer] = grains as [readonly [Grain, number], ...(readonly [Grain, number])[]];
  if (finer.length === 0) return from < to ? [{ grain, from, to }] : [];
  const first = ceilTo(from, unit);
  const last = floorTo(to, unit);
  if (first >= last) return cover(from, to, finer);
  return [...cover(from, first, finer), { grain, from: first, to: last }, ...cover(last, to, finer)];
}

/**
 * The statistics' rows for minutes in [since, until): rolled-up rows of the coarsest grains that
 * fit (never coarser than `coarsest`), plus the deltas not rolled up yet.
 */
function factsBetween(
  since: number,
  until: number,
  options: { coarsest?: Grain; series?: string[] } = {},
): SQL {
  const onlySeries = options.series
    ? sql` and series in (${sql.join(
        options.series.map((s) => sql`${s}`),
        sql`, `,
      )})`
    : sql``;
  const grains = GRAINS.slice(GRAINS.findIndex(([grain]) => grain === (options.coarsest ?? "day")));
  const rolledUp = cover(since, until, grains).map(
    (range) =>
      sql`select bucket, series, key, n from stats_rollup where grain = ${range.grain} and bucket >= ${at(range.from)} and bucket < ${at(range.to)}${onlySeries}`,
  );
  const deltas = sql`select minute as bucket, series, key, n from stats_deltas where minute >= ${at(since)} and minute < ${at(until)}${onlySeries}`;
  return sql.join([...rolledUp, deltas], sql` union all `);
}

interface StatsRow {
  kind: "total" | "point" | "after" | "earliest" | "queue";
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
  const step = stepOf(since, until);
  const rows = rowsOf<StatsRow>(await db.execute(statsQuery(since, until, step)));
  return assemble(rows, { since, until, ...step });
}

/** The one statement behind reviewStats(), for whole minutes [since, until). */
export function statsQuery(since: number, until: number, step: ReturnType<typeof stepOf>): SQL {
  const { stepMs, first: firstStep } = step;
  // The start of the step a bucket falls in, as epoch milliseconds (text).
  const stepStart = (column: SQL) =>
    sql`(floor((extract(epoch from ${column}) * 1000 - ${firstStep}) / ${stepMs}) * ${stepMs} + ${firstStep})::bigint::text`;
  const drawn = ["decisions", "queue"];
  return sql`
      select 'total' as kind, null::text as at, series, key, sum(n)::float8 as n
        from (${factsBetween(since, until)}) f group by series, key
      union all
      select 'point', ${stepStart(sql`bucket`)}, series, key, sum(n)::float8
        from (${factsBetween(since, until, { coarsest: step.grain, series: drawn })}) f group by 2, 3, 4
      union all
      select 'after', null, series, key, sum(n)::float8
        from (${factsBetween(until, NO_END, { series: ["queue"] })}) f group by series, key
      union all
      select 'earliest', ${stepStart(sql`minute`)},
             null, null, (extract(epoch from min(earliest_deadline_at)) * 1000)::float8
        from stats_queue_samples where minute >= ${at(since)} and minute < ${at(until)} group by 2
      union all
      select 'queue', (extract(epoch from min(deadline_at)) * 1000)::bigint::text, null, null, count(*)::float8
        from messages where status = 'held'`;
}

function assemble(
  rows: StatsRow[],
  window: { since: number; until: number; stepMs: number; first: number },
): ReviewStats {
  const byStatus: Record<string, number> = {};
  const byAction: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  const histograms = new Map<string, Map<number, number>>();
  const points = new Map<
    number,
    { decisions: Record<string, number>; netHeld: number; earliest: number | null }
  >();
  for (let t = window.first; t < window.until; t += window.stepMs)
    points.set(t, { decisions: {}, netHeld: 0, earliest: null });
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
    } else if (row.kind === "earliest") {
      const point = points.get(Number(row.at));
      if (point) point.earliest = n;
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
      earliest_deadline_at: point.earliest === null ? null : new Date(point.earliest).toISOString(),
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
