import { PGlite } from "@electric-sql/pglite";
import { PGLITE_START_PARAMS } from "./pglite-settings.ts";

/**
 * Run by initializeDataDir() as a process of its own: creates the embedded database's cluster in
 * the directory given as the only argument, then exits, handing its memory back.
 */
const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write("usage: pglite-initdb-process <data directory>\n");
  process.exit(2);
}
// A parent killed mid-initdb leaves this process orphaned: stop rather than keep writing into a
// directory the next start will clear and initialise again.
process.on("disconnect", () => process.exit(1));
const database = await PGlite.create({ dataDir, startParams: [...PGLITE_START_PARAMS] });
await database.close();
process.exit(0);
