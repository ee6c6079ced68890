import { sql } from "drizzle-orm";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "../../src/db/client.ts";
import { rawQuery } from "../../src/db/client.ts";
import { rowsOf } from "../../src/db/rows.ts";
import { deleteExpiredHistory } from "../../src/maintenance/retention.ts";
import { rollUpStats, sampleQueue } from "../../src/maintenance/stats-roll-up.ts";
import { reviewStats } from "../../src/review/stats.ts";
import { bucketLowerUs, bucketUpperUs } from "../../src/review/stats-histogram.ts";
import { openTestDatabase, type TestDatabase } from "../support/db.ts";
import { writeStatsHistory } from "../support/stats-fixture.ts";
import { comparable, statsFromRawRows } from "../support/stats-oracle.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Not on an hour: windows below cross hour boundaries with minutes on both sides. */
const BASE = Date.parse("2026-01-01T10:17:00Z");

const windowsToCheck: [string, number, number][] = [
  ["everything", BASE - HOUR, BASE + 4 * HOUR],
  ["minutes around whole hours", BASE + 23 * MINUTE, BASE + 2 * HOUR + 41 * MINUTE],
  ["within one hour", BASE + 50 * MINUTE, BASE + 58 * MINUTE],
  ["one minute", BASE + 61 * MINUTE, BASE + 62 * MINUTE],
  ["two days, by the hour", BASE - 24 * HOUR, BASE + 24 * HOUR],
];

async function expectAgreement(db: Db) {
  for (const [name, since, until] of windowsToCheck) {
    const window = { since: new Date(since), until: new Date(until) };
    const stats = await reviewStats(db, window);
    expect(stats.window, name).toEqual({
      since: window.since.toISOString(),
      until: window.until.toISOString(),
    });
    expect(comparable(stats), name).toEqual(await statsFromRawRows(db, window));
  }
}

const countRows = async (db: Db, table: "stats_deltas" | "stats_rollup") =>
  Number(
    rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]
      ?.n,
  );

