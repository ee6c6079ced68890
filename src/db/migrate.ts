import { fileURLToPath } from "node:url";
import type { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Database } from "./client.ts";

export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

// Any constant works; it only has to be the same for every replica.
const MIGRATION_LOCK_KEY = 7_277_311_042;

/**
 * Applies migrations/ with the driver's own migrator. On Postgres, replicas starting together
 * serialize on an advisory lock held by a dedicated connection, so only one runs each migration.
 */
export async function migrateDatabase(database: Database, postgresUrl?: string): Promise<void> {
  if (database.kind === "pglite") {
    await migratePglite(database.db as unknown as ReturnType<typeof drizzlePglite>, { migrationsFolder });
    return;
  }
  if (!postgresUrl) throw new Error("migrateDatabase: the Postgres URL is needed to take the migration lock");
  const single = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  try {
    await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzlePostgres(single), { migrationsFolder });
    await single`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    await single.end({ timeout: 5 });
  }
}
