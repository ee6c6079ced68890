import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { api } from "../support/api.ts";
import { freePort, startServiceProcess, waitUntilReady } from "../support/process.ts";
import { ADMIN_TOKEN, type Harness, startHarness, writeRulesFile } from "../support/service.ts";

const rulesFor = (term: string) =>
  `default_action: approve\nrules:\n  - id: words\n    action: reject\n    when:\n      text_has_any: [${term}]\n`;

interface VersionSummary {
  version: string;
  source: string;
  activations: number;
}
interface VersionDetail {
  version: string;
  content: string;
  lists: Record<string, string>;
  activations: Array<{ trigger: string; replica: string }>;
  diff?: { from: string; to: string; unified: string };
}

async function versions(h: Harness): Promise<VersionSummary[]> {
  await h.service.ruleHistory.settled();
  const answer = await api<{ items: VersionSummary[] }>(h.service, "GET", "/api/rules/versions");
  expect(answer.status).toBe(200);
  return answer.body.items;
}

async function version(h: Harness, v: string, query = ""): Promise<VersionDetail> {
  await h.service.ruleHistory.settled();
  const answer = await api<VersionDetail>(h.service, "GET", `/api/rules/versions/${v}${query}`);
  expect(answer.status).toBe(200);
  return answer.body;
}

/** Polls (generous overall limit) until `check` passes: the file watcher reloads on its own. */
async function eventually<T>(
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("rules history", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("records the rules in force at start, with their full content", async () => {
    h = await startHarness({ rulesYaml: rulesFor("alpha"), startWorkers: false });
    const [only, ...rest] = await versions(h);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ version: h.service.rules.current.version, activations: 1 });
    const detail = await version(h, only!.version);
    expect(detail.content).toBe(rulesFor("alpha"));
    expect(detail.activations).toEqual([
      expect.objectContaining({ trigger: "start", replica: h.service.instanceId }),
    ]);
  });

  it("a reload by SIGHUP records a new version; the same content again is the same version", async () => {
    h = await startHarness({ rulesYaml: rulesFor("alpha"), startWorkers: false });
    const file = h.service.rules.file!;
    const first = h.service.rules.current.version;

    expect(h.service.rules.reload("sighup")).toMatchObject({ ok: true, changed: false });
    writeFileSync(file, rulesFor("beta"));
    expect(h.service.rules.reload("sighup")).toMatchObject({ ok: true, changed: true });
    const second = h.service.rules.current.version;
    writeFileSync(file, rulesFor("alpha"));
    expect(h.service.rules.reload("sighup")).toMatchObject({ ok: true, changed: true, version: first });

    const items = await versions(h);
    expect(items.map((item) => item.version).sort()).toEqual([first, second].sort());
    // Most recently activated first: alpha came back last.
    expect(items[0]).toMatchObject({ version: first, activations: 2 });
    expect((await version(h, first)).activations.map((a) => a.trigger)).toEqual(["start", "sighup"]);
    expect((await version(h, second)).activations.map((a) => a.trigger)).toEqual(["sighup"]);
  });

  it("a change to the rules file records a version made by the file watcher", async () => {
    h = await startHarness({ rulesYaml: rulesFor("alpha") });
    writeFileSync(h.service.rules.file!, rulesFor("gamma"));
    const harness = h;
    const items = await eventually(
      () => versions(harness),
      (found) => found.length === 2,
      "the file watcher's reload to be recorded",
    );
    const current = items[0]!.version;
    expect(current).toBe(h.service.rules.current.version);
    const detail = await version(h, current);
    expect(detail.content).toBe(rulesFor("gamma"));
    expect(detail.activations.map((a) => a.trigger)).toEqual(["file_change"]);
  });

  it("a term list file is part of the version, kept and diffed with it", async () => {
    const rulesFile = writeRulesFile(
      "rules:\n  - id: listed\n    action: review\n    when:\n      text_has_any_file: terms.txt\n",
    );
    const listFile = join(dirname(rulesFile), "terms.txt");
    writeFileSync(listFile, "alpha\n");
    h = await startHarness({ env: { RULES_FILE: rulesFile }, startWorkers: false });
    const before = h.service.rules.current.version;
    writeFileSync(listFile, "alpha\nbeta\n");
    expect(h.service.rules.reload("sighup")).toMatchObject({ ok: true, changed: true });
    const after = h.service.rules.current.version;

    const detail = await version(h, after, `?diff=${before}`);
    expect(detail.lists).toEqual({ "terms.txt": "alpha\nbeta\n" });
    expect(detail.diff?.from).toBe(before);
    expect(detail.diff?.unified).toMatch(/^\+beta$/m);
    expect(detail.diff?.unified).not.toMatch(/^[-+]rules:/m);
  });

  it("shows the rules of a past decision and diffs two versions", async () => {
    h = await startHarness({ rulesYaml: rulesFor("alpha"), startWorkers: false });
    const payload = h.pending({ message: { text: "alpha" } });
    expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);
    writeFileSync(h.service.rules.file!, rulesFor("beta"));
    h.service.rules.reload("sighup");

    const record = await api<{ decisions: Array<{ ruleset_version: string }> }>(
      h.service,
      "GET",
      `/api/messages/${payload.message.id}`,
    );
    const decidedBy = record.body.decisions[0]!.ruleset_version;
    expect(decidedBy).not.toBe(h.service.rules.current.version);
    expect((await version(h, decidedBy)).content).toContain("text_has_any: [alpha]");

    await h.service.ruleHistory.settled();
    const diffed = await version(h, h.service.rules.current.version, `?diff=${decidedBy}`);
    expect(diffed.diff).toMatchObject({ from: decidedBy, to: h.service.rules.current.version });
    expect(diffed.diff!.unified).toMatch(/^- {6}text_has_any: \[alpha\]$/m);
    expect(diffed.diff!.unified).toMatch(/^\+ {6}text_has_any: \[beta\]$/m);
  });

  it("an unknown version is a 404 that says where the known ones are", async () => {
    h = await startHarness({ rulesYaml: rulesFor("alpha"), startWorkers: false });
    await h.service.ruleHistory.settled();
    const missing = await api(h.service, "GET", "/api/rules/versions/0000000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: "rules_version_not_found" });
    expect(String(missing.body.detail)).toContain("GET /api/rules/versions");
    const badDiff = await api(
      h.service,
      "GET",
      `/api/rules/versions/${h.service.rules.current.version}?diff=ffffffffffffffff`,
    );
    expect(badDiff.status).toBe(404);
    expect(String(badDiff.body.detail)).toContain("(diff)");
  });
});