describe("pre-aggregated statistics", () => {
  let t: TestDatabase;
  let db: Db;
  beforeEach(async () => {
    t = await openTestDatabase();
    db = t.database.db;
  });
  afterEach(async () => {
    await t.close();
  });

  it("agree exactly with the raw rows, rolled up or not, over any window", async () => {
    let step = 0;
    await writeStatsHistory(db, {
      seed: 12,
      base: BASE,
      spanMs: 3 * HOUR,
      count: 400,
      prefix: "agg",
      // Roll up after every other step: the reads see rolled-up rows and pending deltas together.
      between: async () => (step++ % 2 === 0 ? rollUpStats(rawQuery(db)) : undefined),
    });
    expect(await countRows(db, "stats_deltas")).toBeGreaterThan(0);
    await expectAgreement(db);

    await rollUpStats(rawQuery(db));
    expect(await countRows(db, "stats_deltas")).toBe(0);
    await expectAgreement(db);
  });

  it("an update that changes nothing counted adds no deltas", async () => {
    await writeStatsHistory(db, { seed: 3, base: BASE, spanMs: HOUR, count: 50, prefix: "noop" });
    const before = await countRows(db, "stats_deltas");
    await db.execute(sql`update messages set status_reason = 'looked at', updated_at = updated_at`);
    expect(await countRows(db, "stats_deltas")).toBe(before);
  });

  it("draw decisions by action and the queue depth step by step, by the minute and by the hour", async () => {
    await writeStatsHistory(db, { seed: 7, base: BASE, spanMs: 3 * HOUR, count: 300, prefix: "series" });
    await rollUpStats(rawQuery(db));
    // Half of what follows stays in deltas.
    await writeStatsHistory(db, { seed: 8, base: BASE, spanMs: 3 * HOUR, count: 100, prefix: "series-late" });

    const held = rowsOf<{ received: string; left: string | null }>(
      await db.execute(sql`
        select (extract(epoch from m.received_at) * 1000)::bigint::text as received,
               case when m.status = 'held' then null else (extract(epoch from m.updated_at) * 1000)::bigint::text end as left
          from messages m
         where exists (select 1 from decisions d where d.message_id = m.id and d.source = 'rules' and d.action = 'review')`),
    ).map((r) => ({ received: Number(r.received), left: r.left === null ? null : Number(r.left) }));
    const depthAt = (end: number) =>
      held.filter((m) => m.received < end && (m.left === null || m.left >= end)).length;

    for (const [since, until, stepMs] of [
      [BASE - 10 * MINUTE, BASE + 3 * HOUR + 10 * MINUTE, MINUTE],
      [Date.parse("2026-01-01T00:00:00Z"), Date.parse("2026-01-03T00:00:00Z"), HOUR],
    ] as const) {
      const stats = await reviewStats(db, { since: new Date(since), until: new Date(until) });
      expect(stats.series.step_seconds).toBe(stepMs / 1000);
      expect(stats.series.points).toHaveLength((until - since) / stepMs);
      const perStep = rowsOf<{ at: string; action: string; n: number }>(
        await db.execute(sql`
          select (floor(extract(epoch from created_at) * 1000 / ${stepMs}) * ${stepMs})::bigint::text as at, action, count(*)::int as n
            from decisions where created_at >= ${new Date(since).toISOString()}::timestamptz
             and created_at < ${new Date(until).toISOString()}::timestamptz group by 1, 2`),
      );
      for (const point of stats.series.points) {
        const start = Date.parse(point.at);
        const expected = Object.fromEntries(
          perStep.filter((r) => Number(r.at) === start).map((r) => [r.action, Number(r.n)]),
        );
        expect(point.decisions_by_action, point.at).toEqual(expected);
        expect(point.queue_depth, point.at).toBe(depthAt(start + stepMs));
      }
      expect(stats.series.points.some((p) => p.queue_depth > 0)).toBe(true);
    }
  });

  it("still agree after retention deletes old history, and keep no rows at zero", async () => {
    await writeStatsHistory(db, {
      seed: 21,
      base: BASE,
      spanMs: 3 * HOUR,
      count: 400,
      prefix: "ret",
      between: () => rollUpStats(rawQuery(db)),
    });
    const cutoff = BASE + 100 * MINUTE;
    const deleted = await deleteExpiredHistory({
      db,
      logger: pino({ level: "silent" }),
      maxAgeMs: Date.now() - cutoff,
      batchSize: 37,
    });
    expect(deleted).toBeGreaterThan(50);
    await expectAgreement(db);
    await rollUpStats(rawQuery(db));
    await expectAgreement(db);
    const empty = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from stats_rollup where n = 0`),
    );
    expect(Number(empty[0]?.n)).toBe(0);
    // Minutes whose every message is gone keep no rows of messages' statistics.
    const early = rowsOf<{ n: number }>(
      await db.execute(sql`
        select count(*)::int as n from messages where received_at < ${new Date(BASE + 10 * MINUTE).toISOString()}::timestamptz`),
    );
    const earlyRows = rowsOf<{ n: number }>(
      await db.execute(sql`
        select count(*)::int as n from stats_rollup where series = 'messages' and grain = 'minute'
           and bucket < ${new Date(BASE + 10 * MINUTE).toISOString()}::timestamptz`),
    );
    if (Number(early[0]?.n) === 0) expect(Number(earlyRows[0]?.n)).toBe(0);
  });

  it("retention trims the queue's history, which no row keeps, by age", async () => {
    await writeStatsHistory(db, { seed: 31, base: BASE, spanMs: 3 * HOUR, count: 200, prefix: "qh" });
    await rollUpStats(rawQuery(db));
    await writeStatsHistory(db, { seed: 32, base: BASE, spanMs: 3 * HOUR, count: 50, prefix: "qh-late" });
    const cutoff = new Date(BASE + 100 * MINUTE);
    const queueRows = async (before: boolean) =>
      Number(
        rowsOf<{ n: number }>(
          await db.execute(sql`
            select count(*)::int as n from (
              select bucket from stats_rollup where series = 'queue' and grain = 'minute'
              union all select minute from stats_deltas where series = 'queue') q
             where (bucket < ${cutoff.toISOString()}::timestamptz) = ${before}`),
        )[0]?.n,
      );
    expect(await queueRows(true)).toBeGreaterThan(0);
    const after = await queueRows(false);
    expect(after).toBeGreaterThan(0);
    await deleteExpiredHistory({
      db,
      logger: pino({ level: "silent" }),
      maxAgeMs: Date.now() - cutoff.getTime(),
    });
    expect(await queueRows(true)).toBe(0);
    expect(await queueRows(false)).toBe(after);
  });

  it("sample the queue's earliest deadline into the step it was seen in", async () => {
    const now = Date.now();
    await sampleQueue(rawQuery(db));
    const nothingHeld = await reviewStats(db, { since: new Date(now - 10 * MINUTE), until: new Date(now) });
    expect(nothingHeld.series.points.every((p) => p.earliest_deadline_at === null)).toBe(true);

    const deadlines = [now + 9 * MINUTE, now + 4 * MINUTE, now + 7 * MINUTE].map((t) =>
      new Date(t).toISOString(),
    );
    for (const [i, deadline] of deadlines.entries()) {
      await db.execute(sql`
        insert into messages (id, status, payload, received_at, deadline_at)
        values (${`sampled-${i}`}, 'held', '{}'::jsonb, now(), ${deadline}::timestamptz)`);
      await sampleQueue(rawQuery(db));
    }
    // The earliest leaves the queue; the minute keeps the earliest it saw.
    await db.execute(sql`update messages set status = 'expired', final_at = now() where id = 'sampled-1'`);
    await sampleQueue(rawQuery(db));
    const stats = await reviewStats(db, { since: new Date(now - 10 * MINUTE), until: new Date(Date.now()) });
    const seen = stats.series.points.filter((p) => p.earliest_deadline_at !== null);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    // Two samples can straddle a minute boundary; the earliest of them all is the one of deadline 4 min.
    const earliest = Math.min(...seen.map((p) => Date.parse(p.earliest_deadline_at!)));
    expect(new Date(earliest).toISOString()).toBe(new Date(Date.parse(deadlines[1]!)).toISOString());
    expect(stats.queue.earliest_deadline_at).toBe(new Date(Date.parse(deadlines[2]!)).toISOString());
  });

  it("draw a window of centuries in at most 1 440 steps of whole days, counting everything", async () => {
    await writeStatsHistory(db, { seed: 41, base: BASE, spanMs: 3 * HOUR, count: 60, prefix: "long" });
    const window = { since: new Date("0001-01-01T00:00:00Z"), until: new Date("2100-01-01T00:00:00Z") };
    const stats = await reviewStats(db, window);
    expect(stats.series.points.length).toBeLessThanOrEqual(1_440);
    expect(stats.series.step_seconds % 86_400).toBe(0);
    const drawn = stats.series.points.reduce(
      (sum, p) => sum + Object.values(p.decisions_by_action).reduce((a, b) => a + b, 0),
      0,
    );
    expect(drawn).toBe(Object.values(stats.decisions_by_action).reduce((a, b) => a + b, 0));
    expect(comparable(stats)).toEqual(await statsFromRawRows(db, window));
  });

  it("buckets every duration between the edges the percentiles are read from", async () => {
    const values = [-3e11, -1e6, -4, -1, -0.5, 0, 0.99, 1, 1.5, 2, 7, 100, 1e3, 65_536, 1e6, 2.6e11];
    const rows = rowsOf<{ us: number; k: number }>(
      await db.execute(sql`
        select v::float8 as us, stats_bucket(v) as k
          from unnest(${`{${values.join(",")}}`}::float8[]) as v`),
    );
    expect(rows).toHaveLength(values.length);
    for (const { us, k } of rows) {
      expect(Number(us), `bucket ${k}`).toBeGreaterThanOrEqual(bucketLowerUs(Number(k)) - 1e-6);
      expect(Number(us), `bucket ${k}`).toBeLessThanOrEqual(bucketUpperUs(Number(k)) + 1e-6);
    }
  });
});
