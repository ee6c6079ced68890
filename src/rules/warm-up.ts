import { extractLinkHosts } from "./links.ts";
import { fillCharKinds } from "./text/char-kinds.ts";
import { LONG_TEXT } from "./text/code-units.ts";
import { charTableFor, type NormalizationOptions, profileKey } from "./text/normalize.ts";
import { fillPlainForms } from "./text/plain-form.ts";
import type { TermHit } from "./text/term-index.ts";
import { TermMatcher } from "./text/term-matcher.ts";

// Warms the code that reads a message's text, once per process, on texts of every shape.
//
// V8 compiles a hot function for the paths it has seen taken. A message that takes a path never
// taken before (a script, a leet symbol, a spelled-out word, a long word) throws the compiled code
// away and runs unoptimized until the function is compiled again, which on a busy machine takes
// tens of milliseconds: the first such messages cost several times what they cost later. Running
// every path once at start, on made-up terms, lets the first compilation cover them all.
// (Patterns run in re2js, whose few paths ordinary chat takes.)
//
// The tables of what each character folds to and what kind it is are filled for the whole BMP
// at the same time (about 0.15 s a profile): filled on first sight, a message of thousands of
// distinct characters (random Hangul or Han) paid for all of them, 20-40 ms.

/** Made-up terms in the scripts the matcher treats apart: nothing here is a real term. */
const TERMS = [
  "zorblax",
  "quib",
  "flarn wib",
  "зорблакс",
  "ζορμπ",
  "زوربلاكس",
  "זורב",
  "ज़ोरब",
  "ซอร์บแล็กซ์",
  "佐布拉",
  "ゾルブラ",
  "조르블락",
];

/** Texts that take every path: words, obfuscations, scripts, marks, symbols, links, shapes. */
const PIECES = [
  "hello there, how are you doing today? zorblax!",
  "z o r b l a x",
  "z.o.r.b.l.a.x",
  "z*o*r*b*l*a*x",
  "z0rbl4x and qu1b, zorb!ax, zorb|ax, $quib, @quib",
  "zooorblaaax quiiib QUIB Zorblax's zorblaxes zorblaxed",
  "flarn wib flarnwib fl arn",
  "a a a a b b a a u r a q u i b",
  "naïve café Straße ﬁne ÆTHER",
  "зорблакс Зорблаксы и ζορμπ καλημέρα",
  "زوربلاكس والزوربلاكس زوربـــلاكس زَوْرَبْلاكس",
  "זורב שלום",
  "ज़ोरब नमस्ते चित या पट",
  "ซอร์บแล็กซ์หูตาจมูก",
  "你是佐布拉吗，今天天气很好",
  "お前のゾルブラ小さい、ひらがな",
  "조르블락들이 한국어",
  "😂🔥👍🏽👩‍💻 🖕 𝐳𝐨𝐫𝐛𝐥𝐚𝐱 ⓩⓞⓡⓑ",
  "z\u200bo\u200br\u200bb\u200bl\u200ba\u200bx z\u0301o\u0308rblax",
  "1234 5678 555-1234 1l1l 0o0o",
  "!!! ... --- ((( ))) $@!|* ***",
  "see https://primer.example/path?q=1, www.primer.example. and mail@primer.example",
];

/** A matcher of the warm-up terms, read with `normalization`, that takes the full way always. */
export function warmUpMatcher(normalization: NormalizationOptions): TermMatcher {
  const matcher = new TermMatcher(normalization, 1, { knownWords: false });
  matcher.addTerms(0, TERMS, []);
  matcher.compile();
  return matcher;
}

/** The warm-up texts: each piece, then all of them as one long text, one long word and one long run. */
export function warmUpTexts(): string[] {
  const all = PIECES.join(" ");
  const long = all.repeat(Math.ceil((LONG_TEXT * 2) / all.length));
  const longWord = "zorblaxquib".repeat(Math.ceil((LONG_TEXT * 2) / 11));
  // A long run of a one-letter word: spelled-out words are joined across runs of single letters,
  // loops that only a long run makes long.
  const longRun = "a ".repeat(LONG_TEXT * 4);
  return [...PIECES, long, longWord, longRun, `${longWord}زوربلاكس${"조르블락".repeat(LONG_TEXT / 4)}`];
}