describe("rules history of a running process", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("SIGHUP to the process reloads the rules and records the activation as sighup", async () => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-sighup-"));
    // The rules file is a link to a file elsewhere, as a mounted config map is: editing the target
    // is invisible to the watcher on the link's directory, so only SIGHUP can load it.
    const targetDir = join(dir, "mounted");
    const linkDir = join(dir, "config");
    for (const sub of [targetDir, linkDir]) rmSync(sub, { recursive: true, force: true });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(targetDir);
    mkdirSync(linkDir);
    writeFileSync(join(targetDir, "rules.yaml"), rulesFor("alpha"));
    symlinkSync(join(targetDir, "rules.yaml"), join(linkDir, "rules.yaml"));

    const service = startServiceProcess(
      {
        DATA_DIR: join(dir, "data"),
        RULES_FILE: join(linkDir, "rules.yaml"),
        ADMIN_TOKEN,
        NODE_ENV: "development",
      },
      await freePort(),
    );
    try {
      // Generous: a start loads the term data, slow on a machine shared with other test runs.
      await waitUntilReady(service, 150_000);
      const list = async () => {
        const response = await fetch(`${service.url}/api/rules/versions`, {
          headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        return ((await response.json()) as { items: VersionSummary[] }).items;
      };
      await eventually(list, (items) => items.length === 1, "the start to be recorded");

      writeFileSync(join(targetDir, "rules.yaml"), rulesFor("delta"));
      service.child.kill("SIGHUP");
      const items = await eventually(list, (found) => found.length === 2, "the SIGHUP reload to be recorded");
      const detail = (await (
        await fetch(`${service.url}/api/rules/versions/${items[0]!.version}`, {
          headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      ).json()) as VersionDetail;
      expect(detail.content).toBe(rulesFor("delta"));
      expect(detail.activations.map((a) => a.trigger)).toEqual(["sighup"]);
    } finally {
      service.child.kill("SIGTERM");
      await service.exited;
    }
  }, 240_000);
});
