// Run as a process of its own by data-dir-lock.test.ts: takes the embedded database's lock on a
// directory, says whether it got it, and holds it until killed.
import { acquireDataDirLock, DataDirLockedError } from "../../../src/db/pglite-lock.ts";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: hold-data-dir.ts <dir>");
try {
  await acquireDataDirLock(dataDir);
  console.log("acquired");
  setInterval(() => {}, 60_000);
} catch (error) {
  if (!(error instanceof DataDirLockedError)) throw error;
  console.log(`refused: ${error.message}`);
  process.exit(1);
}
