// Rules engine benchmark: Gatehouse's text matcher against obscenity, on the same terms and the
// same corpus. Run with `npm run bench:rules` (node --import tsx test/bench/rules.bench.ts).
//
// Sections (all by default, each in a process of its own; `--only=engines,outside,languages,hostile`
// or BENCH_RULES_ONLY runs some alone, `--dump` writes missed and wrongly flagged cases under
// /tmp/gatehouse-rules-bench):
// - engines: messages/s for both engines at 100, ~400 (the full public list), 1,000 and 10,000
//   terms, the ratio, recall on an obfuscated set, false positives on an innocent set, and the
//   RSS of a process holding the 10,000-term rule set;
// - outside: the built-in rules against obscenity's English preset on rustrict's test lists
//   (outside-lists.ts), and both engines' throughput on this file's corpus;
// - languages: recall of the built-in rules on sentences built around LDNOOBW's lists for ten
//   languages, written the way each language writes, and innocent sentences (language-sentences.ts);
// - hostile: evaluation time of pathological 20,000-character messages (hostile-texts.ts), and
//   hooks carrying them sent to a running service while GET /healthz is asked (hostile-service.ts).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { DataSet, englishRecommendedTransformers, parseRawPattern, RegExpMatcher } from "obscenity";
import { parseRuleSet } from "../../src/rules/index.ts";
import type { RuleSet } from "../../src/rules/types.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { chatLine, FOREIGN_SENTENCES, INNOCENT_WORDS, OBFUSCATIONS, pick, syntheticTerms } from "./corpus.ts";
import { runHostileService } from "./hostile-service.ts";
import { runHostileTexts } from "./hostile-texts.ts";
import { runLanguageSentences } from "./language-sentences.ts";
import { runOutsideLists } from "./outside-lists.ts";
import {
  benchOptions,
  collectGarbage,
  type Detector,
  format,
  heading,
  percent,
  printTable,
  ROUNDS,
  rate,
  throughputs,
  verdict,
} from "./rules-bench-support.ts";

// LDNOOBW's English list, as the `naughty-words` package ships it (the built-in rules' source).
const PUBLIC_TERMS = (createRequire(import.meta.url)("naughty-words/en.json") as string[])
  .map((line) => line.trim())
  .filter((line) => line.length > 0);
const SIZES = [100, PUBLIC_TERMS.length, 1000, 10_000];
const CORPUS_LINES = 20_000;

/** The first `count` terms: the public list (sampled when smaller), then synthetic terms. */
function termList(count: number): string[] {
  if (count <= PUBLIC_TERMS.length) {
    const random = seededRandom(7);
    const shuffled = [...PUBLIC_TERMS].sort(() => random() - 0.5);
    // The words the corpus uses as its profanity are always in the list, at every size.
    const kept = new Set([...CORE_TERMS, ...shuffled.slice(0, count)]);
    return [...kept].slice(0, Math.max(count, CORE_TERMS.length));
  }
  return [...PUBLIC_TERMS, ...syntheticTerms(count - PUBLIC_TERMS.length, 11, new Set(PUBLIC_TERMS))];
}

// Single words of the public list, used to salt the corpus and to build the obfuscated set.
const CORE_TERMS = PUBLIC_TERMS.filter((t) => /^[a-z]{4,}$/.test(t))
  .filter((_, i) => i % 4 === 0)
  .slice(0, 40);

function gatehouse(terms: string[]): RuleSet {
  const yaml = "rules:\n  - id: terms\n    action: reject\n    when:\n      text_has_any_file: terms.txt\n";
  return parseRuleSet(yaml, "bench.yaml", { readFile: () => terms.join("\n") });
}

function escapeForObscenity(term: string): string {
  return term.replace(/[[\]?|\\]/g, (c) => `\\${c}`);
}

/**
 * Obscenity at its strongest: the English preset's transformers (confusables, leetspeak,
 * duplicate collapsing, skipping non-alphabetic characters), our terms through its DataSet and
 * pattern API. `wholeWord` wraps each pattern in `|...|` (word boundaries, the same semantics as
 * Gatehouse); without it, patterns match inside words as most of its English preset does.
 */
function obscenity(terms: string[], wholeWord: boolean): RegExpMatcher {
  const dataset = new DataSet<{ originalWord: string }>();
  for (const term of terms) {
    const source = escapeForObscenity(term.toLowerCase());
    dataset.addPhrase((phrase) =>
      phrase
        .setMetadata({ originalWord: term })
        .addPattern(parseRawPattern(wholeWord ? `|${source}|` : source)),
    );
  }
  return new RegExpMatcher({ ...dataset.build(), ...englishRecommendedTransformers });
}

