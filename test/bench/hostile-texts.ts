// "hostile" section of the rules benchmark: pathological 20,000-character messages (punctuation
// runs, spaced and dotted letters, long URLs, mixed scripts, zalgo, emoji, unspaced Korean and
// Arabic...) timed through evaluate() with the built-in rules and with the built-in rules plus a
// link_domain_in rule and a text_matches rule. Each message's median and max over several runs is
// printed next to the time of a typical chat message measured in the same run (the ratio).
import { fileURLToPath } from "node:url";
import { isSeq, parseDocument } from "yaml";
import {
  builtInRuleSet,
  builtInRulesYaml,
  type CompiledRuleSet,
  parseRuleSet,
  type RuleSet,
} from "../../src/rules/index.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { collectGarbage, evaluateText, printTable, verdict } from "./rules-bench-support.ts";

const LENGTH = 20_000;
const WARM_UPS = 2;
const RUNS = 9;
const TYPICAL_PASSES = 3;
const TARGET_MS = 5;
const RULES_DATA_DIR = fileURLToPath(new URL("../../src/rules/data/", import.meta.url));

/** `unit` repeated to exactly LENGTH UTF-16 code units, never cutting a surrogate pair. */
function fill(unit: string): string {
  let text = unit.repeat(Math.ceil(LENGTH / unit.length));
  text = text.slice(0, LENGTH);
  if (/[\ud800-\udbff]$/.test(text)) text = `${text.slice(0, -1)}x`;
  return text;
}

/** LENGTH code units drawn from `alphabet` (code points), seeded. */
function randomRun(alphabet: readonly string[], seed: number): string {
  const random = seededRandom(seed);
  let text = "";
  while (text.length < LENGTH) text += alphabet[Math.floor(random() * alphabet.length)];
  return text.slice(0, LENGTH);
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCodePoint(from + i));

function zalgo(): string {
  const random = seededRandom(5);
  const marks = range(0x300, 0x36f);
  let text = "";
  let i = 0;
  const base = "zalgo comes";
  while (text.length < LENGTH) {
    text += base[i++ % base.length];
    for (let m = 0; m < 20; m++) text += marks[Math.floor(random() * marks.length)];
  }
  return text.slice(0, LENGTH);
}

export function hostileMessages(): Array<{ name: string; text: string }> {
  const hangul = range(0xac00, 0xd7a3);
  const arabic = range(0x0621, 0x064a).filter((c) => c !== "\u0640");
  const han = range(0x4e00, 0x9fff);
  const hanOutsideBmp = range(0x20000, 0x2a6df);
  return [
    { name: 'dots "...."', text: fill(".") },
    { name: 'bangs "!!!!"', text: fill("!") },
    { name: '"-.-.-."', text: fill("-.") },
    { name: '"a a a a"', text: fill("a ") },
    { name: '"a.b.c.d"', text: fill(`${[..."abcdefghijklmnopqrstuvwxyz"].join(".")}.`) },
    { name: '"https://" + "a."*n', text: `https://${fill("a.")}`.slice(0, LENGTH) },
    { name: '"http://x/" + "(((("', text: `http://x/${fill("(")}`.slice(0, LENGTH) },
    { name: "Latin/Cyrillic/Han/Thai/Arabic alternating", text: fill("aб中กب") },
    { name: "zalgo (20 combining marks a letter)", text: zalgo() },
    { name: '"aaaa" (one letter)', text: fill("a") },
    { name: '"f*u*c*k*" repeated', text: fill("f*u*c*k*") },
    { name: '"f u c k " repeated', text: fill("f u c k ") },
    { name: '"1l1l1l"', text: fill("1l") },
    { name: "digits", text: fill("0123456789") },
    { name: "emoji", text: fill("😂🔥👍🏽👩‍💻") },
    { name: "zero-width space between letters", text: fill("a\u200b") },
    { name: "Korean, unspaced", text: randomRun(hangul, 17) },
    { name: "Arabic, unspaced", text: randomRun(arabic, 19) },
    { name: "Han, random", text: randomRun(han, 23) },
    { name: "Han outside the BMP, random", text: randomRun(hanOutsideBmp, 29) },
    { name: "symbols $@!|*", text: fill("$@!|*") },
  ];
}

/** The built-in rules plus a link rule and a pattern rule, as an operator would add them. */
export function extendedRuleSet(): CompiledRuleSet {
  return parseRuleSet(extendedRulesYaml(), "hostile-bench.yaml", { baseDir: RULES_DATA_DIR });
}

