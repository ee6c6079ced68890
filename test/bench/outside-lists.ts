// "outside" section of the rules benchmark: lists Gatehouse's authors did not write. rustrict's
// test files (../shared/data/rustrict/ from the repository root, read where they lie) judged by
// the built-in rules and by obscenity's English preset side by side, and both engines' throughput
// on the benchmark's synthetic chat corpus, obscenity being the baseline of the ratio.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from "obscenity";
import { builtInRuleSet } from "../../src/rules/index.ts";
import {
  type Detector,
  evaluateText,
  format,
  percent,
  percent2,
  printTable,
  ROUNDS,
  throughputs,
  verdict,
  writeDump,
} from "./rules-bench-support.ts";

/** The shared data directory: `../shared/data/` relative to the repository root. */
export const SHARED_DATA_DIR = fileURLToPath(new URL("../../../shared/data/", import.meta.url));
const RUSTRICT_DIR = `${SHARED_DATA_DIR}rustrict/`;

/** Fails with a message that says what is missing and where it was looked for. */
export function requireDataDir(dir: string, what: string): void {
  if (!existsSync(dir)) {
    throw new Error(
      `${what} not found at ${dir}: the benchmark reads it where it lies (../shared/data/ next to the repository), nothing is copied into the project`,
    );
  }
}

/** One case per line; empty lines skipped; a leading '#' is part of the case (hashtags). */
export function readCases(path: string): string[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line.trim() !== "");
}

interface Engine {
  name: string;
  flagged: Detector;
}

interface ListResult {
  flagged: string[];
  missed: string[];
}

function judge(engine: Engine, cases: readonly string[]): ListResult {
  const flagged: string[] = [];
  const missed: string[] = [];
  for (const line of cases) (engine.flagged(line) ? flagged : missed).push(line);
  return { flagged, missed };
}

export function obscenityPreset(): RegExpMatcher {
  return new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
}

