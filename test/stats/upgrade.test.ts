import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { type Database, openPglite, openPostgres, rawQuery } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { rowsOf } from "../../src/db/rows.ts";
import { rollUpStats } from "../../src/maintenance/stats-roll-up.ts";
import { reviewStats } from "../../src/review/stats.ts";
import { TEST_DATABASE_URL } from "../support/db.ts";
import { migrationsBefore } from "../support/migrations.ts";
import { writeStatsHistory } from "../support/stats-fixture.ts";
import { comparable, statsFromRawRows } from "../support/stats-oracle.ts";

const BASE = Date.parse("2026-01-01T10:17:00Z");
const WINDOW = { since: new Date(BASE - 3_600_000), until: new Date(BASE + 4 * 3_600_000) };
const STATS_MIGRATION = "0004_stats_aggregates";

/** A database at the schema before the statistics, and how to migrate it the rest of the way. */
async function databaseBeforeStats(): Promise<{
  database: Database;
  upgrade(): Promise<void>;
  close(): Promise<void>;
}> {
  const folder = migrationsBefore(STATS_MIGRATION);
  if (!TEST_DATABASE_URL) {
    const database = await openPglite(undefined);
    await migratePglite(database.db as unknown as ReturnType<typeof drizzlePglite>, {
      migrationsFolder: folder,
    });
    rmSync(folder, { recursive: true });
    return { database, upgrade: () => migrateDatabase(database), close: () => database.close() };
  }
  const serverUrl = TEST_DATABASE_URL;
  const name = `gatehouse_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const single = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await migratePostgres(drizzlePostgres(single), { migrationsFolder: folder });
  await single.end();
  rmSync(folder, { recursive: true });
  const database = openPostgres({ url: url.toString(), poolSize: 4 });
  return {
    database,
    upgrade: () => migrateDatabase(database, url.toString()),
    close: async () => {
      await database.close();
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

describe("upgrading to pre-aggregated statistics", () => {
  let opened: Awaited<ReturnType<typeof databaseBeforeStats>> | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it("backfills the statistics of the history already there, then keeps them as messages flow", async () => {
    opened = await databaseBeforeStats();
    const db = opened.database.db;
    await writeStatsHistory(db, { seed: 5, base: BASE, spanMs: 3 * 3_600_000, count: 300, prefix: "old" });
    const tables = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from pg_tables where tablename = 'stats_rollup'`),
    );
    expect(Number(tables[0]?.n)).toBe(0);

    await opened.upgrade();
    expect(comparable(await reviewStats(db, WINDOW))).toEqual(await statsFromRawRows(db, WINDOW));
    const queue = await reviewStats(db, WINDOW);
    expect(queue.queue.depth).toBeGreaterThan(0);
    expect(queue.series.points.at(-1)?.queue_depth).toBe(queue.queue.depth);

    await writeStatsHistory(db, { seed: 6, base: BASE, spanMs: 3 * 3_600_000, count: 100, prefix: "new" });
    await rollUpStats(rawQuery(db));
    expect(comparable(await reviewStats(db, WINDOW))).toEqual(await statsFromRawRows(db, WINDOW));
  });
});
