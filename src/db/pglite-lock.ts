import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  closeSync,
  openSync,
  readFileSync,
  realpathSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { ensurePrivateDirectory } from "./private-directory.ts";

/**
 * PGlite is a single-process database: two processes opening one data directory each keep their
 * own in-memory state and silently lose each other's acknowledged rows. This lock makes the
 * second process refuse to start instead, naming the holder.
 *
 * On Linux the lock is the kernel's: a listening Unix socket in the abstract namespace, named
 * after the directory. Binding it is atomic (of any number of processes starting together exactly
 * one gets it), and the kernel lets it go the moment its process ends, kill -9 included, so there
 * is nothing stale to judge and nothing to take over. The lock file names the holder; one left by
 * another host (a directory shared between containers or machines, out of the kernel lock's
 * sight) still refuses the start, since nothing here can tell whether that host still runs.
 *
 * Elsewhere (macOS, for development) the lock file is the lock: created exclusively, and taken
 * over when the process it names no longer runs. That takeover is a best effort: two processes
 * starting at the same instant next to a dead holder's file could both take it.
 */

export class DataDirLockedError extends Error {
  override name = "DataDirLockedError";
}

interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
}

const LOCK_FILE = "gatehouse.lock";

/** Directories this process holds: its own pid in a lock file means nothing otherwise. */
const heldHere = new Set<string>();

export async function acquireDataDirLock(dataDir: string): Promise<() => void> {
  ensurePrivateDirectory(dataDir);
  const dir = realpathSync(dataDir);
  if (heldHere.has(dir)) throw lockedBy(dataDir, readHolder(join(dir, LOCK_FILE)));
  const release =
    process.platform === "linux" ? await acquireKernelLock(dir, dataDir) : acquireFileLock(dir, dataDir);
  heldHere.add(dir);
  return () => {
    heldHere.delete(dir);
    release();
  };
}

function me(): LockHolder {
  return { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
}

async function acquireKernelLock(dir: string, dataDir: string): Promise<() => void> {
  const name = `\0gatehouse-pglite-${createHash("sha256").update(dir).digest("hex").slice(0, 40)}`;
  const server: Server = createServer((socket) => socket.destroy());
  server.listen({ path: name });
  try {
    await Promise.race([
      once(server, "listening"),
      once(server, "error").then(([error]) => Promise.reject(error)),
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw lockedBy(dataDir, readHolder(join(dir, LOCK_FILE)));
    throw error;
  }
  server.unref();
  const path = join(dir, LOCK_FILE);
  const previous = readHolder(path);
  if (previous && previous.host !== hostname()) {
    // Another host (or container) sharing the directory: its kernel lock is out of our sight.
    server.close();
    throw lockedBy(dataDir, previous, path);
  }
  // On this host the file's process no longer holds the lock, whatever pid it names.
  writeFileSync(path, JSON.stringify(me()));
  return () => {
    server.close();
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to name.
    }
  };
}

function acquireFileLock(dir: string, dataDir: string): () => void {
  const path = join(dir, LOCK_FILE);
  const holder = me();
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify(holder));
      closeSync(fd);
      return () => {
        if (readHolder(path)?.pid === holder.pid) unlinkSync(path);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const current = readHolder(path);
    // Our own pid is not us (this process holds nothing here): a restarted container's pid 1.
    const gone =
      current && current.host === holder.host && (current.pid === holder.pid || !isRunning(current.pid));
    if (current && !gone) throw lockedBy(dataDir, current);
    try {
      unlinkSync(path);
    } catch {
      // Someone else removed it first; try again.
    }
  }
  throw new DataDirLockedError(`Could not take the lock on ${path}; another process keeps taking it.`);
}

function lockedBy(
  dataDir: string,
  holder: LockHolder | undefined,
  otherHostFile?: string,
): DataDirLockedError {
  const who = holder
    ? `process ${holder.pid} on ${holder.host} (since ${holder.startedAt})`
    : "another process";
  const gone = otherHostFile ? ` If ${holder?.host} is gone for good, delete ${otherHostFile}.` : "";
  return new DataDirLockedError(
    `The embedded database in ${dataDir} is in use by ${who}. Only one process may use it: stop ` +
      `that process, use another DATA_DIR, or set DATABASE_URL to share a Postgres server between replicas.${gone}`,
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockHolder;
  } catch {
    return undefined;
  }
}
