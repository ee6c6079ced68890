// Helpers shared by the sections of the rules benchmark (rules.bench.ts and the files it calls):
// the section switch, timing with turns and GC between configurations, tables, and the dump files.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { RuleSet } from "../../src/rules/index.ts";

export const SECTIONS = ["engines", "outside", "languages", "hostile"] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  /** Sections to run, in SECTIONS order. */
  sections: Section[];
  /** Directory for the cases engineers inspect (`--dump`), or undefined. */
  dumpDir: string | undefined;
}

const DEFAULT_DUMP_DIR = "/tmp/gatehouse-rules-bench";

/**
 * `--only=outside,languages` (or BENCH_RULES_ONLY=outside,languages) runs some sections alone;
 * the default is all of them. `--dump` (or `--dump=/some/dir`, or BENCH_RULES_DUMP=1|dir) writes
 * missed and wrongly flagged cases under /tmp.
 */
export function benchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const onlyArg = argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
  const only = onlyArg ?? env.BENCH_RULES_ONLY;
  let sections: Section[] = [...SECTIONS];
  if (only !== undefined && only.trim() !== "") {
    const wanted = only
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const unknown = wanted.filter((s) => !(SECTIONS as readonly string[]).includes(s));
    if (unknown.length > 0) {
      throw new Error(`unknown section(s) ${unknown.join(", ")}; expected some of ${SECTIONS.join(", ")}`);
    }
    sections = SECTIONS.filter((s) => wanted.includes(s));
  }
  const dumpArg = argv.find((a) => a === "--dump" || a.startsWith("--dump="));
  let dumpDir: string | undefined;
  if (dumpArg !== undefined)
    dumpDir = dumpArg === "--dump" ? DEFAULT_DUMP_DIR : dumpArg.slice("--dump=".length);
  else if (env.BENCH_RULES_DUMP !== undefined && env.BENCH_RULES_DUMP !== "" && env.BENCH_RULES_DUMP !== "0")
    dumpDir = env.BENCH_RULES_DUMP === "1" ? DEFAULT_DUMP_DIR : env.BENCH_RULES_DUMP;
  return { sections, dumpDir };
}

/** Writes `lines` to `dir/name` and answers the path. */
export function writeDump(dir: string, name: string, lines: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

export type Detector = (text: string) => boolean;

/** Evaluates `text` as a message's text with no metadata and no request info. */
export function evaluateText(rules: RuleSet, text: string) {
  return rules.evaluate({ message: { id: "m", text }, metadata: {}, requestInfo: null });
}

/** "Flagged": any decision but approve (review, reject, or on_error after a failed evaluation). */
export function flaggedBy(rules: RuleSet): Detector {
  return (text) => evaluateText(rules, text).action !== "approve";
}

export const WARM_UP_MS = 500;
export const MEASURE_MS = 500;
export const ROUNDS = 5;
const SETTLE_MS = 200;

/** A full GC between measurements, so one engine's garbage is not collected on the other's time. */
export const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  return () => gc?.();
})();

/** Messages per second over `budgetMs`, cycling through the corpus. */
export function timed(detect: Detector, corpus: readonly string[], budgetMs: number): number {
  let processed = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs || processed < 64) {
    for (let i = 0; i < 32; i++) detect(corpus[(processed + i) % corpus.length] as string);
    processed += 32;
    elapsed = performance.now() - started;
  }
  return (processed / elapsed) * 1000;
}

/**
 * Messages per second of each configuration: after a warm-up (JIT, lazily filled tables), the
 * configurations take turns for several rounds, and each keeps its best round. Taking turns exposes
 * all of them to the same load on a shared machine. `groups` run back to back within a round
 * (all Gatehouse sizes, then all of one obscenity setup...), each group after a full GC and a
 * short discarded run, so one engine's garbage and cache misses are not paid on another's time.
 * Slow configurations stop mid-corpus (every line is drawn the same way).
 */
export function throughputs(groups: readonly (readonly Detector[])[], corpus: readonly string[]): number[][] {
  for (const group of groups) for (const detect of group) timed(detect, corpus, WARM_UP_MS);
  const best = groups.map((group) => group.map(() => 0));
  for (let round = 0; round < ROUNDS; round++) {
    groups.forEach((group, g) => {
      collectGarbage();
      timed(group[0] as Detector, corpus, SETTLE_MS);
      group.forEach((detect, index) => {
        const row = best[g] as number[];
        row[index] = Math.max(row[index] as number, timed(detect, corpus, MEASURE_MS));
      });
    });
  }
  return best;
}

export function rate(detect: Detector, lines: readonly string[]): number {
  return lines.filter(detect).length / lines.length;
}

export const format = (n: number) => Math.round(n).toLocaleString("en-US");
export const percent = (n: number) => `${(n * 100).toFixed(1)}%`;
export const percent2 = (n: number) => `${(n * 100).toFixed(2)}%`;
export const verdict = (ok: boolean) => (ok ? "met" : "NOT MET");

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

export function heading(title: string): void {
  console.log(`\n=== ${title} ===\n`);
}
