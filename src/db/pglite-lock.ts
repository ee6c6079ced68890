import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ensurePrivateDirectory } from "./private-directory.ts";

/**
 * PGlite is a single-process database: two processes opening one data directory each keep their
 * own in-memory state and silently lose each other's acknowledged rows. This lock makes the
 * second process refuse to start instead, naming the holder. A lock left by a process that died
 * (kill -9) is taken over, because its pid no longer runs.
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

export function acquireDataDirLock(dataDir: string): () => void {
  ensurePrivateDirectory(dataDir);
  const path = join(dataDir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return () => {
        if (readHolder(path)?.pid === me.pid) unlinkSync(path);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(path);
    const sameHost = holder?.host === me.host;
    if (holder && (!sameHost || isRunning(holder.pid))) {
      throw new DataDirLockedError(
        `The embedded database in ${dataDir} is in use by process ${holder.pid} on ${holder.host} ` +
          `(since ${holder.startedAt}). Only one process may use it: stop that process, use another ` +
          "DATA_DIR, or set DATABASE_URL to share a Postgres server between replicas.",
      );
    }
    // The holder is gone (or the file is unreadable). Move it aside atomically so that of two
    // processes racing to take over, only one removes it.
    try {
      renameSync(path, `${path}.stale-${process.pid}`);
      unlinkSync(`${path}.stale-${process.pid}`);
    } catch {
      // Someone else took it over first; try again.
    }
  }
  throw new DataDirLockedError(`Could not take the lock on ${path}; another process keeps taking it.`);
}
