import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  projectRoot,
  type ServiceProcess,
  sandboxCredentialsIn,
  sendSandboxHook,
  startServiceProcess,
  waitUntilReady,
} from "../support/process.ts";
import { pendingMessagePayload } from "../support/sign.ts";

// The production start: `npm run build`, then plain `node dist/main.js`, so that the pid a
// supervisor signals is the service itself. Built into a directory of its own at the project's
// root (where the build must sit to find migrations/ and node_modules).
const execFileAsync = promisify(execFile);

describe("the compiled build, run with plain node", () => {
  const buildDir = `.build-${process.pid}`;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    await execFileAsync(process.execPath, ["scripts/build.mjs", buildDir], { cwd: projectRoot });
  }, 300_000);
  afterAll(async () => {
    for (const service of running) {
      if (service.child.exitCode === null) service.child.kill("SIGKILL");
      await service.exited;
    }
    rmSync(join(projectRoot, buildDir), { recursive: true, force: true });
  });

  const startBuilt = async (env: Record<string, string>) => {
    const service = startServiceProcess({ LOG_LEVEL: "info", ...env }, await freePort(), [
      `${buildDir}/main.js`,
    ]);
    running.push(service);
    await waitUntilReady(service);
    return service;
  };

  it("finds its migrations and built-in rules, takes a hook, and stops on SIGTERM with exit 0", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-built-"));
    const service = await startBuilt({ DATA_DIR: dataDir });
    const credentials = sandboxCredentialsIn(dataDir);

    const rules = await fetch(`${service.url}/api/rules`, {
      headers: { Authorization: `Bearer ${credentials.adminToken}` },
    }).then((r) => r.json() as Promise<{ source: string }>);
    expect(rules.source).toBe("built-in");

    const payload = pendingMessagePayload({ message: { text: "hello from the build" } });
    const answer = await sendSandboxHook(service.url, credentials, payload);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ message_id: payload.message.id, status: "committing" });

    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
    expect(service.output()).toContain('"msg":"stopped"');
  }, 400_000);

  it("reloads the rules on SIGHUP sent to its own pid, and keeps serving", async () => {
    // The service watches the rules file's directory; a symlink to a file elsewhere keeps the
    // watcher blind to the edit, so only the SIGHUP can make it reload.
    const root = mkdtempSync(join(tmpdir(), "gatehouse-hup-"));
    mkdirSync(join(root, "real"));
    mkdirSync(join(root, "linked"));
    const real = join(root, "real", "rules.yaml");
    writeFileSync(real, "default_action: approve\n");
    symlinkSync(real, join(root, "linked", "rules.yaml"));
    const adminToken = "hup-test-admin-token-0123456789";
    const service = await startBuilt({
      DATA_DIR: join(root, "data"),
      RULES_FILE: join(root, "linked", "rules.yaml"),
      ADMIN_TOKEN: adminToken,
    });
    const version = async () =>
      (
        (await fetch(`${service.url}/api/rules`, { headers: { Authorization: `Bearer ${adminToken}` } }).then(
          (r) => r.json(),
        )) as { version: string }
      ).version;
    const before = await version();

    writeFileSync(real, "default_action: review\n");
    service.child.kill("SIGHUP");
    let after = before;
    for (const until = Date.now() + 60_000; after === before && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await version();
    }
    expect(after).not.toBe(before);
    expect(service.child.exitCode).toBeNull();
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);

    service.child.kill("SIGTERM");
    expect(await service.exited).toBe(0);
  }, 400_000);
});
