import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { Database } from "../../src/db/client.ts";
import { migrationsFolder } from "../../src/db/migrate.ts";

interface Journal {
  entries: Array<{ idx: number; tag: string }>;
}

/**
 * A copy of migrations/ holding only the entries before the one tagged `tag`: the database as an
 * earlier release made it, for tests that a later migration upgrades it with its rows. Throws when
 * `tag` is not a migration after the first (a renamed migration must not pass silently).
 */
export function migrationsBefore(tag: string): string {
  const journal = JSON.parse(
    readFileSync(join(migrationsFolder, "meta", "_journal.json"), "utf8"),
  ) as Journal;
  const cut = journal.entries.findIndex((entry) => entry.tag === tag);
  if (cut < 1) throw new Error(`no migration tagged ${tag} after the first in ${migrationsFolder}`);
  const earlier = journal.entries.slice(0, cut);
  const folder = mkdtempSync(join(tmpdir(), "gatehouse-migrations-"));
  mkdirSync(join(folder, "meta"));
  for (const { tag: earlierTag } of earlier)
    copyFileSync(join(migrationsFolder, `${earlierTag}.sql`), join(folder, `${earlierTag}.sql`));
  writeFileSync(join(folder, "meta", "_journal.json"), JSON.stringify({ ...journal, entries: earlier }));
  return folder;
}

/** Migrates an empty database as far as the release before the migration tagged `tag`. */
export async function migrateUpTo(database: Database, tag: string): Promise<void> {
  const earlier = migrationsBefore(tag);
  try {
    if (database.kind === "pglite") await migratePglite(database.db as never, { migrationsFolder: earlier });
    else await migratePostgres(database.db as never, { migrationsFolder: earlier });
  } finally {
    rmSync(earlier, { recursive: true, force: true });
  }
}
