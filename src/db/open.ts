import type { Config } from "../config.ts";
import { type Database, openPglite, openPostgres } from "./client.ts";
import { migrateDatabase } from "./migrate.ts";

/**
 * The database the configuration names, migrated: Postgres at DATABASE_URL, else the embedded
 * PGlite in DATA_DIR. A database that cannot be migrated is closed again before the error goes up.
 */
export async function openMigratedDatabase(
  config: Pick<Config, "databaseUrl" | "databasePoolSize" | "dataDir"> &
    Partial<Pick<Config, "embeddedFsync">>,
  options: { applicationName?: string; poolSize?: number } = {},
): Promise<Database> {
  const database = config.databaseUrl
    ? openPostgres({
        url: config.databaseUrl,
        poolSize: options.poolSize ?? config.databasePoolSize,
        applicationName: options.applicationName,
      })
    : await openPglite(config.dataDir, undefined, { fsync: config.embeddedFsync });
  try {
    await migrateDatabase(database, config.databaseUrl);
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
  return database;
}
