import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RulesLoadError } from "../../src/rules/index.ts";
import { LiveRuleSet, type ReloadResult, type RulesLogger } from "../../src/rules/live-rules.ts";
import { input } from "./helpers.ts";

const rulesFor = (term: string) =>
  `rules:\n  - id: r\n    action: reject\n    when:\n      text_has_any: [${term}]\n`;

function recordingLogger() {
  const entries: Array<{ level: string; obj: object; msg: string | undefined }> = [];
  const logger: RulesLogger = {
    info: (obj, msg) => entries.push({ level: "info", obj, msg }),
    warn: (obj, msg) => entries.push({ level: "warn", obj, msg }),
    error: (obj, msg) => entries.push({ level: "error", obj, msg }),
  };
  return { logger, entries };
}

describe("LiveRuleSet", () => {
  let dir: string;
  let file: string;
  let live: LiveRuleSet | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-rules-"));
    file = join(dir, "rules.yaml");
    writeFileSync(file, rulesFor("alpha"));
  });

  afterEach(() => {
    live?.close();
    live = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("uses the built-in rules without a file", () => {
    live = new LiveRuleSet(undefined);
    expect(live.current.source).toBe("built-in");
    expect(live.reload()).toEqual({ ok: true, changed: false, version: live.current.version });
  });

  it("refuses to start on a bad file", () => {
    writeFileSync(file, "rules: [");
    expect(() => new LiveRuleSet(file)).toThrow(RulesLoadError);
  });

  it("reloads a changed file", () => {
    live = new LiveRuleSet(file);
    const before = live.current.version;
    writeFileSync(file, rulesFor("beta"));
    const result = live.reload();
    expect(result).toEqual({ ok: true, changed: true, version: live.current.version });
    expect(live.current.version).not.toBe(before);
    expect(live.current.evaluate(input({ text: "beta" })).action).toBe("reject");
    expect(live.current.evaluate(input({ text: "alpha" })).action).toBe("approve");
  });

  it("warms up the rules in force when asked, and the rules a reload brings before they serve", () => {
    live = new LiveRuleSet(file);
    expect(live.current.isWarm).toBe(false);
    live.warmUp();
    expect(live.current.isWarm).toBe(true);
    writeFileSync(file, rulesFor("beta"));
    expect(live.reload().ok).toBe(true);
    expect(live.current.isWarm).toBe(true);
    expect(live.current.evaluate(input({ text: "beta" })).action).toBe("reject");
  });

  it("keeps the previous rules when a reload fails, and says why", () => {
    const { logger, entries } = recordingLogger();
    live = new LiveRuleSet(file, logger);
    const good = live.current;
    writeFileSync(file, "rules:\n  - id: r\n    action: obliterate\n    when: {text_has_any: [x]}\n");
    const result = live.reload();
    expect(result.ok).toBe(false);
    expect(live.current).toBe(good);
    expect(live.current.evaluate(input({ text: "alpha" })).action).toBe("reject");
    expect(live.lastError).toMatch(
      /rules\.yaml:3: rule "r": field "action": expected one of approve \| reject \| review/,
    );
    const logged = entries.find((e) => e.level === "error");
    expect(logged?.msg).toBe("rules reload failed; keeping the previous rules");
    expect(logged?.obj).toMatchObject({ rules_version: good.version });

    // A later good reload clears the error.
    writeFileSync(file, rulesFor("gamma"));
    expect(live.reload().ok).toBe(true);
    expect(live.lastError).toBeNull();
  });

  it("keeps the previous rules when the file disappears", () => {
    live = new LiveRuleSet(file);
    const good = live.current;
    rmSync(file);
    expect(live.reload()).toMatchObject({ ok: false, error: expect.stringMatching(/ENOENT/) });
    expect(live.current).toBe(good);
  });

  it("reloads when the file changes on disk", async () => {
    live = new LiveRuleSet(file);
    const results: ReloadResult[] = [];
    const reloaded = new Promise<void>((resolve) => {
      live?.watchFile((result) => {
        results.push(result);
        if (result.ok && result.changed) resolve();
      });
    });
    // Editors replace files: write a sibling and rename over the original.
    const temporary = join(dir, "rules.yaml.tmp");
    writeFileSync(temporary, rulesFor("delta"));
    const { renameSync } = await import("node:fs");
    renameSync(temporary, file);
    await reloaded;
    expect(live.current.evaluate(input({ text: "delta" })).action).toBe("reject");
  }, 10_000);

  it("reloads when a term list file changes", async () => {
    const list = join(dir, "terms.txt");
    writeFileSync(list, "epsilon\n");
    writeFileSync(
      file,
      "rules:\n  - id: r\n    action: reject\n    when:\n      text_has_any_file: terms.txt\n",
    );
    live = new LiveRuleSet(file);
    expect(live.current.listFiles).toEqual([list]);
    const before = live.current.version;
    const reloaded = new Promise<void>((resolve) => {
      live?.watchFile((result) => {
        if (result.ok && result.changed) resolve();
      });
    });
    writeFileSync(list, "zeta\n");
    await reloaded;
    expect(live.current.version).not.toBe(before);
    expect(live.current.evaluate(input({ text: "zeta" })).action).toBe("reject");
    expect(live.current.evaluate(input({ text: "epsilon" })).action).toBe("approve");
  }, 10_000);
});