/** How long each piece is made when repeated: long enough for the loops over a run to get hot. */
const LONG_PIECE = LONG_TEXT * 8;

/** Each piece repeated into a long text of its one shape (see warmUpReading). */
function longPieces(): string[] {
  return PIECES.map((piece) => `${piece} `.repeat(Math.ceil(LONG_PIECE / (piece.length + 1))));
}

/** Rounds of the warm-up texts a rule set's own matchers read (see warmUpReading). */
const RULE_SET_WARM_UP_ROUNDS = 4;

/**
 * Hands each warm-up text, and each piece repeated into a long text of its one shape, round
 * after round, to `read`, which reads it with a compiled rule set's own term matchers
 * (CompiledRuleSet.warmUp), and returns the hits it counted.
 *
 * The made-up terms of warmUpOnce build a small automaton, on which a long run of letters dies
 * at once: the walks through thousands of states that real term lists make on `a a a a ...` or a
 * run of digits are only taken on the real automaton, and a scan checks its time budget only on
 * texts long enough. Without this, the first long message of each shape a service received ran
 * those paths unoptimized while V8's compiler threads took the other core, 5-25 ms. It costs
 * 0.05-0.1 s a profile, so the service runs it on the rules it serves (LiveRuleSet), not on
 * every rule set compiled (the rules test route, backtests).
 */
export function warmUpReading(read: (text: string) => number): number {
  let hits = 0;
  const texts = [...warmUpTexts(), ...longPieces()];
  for (let round = 0; round < RULE_SET_WARM_UP_ROUNDS; round++) for (const text of texts) hits += read(text);
  return hits;
}

/**
 * V8 gives object literals `{ value, done }` the map of the iterator results that for-of loops
 * make, and tracks that their fields never change and what kind of value they hold; optimized
 * code relies on it, the loops over a message's text among it. A literal `{ value, ... }` (a
 * property descriptor: zod assigns one's `value` for each schema and error it makes) starts from
 * the same map, so the first such assignment in the process makes V8 discard all that code at once.
 * Measured: done after the warm-up, it sent the whole text path back to unoptimized code, and the
 * first long message paid 25-40 ms while the compiler rebuilt it on the other core. Assigning
 * every kind of value to those fields before any warm-up leaves V8 nothing to learn later.
 */
export function settleIteratorResultFields(): void {
  const result: { value: unknown; done: boolean } = { value: undefined, done: false };
  const descriptor: { value: unknown } = { value: undefined };
  for (const value of [1, 1.5, "text", {}, null, undefined]) {
    result.value = value;
    descriptor.value = value;
  }
  result.done = true;
}

let warmed = false;
let sharedTablesFilled = false;
const filledProfiles = new Set<number>();

/** Fills the character tables of `normalization`, and the tables all profiles share, once. */
function fillTablesOnce(normalization: NormalizationOptions): void {
  if (!sharedTablesFilled) {
    sharedTablesFilled = true;
    settleIteratorResultFields();
    fillCharKinds();
    fillPlainForms();
  }
  const key = profileKey(normalization);
  if (filledProfiles.has(key)) return;
  filledProfiles.add(key);
  charTableFor(normalization).fillBmp();
}

/**
 * Fills the character tables of `normalization` (once a profile), and reads the warm-up texts
 * with a matcher of the warm-up terms, and for links, the first time it is called in the process.
 * Returns the term hits found (0 when already warmed). It runs below the rules on purpose: the rule layer's calls (one per condition kind)
 * are few and cheap, and seeing the warm-up's condition kinds would make them slower for every
 * message; so would the short way's, which ordinary chat keeps hot by itself.
 */
export function warmUpOnce(normalization: NormalizationOptions): number {
  fillTablesOnce(normalization);
  if (warmed) return 0;
  warmed = true;
  const matcher = warmUpMatcher(normalization);
  let hits = 0;
  for (let round = 0; round < 2; round++) {
    for (const text of warmUpTexts()) {
      const out: TermHit[][] = [];
      matcher.scan(text, "text", out);
      hits += out[0]?.length ?? 0;
      extractLinkHosts({ id: "warm-up", text });
    }
  }
  return hits;
}
