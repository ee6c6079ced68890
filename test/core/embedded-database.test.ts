import { chmodSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openPglite } from "../../src/db/client.ts";
import { sandboxCredentials } from "../../src/sandbox/credentials.ts";
import { PATIENCE_MS } from "../support/patience.ts";
import {
  freePort,
  type ServiceProcess,
  sandboxCredentialsIn,
  sendSandboxHook,
  startServiceProcess,
  waitUntilReady,
} from "../support/process.ts";
import { pendingMessagePayload } from "../support/sign.ts";

// Sandbox mode with the embedded database, as a new user runs it: no DATABASE_URL, no Stream keys.
// Each test starts real processes, each start up to waitUntilReady's limit on a busy machine.
describe("embedded PGlite database, real processes", { timeout: 400_000 }, () => {
  const running: ServiceProcess[] = [];
  afterEach(async () => {
    for (const service of running.splice(0)) {
      service.child.kill("SIGKILL");
      await service.exited;
    }
  });
  const start = async (dataDir: string) => {
    const service = startServiceProcess({ DATA_DIR: dataDir }, await freePort());
    running.push(service);
    return service;
  };

  it("a second process on the same DATA_DIR refuses to start and names the lock holder", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-data-"));
    const first = await start(dataDir);
    await waitUntilReady(first);
    const second = await start(dataDir);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`in use by process ${first.child.pid}`);
    expect(second.output()).toMatch(/DATABASE_URL/);
    // The first one is unharmed.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
  });

  it("records survive a restart, and a lock left by kill -9 is taken over", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-data-"));
    const first = await start(dataDir);
    await waitUntilReady(first);
    const credentials = sandboxCredentialsIn(dataDir);

    const payload = pendingMessagePayload({ message: { text: "survive me" } });
    const response = await sendSandboxHook(first.url, credentials, payload);
    expect(response.status).toBe(200);
    const readRecord = async (service: ServiceProcess) =>
      (await fetch(`${service.url}/api/messages/${payload.message.id}`, {
        headers: { Authorization: `Bearer ${credentials.adminToken}` },
      }).then((r) => r.json())) as { status: string; decisions: unknown[] };
    const until = Date.now() + PATIENCE_MS;
    while ((await readRecord(first)).status !== "committed" && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await readRecord(first)).status).toBe("committed");

    first.child.kill("SIGKILL");
    await first.exited;
    const second = await start(dataDir);
    await waitUntilReady(second);
    const record = await readRecord(second);
    expect(record.status).toBe("committed");
    expect(record.decisions).toHaveLength(1);
  });
});

// PGlite writes its files world-writable (0666 whatever the umask): only the directory keeps
// other users of the machine out.
describe("DATA_DIR is private to the service's user", { timeout: 200_000 }, () => {
  const modeOf = (path: string) => statSync(path).mode & 0o777;

  it("is created 0700 by the embedded database", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "gatehouse-perm-")), "nested", "data");
    const database = await openPglite(dataDir);
    await database.close();
    expect(modeOf(dataDir)).toBe(0o700);
  });

  it("is made 0700 again at start when it was loosened", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-perm-"));
    chmodSync(dataDir, 0o777);
    const database = await openPglite(dataDir);
    await database.close();
    expect(modeOf(dataDir)).toBe(0o700);
  });

  it("holds the sandbox's dev credentials the same way (also with DATABASE_URL and SANDBOX=1)", () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "gatehouse-perm-")), "data");
    sandboxCredentials(dataDir);
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, "sandbox-credentials.json"))).toBe(0o600);
    const loose = mkdtempSync(join(tmpdir(), "gatehouse-perm-"));
    chmodSync(loose, 0o755);
    sandboxCredentials(loose);
    expect(modeOf(loose)).toBe(0o700);
  });
});
