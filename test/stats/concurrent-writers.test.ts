import { sql } from "drizzle-orm";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type Database, rawQuery } from "../../src/db/client.ts";
import { rowsOf } from "../../src/db/rows.ts";
import { rollUpStats } from "../../src/maintenance/stats-roll-up.ts";
import { reviewStats } from "../../src/review/stats.ts";
import { describeWithPostgres, openTestDatabase, type TestDatabase } from "../support/db.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { comparable, statsFromRawRows } from "../support/stats-oracle.ts";

const BASE = Date.parse("2026-01-01T10:17:00Z");
const WINDOW = { since: new Date(BASE - 3_600_000), until: new Date(BASE + 4 * 3_600_000) };
const WRITERS = 4;
const ROUNDS = 25;
const PER_ROUND = 8;

/**
 * One replica's share of the traffic: receipts in batches, then races with every other writer
 * to move the same messages (conditional updates, as the service makes them: one wins each).
 */
async function writer(pool: Database, w: number, everyone: string[]): Promise<void> {
  const random = seededRandom(100 + w);
  const db = pool.db;
  for (let round = 0; round < ROUNDS; round++) {
    const batch = Array.from({ length: PER_ROUND }, (_, i) => {
      const receivedMs = BASE + Math.floor(random() * 3 * 3_600_000);
      const roll = random();
      return {
        id: `w${w}-${round}-${i}`,
        status: roll < 0.5 ? "committing" : roll < 0.7 ? "rejecting" : "held",
        action: roll < 0.5 ? "approve" : roll < 0.7 ? "reject" : "review",
        received_at: new Date(receivedMs).toISOString(),
        deadline_at: new Date(receivedMs + 60_000).toISOString(),
        evaluation_us: Math.floor(random() * 3_000),
      };
    });
    const json = sql`${JSON.stringify(batch)}::jsonb`;
    await db.execute(sql`
      with input as (
        select * from jsonb_to_recordset(${json}) as x(id text, status text, action text, received_at timestamptz, deadline_at timestamptz, evaluation_us int)
      ), inserted as (
        insert into messages (id, status, payload, received_at, deadline_at, updated_at)
        select id, status, '{}'::jsonb, received_at, deadline_at, received_at from input order by id
        returning id
      )
      insert into decisions (message_id, action, source, evaluation_us, created_at)
      select i.id, i.action, 'rules', i.evaluation_us, i.received_at from input i join inserted using (id)`);
    everyone.push(...batch.map((m) => m.id));

    // Everyone races for the same recent messages.
    const targets = everyone.slice(-3 * PER_ROUND).filter(() => random() < 0.5);
    const ids = sql`${JSON.stringify(targets)}::jsonb`;
    const latencyMs = Math.floor(random() * 90_000);
    await db.execute(sql`
      update messages set status = 'committed', final_at = received_at + ${latencyMs} * interval '1 millisecond',
             updated_at = received_at + ${latencyMs} * interval '1 millisecond'
       where id in (select jsonb_array_elements_text(${ids})) and status = 'committing'`);
    await db.execute(sql`
      update messages set status = 'rejected', final_at = received_at + interval '2 seconds', updated_at = received_at + interval '2 seconds'
       where id in (select jsonb_array_elements_text(${ids})) and status = 'rejecting'`);
    const decision = random() < 0.5 ? "approve" : "reject";
    await db.execute(sql`
      with moved as (
        update messages set status = ${decision === "approve" ? "committing" : "rejecting"},
               updated_at = received_at + ${latencyMs % 55_000} * interval '1 millisecond'
         where id in (select jsonb_array_elements_text(${ids})) and status = 'held'
        returning id, updated_at
      )
      insert into decisions (message_id, action, source, actor, created_at)
      select id, ${decision}, 'moderator', ${`mod-${w}`}, updated_at from moved`);
  }
}

describeWithPostgres("statistics under concurrent writers", () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await openTestDatabase();
  });
  afterEach(async () => {
    await t.close();
  });

  it("count every change exactly once while replicas write and roll up at the same time", async () => {
    const everyone: string[] = [];
    const pools = Array.from({ length: WRITERS }, () => t.openPool(4));
    const rollers = [t.openPool(2), t.openPool(2)];
    let writing = true;
    let rolledUp = 0;
    const rolling = rollers.map(async (pool) => {
      while (writing) rolledUp += await rollUpStats(rawQuery(pool.db));
    });
    try {
      await Promise.all(pools.map((pool, w) => writer(pool, w, everyone)));
    } finally {
      writing = false;
      await Promise.all(rolling);
    }
    expect(rolledUp).toBeGreaterThan(0);

    const db = t.database.db;
    const moderated = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from decisions where source = 'moderator'`),
    );
    expect(Number(moderated[0]?.n)).toBeGreaterThan(0);
    // With deltas still pending, and once everything is rolled up.
    expect(comparable(await reviewStats(db, WINDOW))).toEqual(await statsFromRawRows(db, WINDOW));
    await rollUpStats(rawQuery(db));
    const pending = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from stats_deltas`));
    expect(Number(pending[0]?.n)).toBe(0);
    expect(comparable(await reviewStats(db, WINDOW))).toEqual(await statsFromRawRows(db, WINDOW));
  });
});
