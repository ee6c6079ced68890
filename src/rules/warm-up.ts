import type { CompiledRuleSet } from "./evaluate.ts";
import { LONG_TEXT } from "./text/code-units.ts";
import type { NormalizationOptions } from "./text/normalize.ts";

// Warms the code every evaluation runs through, once per process, on texts of every shape.
//
// V8 compiles a hot function for the paths it has seen taken. A message that takes a path never
// taken before (a script, a leet symbol, a spelled-out word, a long word) throws the compiled code
// away and runs unoptimized until the function is compiled again, which on a busy machine takes
// tens of milliseconds: the first such messages cost several times what they cost later. Running
// every path once at start, on made-up terms, lets the first compilation cover them all.

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

/** The warm-up rules: the terms read with `normalization`, a link rule and a pattern rule. */
export function warmUpRules(normalization: NormalizationOptions): string {
  return `rules:
  - id: warm-up-terms
    action: review
    normalization: ${JSON.stringify(normalization)}
    when:
      text_has_any: ${JSON.stringify(TERMS)}
  - id: warm-up-links
    action: reject
    when:
      link_domain_in: [primer.example]
  - id: warm-up-patterns
    action: review
    when:
      text_matches: ["(?i)\\\\bzorb\\\\w*", "\\\\d{3}-\\\\d{4}"]
`;
}

/** The warm-up texts: each piece, then all of them as one long text and as one long word. */
export function warmUpTexts(): string[] {
  const all = PIECES.join(" ");
  const long = all.repeat(Math.ceil((LONG_TEXT * 2) / all.length));
  const longWord = "zorblaxquib".repeat(Math.ceil((LONG_TEXT * 2) / 11));
  return [...PIECES, long, longWord, `${longWord}زوربلاكس${"조르블락".repeat(LONG_TEXT / 4)}`];
}

let warmed = false;

/**
 * Evaluates the warm-up texts through rules compiled by `parse` (on a clock that never advances,
 * so that every path runs to its end), the first time it is called in the process; later calls
 * do nothing. Returns the matches found (0 when already warmed).
 */
export function warmUpOnce(
  normalization: NormalizationOptions,
  parse: (yaml: string) => CompiledRuleSet,
): number {
  if (warmed) return 0;
  warmed = true;
  const rules = parse(warmUpRules(normalization));
  let matches = 0;
  for (let round = 0; round < 2; round++) {
    for (const text of warmUpTexts()) {
      matches += rules.evaluate({ message: { id: "warm-up", text }, metadata: {}, requestInfo: null }).matches
        .length;
    }
  }
  return matches;
}
