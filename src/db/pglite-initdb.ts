import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

// Same extension as this module: .ts when run from source, .js from the build.
const INITDB_PROCESS = new URL(
  `./pglite-initdb-process${import.meta.url.slice(import.meta.url.lastIndexOf("."))}`,
  import.meta.url,
);

export function isDataDirInitialized(dataDir: string): boolean {
  return existsSync(join(dataDir, "PG_VERSION"));
}

/**
 * Creates the embedded database's cluster in `dataDir` if it has none yet, in a short-lived
 * process. PGlite runs initdb in a second WebAssembly instance whose memory the process never
 * gets back (about 500 MB kept for the life of the service); a child process returns it when it
 * exits. It also runs on the other core while this process compiles the rules.
 */
export async function initializeDataDir(dataDir: string): Promise<void> {
  if (isDataDirInitialized(dataDir)) return;
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
  if (exit.code !== 0 || !isDataDirInitialized(dataDir)) {
    throw new Error(
      `Could not create the embedded database in ${dataDir} (initdb ${exit.signal ? `killed by ${exit.signal}` : `exited with ${exit.code}`}). ` +
        `Check that the directory is writable and the disk has space, or set DATABASE_URL.${stderr ? `\n${stderr.trim()}` : ""}`,
    );
  }
}