/** The rules file of extendedRuleSet(). */
export function extendedRulesYaml(): string {
  const doc = parseDocument(builtInRulesYaml());
  const rules = doc.get("rules");
  if (!isSeq(rules)) throw new Error("the built-in rules YAML has no rules list");
  rules.add(
    doc.createNode({
      id: "scam-links",
      action: "reject",
      when: { link_domain_in: ["evil.example"] },
    }),
  );
  rules.add(
    doc.createNode({
      id: "giveaway-scams",
      action: "review",
      when: {
        text_matches: [
          "(?i)\\b(?:free|cheap)\\s+(?:nitro|robux|v-?bucks)\\b",
          "(?i)\\b(?:bc1|[13])[a-hj-np-z0-9]{25,39}\\b",
        ],
      },
    }),
  );
  return doc.toString();
}

interface Timing {
  medianMs: number;
  maxMs: number;
  outcome: string;
}

function timeMessage(rules: RuleSet, text: string): Timing {
  for (let i = 0; i < WARM_UPS; i++) evaluateText(rules, text);
  const samples: number[] = [];
  let outcome = "";
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const decision = evaluateText(rules, text);
    samples.push(performance.now() - started);
    outcome =
      decision.error !== undefined
        ? `${decision.action} (error: ${decision.error.slice(0, 90)})`
        : decision.matches.length > 0
          ? `${decision.action} (${decision.matches.map((m) => m.rule_id).join(", ")})`
          : decision.action;
  }
  samples.sort((a, b) => a - b);
  return {
    medianMs: samples[Math.floor(samples.length / 2)] as number,
    maxMs: samples.at(-1) as number,
    outcome,
  };
}

/** Mean evaluation time of a corpus message, best of several passes over the whole corpus. */
function typicalMs(rules: RuleSet, corpus: readonly string[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < TYPICAL_PASSES; pass++) {
    collectGarbage();
    const started = performance.now();
    for (const line of corpus) evaluateText(rules, line);
    best = Math.min(best, (performance.now() - started) / corpus.length);
  }
  return best;
}

export function runHostileTexts(opts: { corpus: readonly string[] }): void {
  const configurations: Array<{ name: string; rules: CompiledRuleSet }> = [
    { name: "built-in", rules: builtInRuleSet() },
    { name: "built-in + link + pattern", rules: extendedRuleSet() },
  ];
  // As a service serves them (CompiledRuleSet.warmUp).
  for (const { rules } of configurations) rules.warmUp();
  const messages = hostileMessages();
  const typical = configurations.map((c) => typicalMs(c.rules, opts.corpus));
  console.log(
    `${messages.length} messages of ${LENGTH.toLocaleString("en-US")} UTF-16 code units; evaluate() ${RUNS} times each after ${WARM_UPS} warm-ups; ms`,
  );
  configurations.forEach((c, i) => {
    console.log(
      `typical chat message (${c.name}): ${((typical[i] as number) * 1000).toFixed(2)} µs (mean over the ${opts.corpus.length}-line corpus, best of ${TYPICAL_PASSES} passes)`,
    );
  });
  console.log();

  const timings = messages.map((m) =>
    configurations.map((c) => {
      collectGarbage();
      return timeMessage(c.rules, m.text);
    }),
  );
  printTable(
    [
      "message",
      ...configurations.flatMap((c) => [`${c.name} median`, "max", "x typical"]),
      ...configurations.map((c) => `decision (${c.name})`),
    ],
    messages.map((m, i) => {
      const row = timings[i] as Timing[];
      return [
        m.name,
        ...row.flatMap((t, c) => [
          t.medianMs.toFixed(3),
          t.maxMs.toFixed(3),
          `${Math.round(t.medianMs / (typical[c] as number)).toLocaleString("en-US")}x`,
        ]),
        ...row.map((t) => t.outcome),
      ];
    }),
  );

  console.log("\ntargets");
  configurations.forEach((c, ci) => {
    const byMedian = messages
      .map((m, i) => ({ name: m.name, t: timings[i]?.[ci] as Timing }))
      .sort((a, b) => b.t.medianMs - a.t.medianMs)[0] as { name: string; t: Timing };
    const worstMax = Math.max(...timings.map((row) => (row[ci] as Timing).maxMs));
    const ratio = byMedian.t.medianMs / (typical[ci] as number);
    console.log(
      `  ${c.name}: worst median <= ${TARGET_MS} ms: ${byMedian.t.medianMs.toFixed(2)} ms (${byMedian.name}; ${Math.round(ratio).toLocaleString("en-US")}x a typical message; worst single run ${worstMax.toFixed(2)} ms): ${verdict(byMedian.t.medianMs <= TARGET_MS)}`,
    );
  });
}
