import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { RawQuery } from "./client.ts";

const SEGMENT = /^[0-9A-F]{24}$/;

/**
 * PGlite writes its files through Node's fs and never calls fsync: a committed transaction is in
 * the operating system's cache, which survives the process dying but not the machine losing
 * power. Postgres replays the WAL at start, so a commit is durable once the WAL segments holding
 * it are on disk: sync() fsyncs every segment written since the previous call, up to the current
 * insert position, and the pg_wal directory when a new segment appeared in it. Called after a
 * receipt's transaction commits and before its hook is answered (one call per receipt batch).
 */
export class WalSync {
  private synced: string | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly query: RawQuery,
  ) {}

  /** Answers the segment files it synced. */
  async sync(): Promise<string[]> {
    const [row] = await this.query<{ name: string }>(
      "select pg_walfile_name(pg_current_wal_insert_lsn()) as name",
      [],
    );
    const current = row!.name;
    const walDir = join(this.dataDir, "pg_wal");
    const since = this.synced;
    const segments = (await readdir(walDir))
      .filter((name) => SEGMENT.test(name) && name <= current && (since === undefined || name >= since))
      .sort();
    for (const name of segments) await fsync(join(walDir, name), "r+");
    if (since === undefined || current > since) await fsync(walDir, "r");
    if (since === undefined || current > since) this.synced = current;
    return segments;
  }
}

async function fsync(path: string, flags: "r" | "r+"): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
