import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { initializeDataDir } from "./pglite-initdb.ts";
import { acquireDataDirLock } from "./pglite-lock.ts";
import { PGLITE_START_PARAMS } from "./pglite-settings.ts";
import * as schema from "./schema/index.ts";
import { WalSync } from "./wal-sync.ts";

/** The base class both drivers share, so the rest of the service never knows which one it has. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface Database {
  db: Db;
  kind: "postgres" | "pglite";
  /**
   * Where a thread of its own may open another connection (Postgres only): the backtest worker
   * reads through one so its rows never pass through the event loop that answers hooks.
   */
  connectionUrl?: string;
  /** A dump of the whole database (PGlite only), to clone it. */
  dump?(): Promise<Blob>;
  /**
   * Makes what has been committed survive a power loss (embedded PGlite on disk, which never
   * fsyncs by itself: see WalSync). Absent where commits are durable already (Postgres) or
   * there is nothing on disk.
   */
  syncCommitted?(): Promise<unknown>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Runs one SQL statement with positional parameters ($1, $2...) and answers its rows. */
export type RawQuery = <T>(text: string, params: readonly unknown[]) => Promise<T[]>;

/**
 * Hand-written hot-path statements go straight to the driver: on postgres.js as named prepared
 * statements (drizzle sends every query unprepared, so Postgres would parse and plan each time),
 * on PGlite through its own query(). Parameters are passed as text and cast in the SQL, so both
 * drivers serialise them the same way.
 */
export function rawQuery(db: Db): RawQuery {
  return rawQueryOf((db as unknown as { $client: unknown }).$client);
}

/** The same over a driver's client or transaction object (postgres.js sql/tx, PGlite or its tx). */
function rawQueryOf(driverClient: unknown): RawQuery {
  const client = driverClient as
    | { unsafe: (text: string, params: unknown[], options: { prepare: boolean }) => Promise<unknown[]> }
    | { query: (text: string, params: unknown[]) => Promise<{ rows: unknown[] }> };
  if ("unsafe" in client) {
    return async <T>(text: string, params: readonly unknown[]) =>
      (await client.unsafe(text, [...params], { prepare: true })) as T[];
  }
  return async <T>(text: string, params: readonly unknown[]) =>
    (await client.query(text, [...params])).rows as T[];
}

/** Raw statements, alone or several in one transaction (both on the same driver connection). */
export interface RawSql {
  query: RawQuery;
  transaction<T>(work: (query: RawQuery) => Promise<T>): Promise<T>;
}

export function rawSql(db: Db): RawSql {
  const client = (db as unknown as { $client: unknown }).$client as
    | { begin: <T>(work: (tx: unknown) => Promise<T>) => Promise<T> }
    | { transaction: <T>(work: (tx: unknown) => Promise<T>) => Promise<T> };
  const transaction =
    "begin" in client
      ? <T>(work: (query: RawQuery) => Promise<T>) => client.begin((tx) => work(rawQueryOf(tx)))
      : <T>(work: (query: RawQuery) => Promise<T>) => client.transaction((tx) => work(rawQueryOf(tx)));
  return { query: rawQuery(db), transaction: transaction as RawSql["transaction"] };
}

export interface PostgresOptions {
  url: string;
  poolSize?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
}

export function openPostgres(options: PostgresOptions): Database {
  const client = postgres(options.url, {
    max: options.poolSize ?? 10,
    onnotice: () => {},
    connect_timeout: 5,
    // Retire idle connections so a Postgres restart is absorbed by fresh connections.
    idle_timeout: 30,
    // postgres.js waits up to 20 s between reconnects by default, and queries queue behind the
    // wait: while Postgres is down, hooks would hang instead of getting their 503, and recovery
    // would lag the restart. Retry soon, with a short cap.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    connection: { application_name: options.applicationName ?? "gatehouse" },
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    connectionUrl: options.url,
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * Embedded PGlite; `dataDir` undefined means in memory. `from` starts the database from a dump
 * (tests clone one migrated database instead of migrating each one). `fsync: false` leaves
 * commits in the operating system's cache (see WalSync).
 */
export async function openPglite(
  dataDir: string | undefined,
  from?: Blob,
  options: { fsync?: boolean } = {},
): Promise<Database> {
  const release = dataDir ? await acquireDataDirLock(dataDir) : () => {};
  try {
    if (dataDir && !from) await initializeDataDir(dataDir);
    const client = await PGlite.create({
      startParams: [...PGLITE_START_PARAMS],
      ...(dataDir ? { dataDir } : {}),
      ...(from ? { loadDataDir: from } : {}),
    });
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    const wal = dataDir && options.fsync !== false ? new WalSync(dataDir, rawQuery(db)) : undefined;
    return {
      db,
      kind: "pglite",
      ...(wal ? { syncCommitted: () => wal.sync() } : {}),
      dump: async () => (await client.dumpDataDir("none")) as Blob,
      ping: async () => {
        await client.query("select 1");
      },
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
