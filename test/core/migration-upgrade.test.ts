import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import type { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { afterEach, describe, expect, it } from "vitest";
import { type Database, openPglite } from "../../src/db/client.ts";
import { migrateDatabase, migrationsFolder } from "../../src/db/migrate.ts";
import { messages } from "../../src/db/schema/index.ts";

/** The migrations folder as it was up to (and including) the migration tagged `lastTag`. */
function migrationsUpTo(lastTag: string): string {
  const folder = mkdtempSync(join(tmpdir(), "gatehouse-migrations-"));
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  expect(last).toBeGreaterThanOrEqual(0);
  journal.entries = journal.entries.slice(0, last + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

describe("upgrading a database made by earlier migrations", () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
  });

  it("0002 (retired messages) applies over 0000 with rows in it, and keeps them", async () => {
    database = await openPglite(undefined);
    const db = database.db as unknown as ReturnType<typeof drizzlePglite>;
    await migratePglite(db, { migrationsFolder: migrationsUpTo("0000_init") });
    await db.execute(
      `insert into messages (id, status, payload, deadline_at, final_at)
       values ('old-1', 'committed', '{"id":"old-1"}', now() - interval '40 days', now() - interval '40 days')`,
    );

    await migrateDatabase(database);

    const [row] = await database.db.select().from(messages).where(eq(messages.id, "old-1"));
    expect(row).toMatchObject({ status: "committed", payload: { id: "old-1" }, retiredAt: null });
  });
});
