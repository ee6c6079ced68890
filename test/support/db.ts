import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { describe } from "vitest";
import { type Database, openPglite, openPostgres } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { migratedTemplate } from "./pglite-template.ts";

/** Set in CI (and by anyone with a Postgres at hand): every suite then runs on real Postgres. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

export interface TestDatabase {
  /** A connection pool (Postgres) or an in-memory PGlite, migrated. */
  database: Database;
  /** The URL of this test's own database, to open more pools on it (Postgres only). */
  url: string | undefined;
  /** Opens another, separate pool on the same database (Postgres only). */
  openPool(poolSize?: number): Database;
  close(): Promise<void>;
}

let template: Promise<Blob> | undefined;

/** One migrated PGlite per run (see test/global-setup.ts), read once per test process. */
function migratedTemplateOnce(): Promise<Blob> {
  template ??= migratedTemplate();
  return template;
}

/**
 * Each caller gets a database of its own: a fresh Postgres database created from
 * TEST_DATABASE_URL's server, or a fresh in-memory PGlite. Tests never see each other's rows.
 */
export async function openTestDatabase(): Promise<TestDatabase> {
  if (!TEST_DATABASE_URL) {
    const database = await openPglite(undefined, await migratedTemplateOnce());
    return {
      database,
      url: undefined,
      openPool: () => {
        throw new Error("several pools need real Postgres (TEST_DATABASE_URL)");
      },
      close: () => database.close(),
    };
  }
  const name = `gatehouse_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const database = openPostgres({ url: url.toString(), poolSize: 10 });
  await migrateDatabase(database, url.toString());
  const pools: Database[] = [database];
  return {
    database,
    url: url.toString(),
    openPool: (poolSize = 10) => {
      const pool = openPostgres({ url: url.toString(), poolSize });
      pools.push(pool);
      return pool;
    },
    close: async () => {
      await Promise.all(pools.map((pool) => pool.close().catch(() => {})));
      const cleanup = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/**
 * For suites that need several connections racing: PGlite has one connection and cannot show a
 * race, so without TEST_DATABASE_URL they are skipped, and the reason is printed.
 */
export function describeWithPostgres(
  name: string,
  body: () => void,
  reason = "needs real Postgres with several connections",
): void {
  if (!TEST_DATABASE_URL) console.warn(`[skipped] "${name}": ${reason}; set TEST_DATABASE_URL to run it.`);
  describe.skipIf(!TEST_DATABASE_URL)(name, body);
}