function buildCorpus(): string[] {
  const random = seededRandom(42);
  const lines: string[] = [];
  const obfuscations = Object.values(OBFUSCATIONS);
  for (let i = 0; i < CORPUS_LINES; i++) {
    const roll = random();
    if (roll < 0.04) lines.push(chatLine(random, pick(random, CORE_TERMS)));
    else if (roll < 0.06)
      lines.push(chatLine(random, pick(random, obfuscations)(pick(random, CORE_TERMS), random)));
    else lines.push(chatLine(random));
  }
  return lines;
}

function buildObfuscatedSet(): Array<{ kind: string; line: string }> {
  const random = seededRandom(99);
  const out: Array<{ kind: string; line: string }> = [];
  for (const term of CORE_TERMS) {
    for (const [kind, obfuscate] of Object.entries(OBFUSCATIONS)) {
      out.push({ kind, line: chatLine(random, obfuscate(term, random)) });
    }
  }
  return out;
}

function buildInnocentSet(): string[] {
  const random = seededRandom(123);
  const lines = INNOCENT_WORDS.map((word) => chatLine(random, word));
  lines.push(...INNOCENT_WORDS, ...FOREIGN_SENTENCES);
  for (let i = 0; i < 2000; i++) lines.push(chatLine(random));
  return lines;
}

function gatehouseDetector(rules: RuleSet): Detector {
  return (text) =>
    rules.evaluate({ message: { id: "m", text }, metadata: {}, requestInfo: null }).action === "reject";
}

function measureRss(): void {
  const rules = gatehouse(termList(10_000));
  const detect = gatehouseDetector(rules);
  for (const line of buildCorpus()) detect(line);
  collectGarbage();
  process.stdout.write(String(process.memoryUsage().rss));
}

interface Engines {
  size: number;
  ours: Detector;
  word: Detector;
  substring: Detector;
}

function runEngines(corpus: readonly string[]): void {
  const obfuscated = buildObfuscatedSet();
  const obfuscatedLines = obfuscated.map((o) => o.line);
  const innocent = buildInnocentSet();
  console.log(
    `corpus: ${corpus.length} synthetic chat lines; obfuscated set: ${obfuscated.length} lines; innocent set: ${innocent.length} lines`,
  );
  console.log("gatehouse: full normalization, evaluate() of a one-rule set (decision with spans)");
  console.log("obscenity: RegExpMatcher.hasMatch with englishRecommendedTransformers, same terms");
  console.log(`throughput: configurations take turns, best of ${ROUNDS} rounds each\n`);

  const engines: Engines[] = SIZES.map((size) => {
    const terms = termList(size);
    const theirsWord = obscenity(terms, true);
    const theirsSub = obscenity(terms, false);
    return {
      size: terms.length,
      ours: gatehouseDetector(gatehouse(terms)),
      word: (t) => theirsWord.hasMatch(t),
      substring: (t) => theirsSub.hasMatch(t),
    };
  });

  // Quality at the public list's size.
  const publicList = engines.find((e) => e.size === PUBLIC_TERMS.length) as Engines;
  const perKind = Object.keys(OBFUSCATIONS).map((kind) => {
    const lines = obfuscated.filter((o) => o.kind === kind).map((o) => o.line);
    return [
      kind,
      ...[publicList.ours, publicList.word, publicList.substring].map((d) => percent(rate(d, lines))),
    ];
  });
  printTable(["obfuscation", "gatehouse", "obscenity whole-word", "obscenity substring"], perKind);
  console.log();
  const recall = [publicList.ours, publicList.word, publicList.substring].map((d) =>
    rate(d, obfuscatedLines),
  );
  const falsePositives = [publicList.ours, publicList.word, publicList.substring].map((d) =>
    rate(d, innocent),
  );

  // Throughput: every configuration in the same rounds, so machine load hits them alike.
  const [oursRates, wordRates, substringRates] = throughputs(
    [engines.map((e) => e.ours), engines.map((e) => e.word), engines.map((e) => e.substring)],
    corpus,
  ) as [number[], number[], number[]];
  const rows: string[][] = [];
  const perMessageUs = new Map<number, number>();
  const ratios = new Map<number, { word: number; substring: number }>();
  engines.forEach((e, index) => {
    const ours = oursRates[index] as number;
    const word = wordRates[index] as number;
    const substring = substringRates[index] as number;
    perMessageUs.set(e.size, 1e6 / ours);
    ratios.set(e.size, { word: ours / word, substring: ours / substring });
    rows.push([
      String(e.size),
      format(ours),
      format(word),
      format(substring),
      `${(ours / word).toFixed(1)}x`,
      `${(ours / substring).toFixed(1)}x`,
    ]);
  });
  printTable(
    [
      "terms",
      "gatehouse msg/s",
      "obscenity whole-word msg/s",
      "obscenity substring msg/s",
      "ratio vs whole-word",
      "ratio vs substring",
    ],
    rows,
  );
  console.log();
  printTable(
    ["engine (~400 terms)", "recall (obfuscated)", "false positives (innocent)"],
    ["gatehouse", "obscenity whole-word", "obscenity substring"].map((name, i) => [
      name,
      percent(recall[i] as number),
      percent(falsePositives[i] as number),
    ]),
  );

  const smallest = perMessageUs.get(engines[0]?.size as number) as number;
  const largest = perMessageUs.get(engines.at(-1)?.size as number) as number;
  console.log(
    `\ngatehouse cost per message: ${smallest.toFixed(2)} µs at ${engines[0]?.size} terms, ${largest.toFixed(2)} µs at ${engines.at(-1)?.size} terms (${(largest / smallest).toFixed(2)}x)`,
  );

  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--rss"], {
    encoding: "utf8",
  });
  const rssMb = Number(child.stdout.trim()) / 1048576;
  console.log(
    Number.isFinite(rssMb) && rssMb > 0
      ? `RSS of a process holding the 10,000-term rule set after scanning the corpus: ${rssMb.toFixed(0)} MB`
      : `RSS measurement failed: ${child.stderr}`,
  );

  const atPublicList = ratios.get(PUBLIC_TERMS.length) as { word: number; substring: number };
  const slowest = Math.min(atPublicList.word, atPublicList.substring);
  const theirBestRecall = Math.max(recall[1] as number, recall[2] as number);
  const theirFewestFalse = Math.min(falsePositives[1] as number, falsePositives[2] as number);
  console.log("\ntargets");
  console.log(
    `  >= 25x obscenity at ${PUBLIC_TERMS.length} terms: ${slowest.toFixed(1)}x (against its faster configuration): ${verdict(slowest >= 25)}`,
  );
  console.log(
    `  cost at 10,000 terms <= 1.5x cost at 100: ${(largest / smallest).toFixed(2)}x: ${verdict(largest / smallest <= 1.5)}`,
  );
  console.log(
    `  recall higher than obscenity's best: ${percent(recall[0] as number)} vs ${percent(theirBestRecall)}: ${verdict((recall[0] as number) > theirBestRecall)}`,
  );
  console.log(
    `  false positives lower than obscenity's best: ${percent(falsePositives[0] as number)} vs ${percent(theirFewestFalse)}: ${verdict((falsePositives[0] as number) < theirFewestFalse)}`,
  );
  console.log(`  RSS < 200 MB with 10,000 terms: ${rssMb.toFixed(0)} MB: ${verdict(rssMb < 200)}`);
}

