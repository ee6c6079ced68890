import { readFileSync } from "node:fs";
import { openPglite } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";

/** Where the run's migrated PGlite template is (set by test/global-setup.ts). */
export const TEMPLATE_ENV = "GATEHOUSE_TEST_PGLITE_TEMPLATE";

/** A freshly migrated in-memory PGlite, dumped. */
export async function buildMigratedTemplate(): Promise<Blob> {
  const database = await openPglite(undefined);
  await migrateDatabase(database);
  const dump = await database.dump!();
  await database.close();
  return dump;
}

/** The run's template if the global setup built one, else one built here. */
export async function migratedTemplate(): Promise<Blob> {
  const path = process.env[TEMPLATE_ENV];
  if (path) return new Blob([readFileSync(path)]);
  return buildMigratedTemplate();
}
