import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openPglite, rawQuery } from "../../src/db/client.ts";
import { initializeDataDir, isDataDirInitialized } from "../../src/db/pglite-initdb.ts";

// A first run killed while initdb was writing the embedded database leaves a directory that looks
// like a cluster (PG_VERSION is among the first files written) but is not one.
describe("an embedded database whose first initdb was cut short", () => {
  it("is cleared and created again at the next start", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-initdb-"));
    writeFileSync(join(dataDir, ".gatehouse-initdb-unfinished"), "");
    writeFileSync(join(dataDir, "PG_VERSION"), "17\n");
    mkdirSync(join(dataDir, "base"));
    writeFileSync(join(dataDir, "base", "half-written"), "x");
    expect(isDataDirInitialized(dataDir)).toBe(false);

    await initializeDataDir(dataDir);

    expect(isDataDirInitialized(dataDir)).toBe(true);
    expect(existsSync(join(dataDir, ".gatehouse-initdb-unfinished"))).toBe(false);
    expect(existsSync(join(dataDir, "base", "half-written"))).toBe(false);
    const database = await openPglite(dataDir);
    try {
      const [row] = await rawQuery(database.db)<{ n: number }>("select 1 as n", []);
      expect(row?.n).toBe(1);
    } finally {
      await database.close();
    }
  });

  it("a directory initialised before the marker existed is left as it is", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-initdb-"));
    await initializeDataDir(dataDir);
    const files = readdirSync(dataDir).sort();
    expect(files).toContain("PG_VERSION");
    await initializeDataDir(dataDir);
    expect(readdirSync(dataDir).sort()).toEqual(files);
  });
});