async function main(): Promise<void> {
  const options = benchOptions(process.argv.slice(2), process.env);
  console.log(`sections: ${options.sections.join(", ")}`);
  if (options.sections.length > 1) {
    runSectionsApart(options.sections);
    return;
  }
  // The synthetic chat corpus: the engines section's throughput, the outside section's throughput
  // comparison and the hostile section's "typical message" all use it.
  const corpus = buildCorpus();
  if (options.sections.includes("engines")) {
    heading("engines: Gatehouse's matcher against obscenity, same terms");
    runEngines(corpus);
  }
  if (options.sections.includes("outside")) {
    heading("outside: rustrict's test lists, built-in rules against obscenity's English preset");
    runOutsideLists({ corpus, dumpDir: options.dumpDir });
  }
  if (options.sections.includes("languages")) {
    heading("languages: LDNOOBW's lists in sentences written the way each language writes");
    runLanguageSentences({ dumpDir: options.dumpDir });
  }
  if (options.sections.includes("hostile")) {
    heading("hostile: pathological 20,000-character messages");
    runHostileTexts({ corpus });
    await runHostileService();
  }
}

/**
 * Runs each section in a process of its own, one after the other: what one section leaves
 * behind (V8's optimized code shaped by other inputs, filled caches, garbage) does not weigh on
 * another's timings, so a section measures the same alone or with the others.
 */
function runSectionsApart(sections: readonly string[]): void {
  const passOn = process.argv.slice(2).filter((arg) => !arg.startsWith("--only="));
  for (const section of sections) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), ...passOn, `--only=${section}`],
      {
        stdio: ["ignore", "pipe", "inherit"],
        encoding: "utf8",
        env: { ...process.env, BENCH_RULES_ONLY: "" },
      },
    );
    // The child prints its own "sections:" line first.
    process.stdout.write(child.stdout.split("\n").slice(1).join("\n"));
    if (child.status !== 0) {
      console.error(`section ${section} failed (exit ${child.status ?? child.signal})`);
      process.exitCode = 1;
    }
  }
}

if (process.argv.includes("--rss")) measureRss();
else await main();