export function runOutsideLists(opts: { corpus: readonly string[]; dumpDir: string | undefined }): void {
  requireDataDir(RUSTRICT_DIR, "rustrict's test lists");
  const positives = readCases(`${RUSTRICT_DIR}test_positive.txt`);
  const falsePositives = readCases(`${RUSTRICT_DIR}false_positives.txt`);
  const negatives = readCases(`${RUSTRICT_DIR}test_negative.txt`);
  const safe = [...readCases(`${RUSTRICT_DIR}safe.txt`), ...readCases(`${RUSTRICT_DIR}test_safe.txt`)];

  // As a service serves them: compiled, then warmed up (CompiledRuleSet.warmUp).
  const rules = builtInRuleSet();
  rules.warmUp();
  let errors = 0;
  const gatehouse: Engine = {
    name: "gatehouse built-in",
    flagged: (text) => {
      const decision = evaluateText(rules, text);
      if (decision.error !== undefined) errors++;
      return decision.action !== "approve";
    },
  };
  const matcher = obscenityPreset();
  const obscenity: Engine = { name: "obscenity english preset", flagged: (text) => matcher.hasMatch(text) };

  console.log(`data: ${RUSTRICT_DIR}`);
  console.log("gatehouse: builtInRuleSet(), warmed up as a service does, flagged = action !== approve");
  console.log(
    "obscenity: RegExpMatcher({...englishDataset.build(), ...englishRecommendedTransformers}).hasMatch\n",
  );

  const lists = [
    { name: "test_positive.txt (recall)", cases: positives },
    { name: "false_positives.txt (flagged)", cases: falsePositives },
    { name: "test_negative.txt (flagged)", cases: negatives },
    { name: "safe.txt + test_safe.txt (flagged)", cases: safe },
  ].map((list) => ({ ...list, ours: judge(gatehouse, list.cases), theirs: judge(obscenity, list.cases) }));
  const [positive, falsePositive, negative, safeLists] = lists as [
    (typeof lists)[0],
    (typeof lists)[0],
    (typeof lists)[0],
    (typeof lists)[0],
  ];
  const share = (r: ListResult, cases: readonly string[]) => r.flagged.length / cases.length;
  printTable(
    ["list", "cases", gatehouse.name, obscenity.name],
    lists.map((list) => [
      list.name,
      String(list.cases.length),
      ...[list.ours, list.theirs].map((r) => `${percent2(share(r, list.cases))} (${r.flagged.length})`),
    ]),
  );
  if (errors > 0) console.log(`\ngatehouse evaluations that failed (on_error applied): ${errors}`);

  const ourRecall = share(positive.ours, positive.cases);
  const theirRecall = share(positive.theirs, positive.cases);
  const ourFalse = share(falsePositive.ours, falsePositive.cases);
  const ourNegatives = negative.ours.flagged.length;
  const theirNegatives = negative.theirs.flagged.length;

  // Throughput on the synthetic chat corpus; obscenity's preset is the baseline of the ratio.
  const [[ourRate], [theirRate]] = throughputs([[gatehouse.flagged], [obscenity.flagged]], opts.corpus) as [
    [number],
    [number],
  ];
  console.log(
    `\nthroughput on the synthetic chat corpus (${opts.corpus.length} lines, best of ${ROUNDS} rounds, taking turns)`,
  );
  printTable(
    ["engine", "messages/s", "µs/message"],
    [
      [gatehouse.name, format(ourRate), (1e6 / ourRate).toFixed(2)],
      [obscenity.name, format(theirRate), (1e6 / theirRate).toFixed(2)],
    ],
  );
  const ratio = ourRate / theirRate;

  const recallRatio = theirRecall === 0 ? Number.POSITIVE_INFINITY : ourRecall / theirRecall;
  console.log("\ntargets");
  console.log(
    `  recall on test_positive.txt >= 1.5x obscenity's: ${percent(ourRecall)} vs ${percent(theirRecall)} = ${recallRatio.toFixed(2)}x: ${verdict(recallRatio >= 1.5)}`,
  );
  console.log(`  recall on test_positive.txt >= 54%: ${percent(ourRecall)}: ${verdict(ourRecall >= 0.54)}`);
  console.log(
    `  false_positives.txt flagged <= 0.2%: ${percent2(ourFalse)} (${falsePositive.ours.flagged.length} of ${falsePositives.length}): ${verdict(ourFalse <= 0.002)}`,
  );
  console.log(
    `  test_negative.txt flagged no more than obscenity: ${ourNegatives} vs ${theirNegatives}: ${verdict(ourNegatives <= theirNegatives)}`,
  );
  console.log(
    `  throughput >= 25x obscenity's preset: ${format(ourRate)} vs ${format(theirRate)} msg/s = ${ratio.toFixed(1)}x: ${verdict(ratio >= 25)}`,
  );

  if (opts.dumpDir !== undefined) {
    const theirFlags = (line: string) => (obscenity.flagged(line) ? "  [obscenity flags it]" : "");
    const lines = [
      `# missed positives (test_positive.txt), gatehouse built-in: ${positive.ours.missed.length}`,
      ...positive.ours.missed.map((l) => `${l}${theirFlags(l)}`),
      "",
      `# flagged false_positives.txt, gatehouse built-in: ${falsePositive.ours.flagged.length}`,
      ...falsePositive.ours.flagged.map((l) => `${l}${theirFlags(l)}`),
      "",
      `# flagged test_negative.txt, gatehouse built-in: ${ourNegatives}`,
      ...negative.ours.flagged.map((l) => `${l}${theirFlags(l)}`),
      "",
      `# flagged safe.txt + test_safe.txt, gatehouse built-in: ${safeLists.ours.flagged.length}`,
      ...safeLists.ours.flagged.map((l) => `${l}${theirFlags(l)}`),
    ];
    console.log(`\ncases written to ${writeDump(opts.dumpDir, "outside-lists.txt", lines)}`);
  }
}
