import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { acquireDataDirLock, DataDirLockedError } from "../../src/db/pglite-lock.ts";
import { projectRoot } from "../support/process.ts";

const newDataDir = () => mkdtempSync(join(tmpdir(), "gatehouse-lock-"));
const lockFile = (dir: string) => join(dir, "gatehouse.lock");
const writeHolder = (dir: string, holder: { pid: number; host: string }) =>
  writeFileSync(lockFile(dir), JSON.stringify({ ...holder, startedAt: "2026-01-01T00:00:00.000Z" }));

interface Holder {
  child: ChildProcess;
  /** The first line it printed: "acquired" or "refused: ...". */
  said: Promise<string>;
  exited: Promise<unknown>;
}

function holdDataDir(dir: string): Holder {
  const child = spawn(process.execPath, ["--import", "tsx", "test/core/scripts/hold-data-dir.ts", dir], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const said = new Promise<string>((resolve) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    child.on("exit", () => resolve(out.split("\n")[0] ?? ""));
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  return { child, said, exited };
}

describe("the embedded database's lock", () => {
  const running: Holder[] = [];
  afterEach(async () => {
    for (const holder of running.splice(0)) {
      holder.child.kill("SIGKILL");
      await holder.exited;
    }
  });
  const start = (dir: string) => {
    const holder = holdDataDir(dir);
    running.push(holder);
    return holder;
  };

  it("a lock file naming this very process (pid 1 again after a container restart) is stale", async () => {
    const dir = newDataDir();
    writeHolder(dir, { pid: process.pid, host: hostname() });
    const release = await acquireDataDirLock(dir);
    // Held now, by this process: a second open in the same process is refused.
    await expect(acquireDataDirLock(dir)).rejects.toThrow(DataDirLockedError);
    release();
    (await acquireDataDirLock(dir))();
  });

  it("of processes starting together next to a dead holder's lock file, exactly one gets it", async () => {
    const dir = newDataDir();
    writeHolder(dir, { pid: 2 ** 22 + 12345, host: hostname() }); // beyond pid_max: not running
    const contenders = Array.from({ length: 5 }, () => start(dir));
    const said = await Promise.all(contenders.map((c) => c.said));
    expect(said.filter((line) => line === "acquired")).toHaveLength(1);
    const winner = contenders[said.indexOf("acquired")]!;
    for (const line of said.filter((l) => l !== "acquired"))
      expect(line).toContain(`in use by process ${winner.child.pid}`);
    expect(JSON.parse(readFileSync(lockFile(dir), "utf8"))).toMatchObject({ pid: winner.child.pid });

    // kill -9: the kernel lets the lock go with the process; the next start takes it.
    winner.child.kill("SIGKILL");
    await winner.exited;
    expect(await start(dir).said).toBe("acquired");
  });

  it("a lock file left by another host is not taken over: the refusal says which file to delete", async () => {
    const dir = newDataDir();
    writeHolder(dir, { pid: 1, host: "some-other-container" });
    const error = await acquireDataDirLock(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toContain("process 1 on some-other-container");
    expect((error as Error).message).toContain(`delete ${lockFile(dir)}`);
  });
});
