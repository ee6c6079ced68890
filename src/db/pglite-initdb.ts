import { fork } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// Same extension as this module: .ts when run from source, .js from the build.
const INITDB_PROCESS = new URL(
  `./pglite-initdb-process${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`,
  import.meta.url,
);

/**
 * Written before initdb starts and removed once it has finished: found at start, it means the
 * first run was cut short (killed, out of disk) and left a cluster that only looks complete.
 */
const INITDB_UNFINISHED = ".gatehouse-initdb-unfinished";
/** Files in the data directory that are not the cluster's (see pglite-lock.ts). */
const KEPT_ON_RETRY = new Set(["gatehouse.lock", INITDB_UNFINISHED]);

export function isDataDirInitialized(dataDir: string): boolean {
  return existsSync(join(dataDir, "PG_VERSION")) && !existsSync(join(dataDir, INITDB_UNFINISHED));
}

/** Removes what an interrupted initdb left, so it can start again on an empty directory. */
function clearUnfinishedCluster(dataDir: string): void {
  if (!existsSync(join(dataDir, INITDB_UNFINISHED))) return;
  for (const entry of readdirSync(dataDir)) {
    if (!KEPT_ON_RETRY.has(entry)) rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}

/**
 * Creates the embedded database's cluster in `dataDir` if it has none yet, in a short-lived
 * process. PGlite runs initdb in a second WebAssembly instance whose memory the process never
 * gets back (about 500 MB kept for the life of the service); a child process returns it when it
 * exits. It also runs on the other core while this process compiles the rules.
 */
export async function initializeDataDir(dataDir: string): Promise<void> {
  if (isDataDirInitialized(dataDir)) return;
  clearUnfinishedCluster(dataDir);
  writeFileSync(join(dataDir, INITDB_UNFINISHED), "initdb started; removed when it finishes\n", {
    mode: 0o600,
  });
  const execArgv = [...process.execArgv];
  if (INITDB_PROCESS.pathname.endsWith(".ts") && !execArgv.some((arg) => arg.includes("tsx"))) {
    execArgv.push("--import", "tsx");
  }
  const child = fork(INITDB_PROCESS, [dataDir], { execArgv, stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code, signal) => resolve({ code, signal }));
    },
  );
  if (exit.code === 0 && existsSync(join(dataDir, "PG_VERSION"))) {
    rmSync(join(dataDir, INITDB_UNFINISHED));
    return;
  }
  throw new Error(
    `Could not create the embedded database in ${dataDir} (initdb ${exit.signal ? `killed by ${exit.signal}` : `exited with ${exit.code}`}). ` +
      `Check that the directory is writable and the disk has space, or set DATABASE_URL; the next start begins it again.${stderr ? `\n${stderr.trim()}` : ""}`,
  );
}
