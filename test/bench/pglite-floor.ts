// The embedded database on its own, for the footprint bench: opens PGlite on DATA_DIR the way
// the argument says, runs one query, and reports its RSS. Run as a process of its own by
// footprint.ts, so nothing else shares the figure.
//   postgres-defaults: PGlite.create with Postgres's default settings (initdb in this process)
//   gatehouse: openPglite(), the service's own way (small buffers, initdb in a child process)
import { readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { openPglite } from "../../src/db/client.ts";

const [mode, dataDir] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: pglite-floor.ts postgres-defaults|gatehouse <data directory>");
if (mode === "postgres-defaults") {
  const database = await PGlite.create({ dataDir });
  await database.query("select 1");
} else {
  const database = await openPglite(dataDir);
  await database.ping();
}
const rssKb = Number(readFileSync("/proc/self/status", "utf8").match(/VmRSS:\s+(\d+)/)?.[1]);
process.stdout.write(`${JSON.stringify({ rssMb: rssKb / 1024 })}\n`);
process.exit(0);
