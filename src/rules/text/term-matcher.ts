import { SpecError } from "../errors.ts";
import type { Path } from "../validate.ts";
import { builtInAllowList } from "./allow-list.ts";
import { AllowedPhrases } from "./allowed-phrases.ts";
import {
  type Automaton,
  CompoundPart,
  HitKind,
  type HitSink,
  MAX_WALKS_ON,
  type ScanBudget,
  type TermOutput,
  TrieBuilder,
  WALKS_INNER,
} from "./automaton.ts";
import { hasUnspacedScript } from "./char-kinds.ts";
import { CompoundReader, type CompoundReading, type TermPiece } from "./compounds.ts";
import { inflectedForms, inflectionLanguage, isPluralOf } from "./inflections.ts";
import {
  isPlainAsciiWord,
  KNOWN_WORDS_FAILED,
  KNOWN_WORDS_HITS,
  KNOWN_WORDS_SILENT,
  KNOWN_WORDS_UNKNOWN,
  type KnownHit,
  KnownWords,
  knownWordSlotsFor,
  WORD_OTHER,
  WORD_UNKNOWN,
} from "./known-words.ts";
import {
  ALL_WORD_LISTS,
  commonLanguages,
  ENGLISH_LIST,
  englishWords,
  isEnglishVerb,
  isInsultHead,
  lexiconFor,
  NEVER_INNOCENT_ROOTS,
  ownWordList,
  SHIELD_LANGUAGES,
  STRONG_ROOTS,
  wordLanguages,
} from "./lexicon.ts";
import type { NormalizationOptions } from "./normalize.ts";
import { plainForm } from "./plain-form.ts";
import { ScannedText, Scanner } from "./scanner.ts";
import { wordBoundaries } from "./segmentation.ts";
import { SUBSTITUTIONS } from "./substitutions.ts";
import { BOUNDARY_KEY, edgeKey, readingsOf, SYMBOL_I_OR_L } from "./symbols.ts";
import type { TermHit } from "./term-index.ts";
import { slotsFor } from "./walk-cache.ts";
import { WORD_DECISIONS_BYTES, WordDecisions } from "./word-decisions.ts";
import { type WordCore, WordCores } from "./word-facts.ts";
import { countWork } from "./work.ts";

/** A term whose leetspeak readings multiply beyond this is refused ("1l1l1l1l1l1l1l"). */
const MAX_VARIANTS_PER_TERM = 64;
/** Spans kept per condition and message: enough to explain, bounded for hostile input. */
export const MAX_HITS_PER_CONDITION = 50;
/** Candidate hits examined per text: bounds the work of deciding on hostile input. */
const MAX_CANDIDATES_PER_TEXT = 4096;

/** A term to match, and the language whose inflections it takes (guessed from its script if absent). */
export interface TermEntry {
  text: string;
  language?: string;
  /** Never innocent, even inside a longer word that is otherwise made of words (a severe term). */
  strong?: boolean;
}

/** A hit the automaton reported, before it is decided. */
interface Candidate {
  output: TermOutput;
  first: number;
  last: number;
  kind: HitKind;
  firstToken: number;
  lastToken: number;
}

/** What the deciding step knows about one word (token) of the text, computed on demand. */
interface WordFacts extends WordCore {
  /** How the word reads as a compound, by the word lists its parts may come from. */
  compounds?: Map<number, CompoundReading>;
  /** Slots that already matched the whole word: the longest match wins over its parts. */
  wholeSlots?: Set<number>;
}

/**
 * Matcher for the terms of one normalization profile: terms and their inflected forms are
 * normalized by the same scanner as messages and compiled into one automaton, whatever the
 * number of rules. The automaton proposes every place a term could be; the matcher keeps those
 * that are words as people write them:
 *
 * - a whole word that is the term or one of its forms ("fucked"), unless the word is allow-listed;
 * - an obfuscated whole word ("fuuck", "sh1t"), unless the word as written is a dictionary word
 *   ("cook" is not "cok", "rapping" is not "raping");
 * - a term inside a word only when the word is not a dictionary word and reads entirely as
 *   terms, dictionary words and digits ("bitchass", "fuckface", "vollarschloch", "kikekiller99"),
 *   never when the rest is not a word ("Scunthorpe");
 * - in scripts written without spaces, a term between two of ICU's word boundaries;
 * - letters spelled out ("f.u.c.k"), phrases, and a word split in two ("fu ck") when neither
 *   half is a word.
 */
export class TermMatcher implements HitSink {
  private readonly textScanner: Scanner;
  private readonly termScanner: Scanner;
  private builder: TrieBuilder | undefined = new TrieBuilder();
  /** The terms that may stand inside a word: compound parts anywhere, and unspaced scripts'. */
  private insideBuilder: TrieBuilder | undefined = new TrieBuilder();
  private inside: Automaton | undefined;
  private states = 0;
  private automaton: Automaton | undefined;
  private readonly buffer = new ScannedText();
  /** Reused while compiling terms. */
  private readonly termBuffer = new ScannedText();
  private readonly compounds: CompoundReader;
  /** Innocent words (plain form) per slot: the built-in allow-list and the rule's own. */
  private readonly allowBySlot: Array<ReadonlySet<string>> = [];
  /** The allow-lists' phrases per slot ("spick and span"), undefined for a list without any. */
  private readonly phrasesBySlot: Array<AllowedPhrases | undefined> = [];
  /** Phrases read once per allow-list (the built-in one is shared by most slots). */
  private readonly phrasesOfList = new Map<ReadonlySet<string>, AllowedPhrases | undefined>();
  /** Every word of those phrases: a decision about such a word depends on its neighbours. */
  private readonly phraseWords = new Set<string>();
  /**
   * Terms with no letters or digits (an emoji such as "🖕"), or whose letters are mostly symbols
   * that normalization would fold away: found by plain substring search. Lists have a handful at
   * most, so the cost stays flat.
   */
  private readonly symbolTerms: Array<{ slot: number; term: number; needle: string }> = [];
  /** True while every symbol term has a character outside ASCII. */
  private symbolTermsOutsideAscii = true;
  private candidates: Candidate[] = [];
  /** Decisions kept by word (see WordDecisions and decide). */
  private readonly wordDecisions: WordDecisions;
  /** What is known of a word as written, kept across messages (see word-facts.ts). */
  private readonly wordCores: WordCores;
  private decidingText = "";
  /**
   * Words already judged, by how they are written (see known-words.ts); made at compile, only
   * for a profile whose ASCII folding it reads the way the scanner does.
   */
  private knownWords: KnownWords | undefined;
  /**
   * 1 for each word of the text being decided whose candidates were decided by the word alone
   * (see WordDecisions), whatever they kept: what known words may learn of it.
   */
  private decidedAlone = new Uint8Array(64);
  /** The hits recorded for the text being decided, with the word they were found in. */
  private readonly recorded: Array<{ token: number; hit: TermHit; slot: number }> = [];
  /** Set when a hit of the text being decided was dropped for the condition's hit limit. */
  private hitsCapped = false;
  /** Reused by learnWords for a word's walks that go on into the next (see walkSummary). */
  private readonly walksOn = new Int32Array(MAX_WALKS_ON);
  /** Characters handed to ICU's segmentation while deciding the current text. */
  private segmented = 0;
  /** Set when deciding the current word read the rest of the message (its language). */
  private readTheMessage = false;
  /** Set while warming up: the known words are neither asked nor taught (see warmUp). */
  private warmingUp = false;

  /**
   * `cacheShare`: the share of the default cache sizes this matcher's caches get (its walks',
   * its decisions'), when several matchers share the memory (a rule set with several
   * normalization profiles).
   */
  constructor(
    readonly options: NormalizationOptions,
    private readonly cacheShare = 1,
    private readonly shortWays: { knownWords: boolean } = { knownWords: true },
  ) {
    this.wordDecisions = new WordDecisions(Math.floor(WORD_DECISIONS_BYTES * cacheShare));
    this.wordCores = new WordCores(Math.floor(WORD_CORES * cacheShare));
    this.textScanner = new Scanner(options);
    this.termScanner = new Scanner(options, { forTerms: true });
    this.compounds = new CompoundReader(lexiconFor(options));
  }

  addTerms(
    slot: number,
    terms: readonly (string | TermEntry)[],
    path: Path,
    allow: ReadonlySet<string> = builtInAllowList(),
  ): void {
    this.allowBySlot[slot] = allow;
    this.phrasesBySlot[slot] = this.phrasesOf(allow);
    terms.forEach((entry, index) => {
      const { text: term, language, strong = false } = typeof entry === "string" ? { text: entry } : entry;
      const needle = term.trim().normalize("NFKC");
      if (needle === "") throw new SpecError(path, "a term cannot be blank");
      if (this.isSymbolTerm(needle)) {
        this.symbolTerms.push({ slot, term: index, needle });
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range itself
        if (/^[\x00-\x7f]*$/.test(needle)) this.symbolTermsOutsideAscii = false;
        return;
      }
      const builder = this.builder;
      if (!builder) throw new Error("TermMatcher.addTerms after compile");
      const plain = plainForm(needle);
      // Inside a longer word, only a term that is no ordinary word itself: "cock", "homo",
      // "sucker", "coon" and "squaw" are, in "paddlecock", "homosphere", "carpsucker",
      // "coontail" and "squawberry".
      const readings = this.termPaths(needle, path).map((reading) => reading.normalized);
      const minPart =
        language === undefined || language === "en" ? MIN_COMPOUND_PART : MIN_FOREIGN_COMPOUND_PART;
      const longEnough = [...plain].length >= minPart || STRONG_ROOTS.some((root) => plain.includes(root));
      const own = ownWordList(language);
      const shielding = (word: string) => (wordLanguages(word) & ~own) !== 0;
      const ordinaryWord = readings.some(shielding) || shielding(plain);
      // A term that is no ordinary word is a part anywhere in a compound. One that is also an
      // ordinary word ("arse", "knob", "cock", "sucker") only as its first part: English
      // compounds name their kind last, so "paddlecock" and "carpsucker" are still a bird and
      // a fish, while "arsehat" and "knobhead" are insults.
      const length = [...plain].length;
      const compoundPart = ordinaryWord
        ? length >= MIN_FIRST_PART
          ? CompoundPart.First
          : CompoundPart.None
        : longEnough
          ? CompoundPart.Anywhere
          : CompoundPart.None;
      const script = scriptOf(plain);
      const isEnglish = inflectionLanguage(needle, language) === "en";
      const unspaced = hasUnspacedScript(plain);
      const neverInnocent = NEVER_INNOCENT_ROOTS.some((root) => plain.includes(root));
      // An English term's compounds are made of English words: glued to a German word it is no
      // compound ("…haus"). Other languages' word lists are frequency lists that miss many
      // prefixes ("Ober|arschficker"), so their terms take words of any list.
      const compoundLanguages = isEnglish ? ENGLISH_LIST : ALL_WORD_LISTS;
      const pluralOfWord = [1, 2].some(
        (cut) =>
          isPluralOf(plain, plain.slice(0, -cut)) &&
          (wordLanguages(plain.slice(0, -cut)) & ENGLISH_LIST) !== 0,
      );
      // A common English word takes no "-er", "-ish" or "-y": "chinker" and "prickish" are as
      // much words made from the ordinary word (a chink in the wall, to prick) as from the term.
      const commonWord =
        isEnglish &&
        !neverInnocent &&
        !STRONG_ROOTS.some((root) => plain.includes(root)) &&
        (commonLanguages(plain) & ENGLISH_LIST) !== 0;
      // A word the English dictionary has, but not as a verb, takes no verb endings:
      // "swastikaed" and "kafirin" are no forms of "swastika" and "kafir".
      const verb =
        !isEnglish ||
        neverInnocent ||
        STRONG_ROOTS.some((root) => plain.includes(root)) ||
        !englishWords().has(plain) ||
        isEnglishVerb(plain);
      for (const form of inflectedForms(needle, language, { derivations: !commonWord, verb })) {
        const written = plainForm(form);
        // English forms other than the plural may be other words ("cocky", "chinking"); the
        // grammatical endings of other languages are the term itself ("Ärsche", "суку", "병신들").
        const base = written === plain || isPluralOf(written, plain) || !isEnglish;
        // An English compound takes its first part in the singular ("dick|head", never
        // "dicks|head"): a plural, or a term that is the plural of a word, is no first part.
        const formPart =
          compoundPart === CompoundPart.First && isEnglish && (written !== plain || pluralOfWord)
            ? CompoundPart.None
            : compoundPart;
        for (const { keys, normalized } of this.termPaths(form, path)) {
          const output = {
            slot,
            term: index,
            normalized,
            written,
            base,
            compoundPart: formPart,
            strong,
            script,
            language: own,
            neverInnocent,
            compoundLanguages,
          };
          builder.add(keys, output);
          if (compoundPart === CompoundPart.Anywhere || strong || unspaced)
            this.insideBuilder?.add(keys, output);
        }
      }
    });
  }

  private phrasesOf(allow: ReadonlySet<string>): AllowedPhrases | undefined {
    if (this.phrasesOfList.has(allow)) return this.phrasesOfList.get(allow);
    const phrases = AllowedPhrases.of(allow, this.textScanner);
    this.phrasesOfList.set(allow, phrases);
    for (const word of phrases?.words() ?? []) this.phraseWords.add(word);
    return phrases;
  }

  compile(): void {
    if (!this.builder) throw new Error("TermMatcher.compile called twice");
    this.states = this.builder.stateCount;
    const options = {
      joinSeparatedLetters: this.options.separators,
      repeatedLetters: this.options.repeated_letters,
      walkCacheSlots: slotsFor(this.cacheShare),
    };
    this.automaton = this.builder.compile(options);
    if (
      this.shortWays.knownWords &&
      this.textScanner.readsAsciiWordsPlainly &&
      this.options.leetspeak &&
      this.options.repeated_letters
    )
      this.knownWords = new KnownWords({
        asciiEntries: this.textScanner.asciiEntries,
        table: this.textScanner.table,
        walks: this.automaton,
        slots: knownWordSlotsFor(this.cacheShare),
      });
    this.inside = this.insideBuilder?.compile(options);
    this.insideBuilder = undefined;
    // The Map-based trie is only needed to build; the compiled arrays are a fraction of its size.
    this.builder = undefined;
  }

  get stateCount(): number {
    return this.states;
  }

  /** The normalized words of a text, for explanations and tests ("F.U.C.K" → ["f","u","c","k"]). */
  normalizedWords(text: string): string[] {
    const scanned = this.textScanner.scan(text, new ScannedText());
    const words: string[] = [];
    for (let t = 0; t < scanned.tokenCount; t++) {
      let word = "";
      for (let i = scanned.tokenStarts[t] as number; i < (scanned.tokenEnds[t] as number); i++) {
        const symbol = scanned.symbols[i] as number;
        // "l" is read as i or l in messages: show the letter as written.
        const shown = readingsOf(symbol)
          ? text.charAt(scanned.starts[i] as number).toLowerCase()
          : symbolText(symbol);
        word += shown.repeat(Math.min(scanned.runs[i] as number, 2));
      }
      words.push(word);
    }
    return words;
  }

  /** Appends the hits of `text` to `out[slot]`. */
  scan(text: string, field: string, out: TermHit[][], budget?: ScanBudget): void {
    const automaton = this.automaton;
    if (!automaton) throw new Error("TermMatcher.scan before compile");
    // A text of words known to find nothing, or only the hits they keep whatever the words
    // around, needs no more (see known-words.ts).
    const known = this.warmingUp ? KNOWN_WORDS_FAILED : (this.knownWords?.silent(text) ?? KNOWN_WORDS_FAILED);
    const shortWay = known === KNOWN_WORDS_SILENT || known === KNOWN_WORDS_HITS;
    // Symbol terms outside ASCII ("🖕") cannot be in a text found to be ASCII alone.
    if (!(shortWay && this.knownWords?.readAsciiOnly && this.symbolTermsOutsideAscii))
      this.findSymbolTerms(text, field, out);
    if (shortWay) {
      if (known === KNOWN_WORDS_HITS) this.addKnownHits(text, field, out);
      countWork(text.length);
      return;
    }
    const scanned = this.textScanner.scan(text, this.buffer);
    if (scanned.tokenCount === 0) return;
    // One array for every text: candidates live only while their text is decided.
    if (this.candidates.length > 0) this.candidates.length = 0;
    automaton.scan(scanned, this, budget, this.inside, MIN_INSIDE_WORD);
    this.decidingText = text;
    this.segmented = 0;
    if (this.decidedAlone.length < scanned.tokenCount)
      this.decidedAlone = new Uint8Array(scanned.tokenCount * 2);
    else this.decidedAlone.fill(0, 0, scanned.tokenCount);
    if (this.recorded.length > 0) this.recorded.length = 0;
    this.hitsCapped = false;
    if (this.candidates.length > 0) this.decide(text, field, scanned, out);
    // Taught by the texts that stopped at a word it did not know: the others would not go the
    // short way whatever it learned of their words.
    if (known === KNOWN_WORDS_UNKNOWN && this.candidates.length < MAX_CANDIDATES_PER_TEXT)
      this.learnWords(text, scanned, automaton);
    // Each candidate is decided once; ICU reads the characters handed to it.
    countWork(this.candidates.length + this.segmented);
  }

  /**
   * Reads `text` the full way, for the code's sake alone: the hits are dropped (their count is
   * returned), and the known words are neither asked nor taught. Their short way is left to the
   * messages themselves: read over texts in other scripts, its loops run a third slower on
   * English chat ever after (V8 compiles them for both kinds of string), while ordinary chat
   * keeps the short way hot anyway.
   */
  warmUp(text: string, budget: ScanBudget): number {
    const out: TermHit[][] = [];
    this.warmingUp = true;
    try {
      this.scan(text, "text", out, budget);
    } finally {
      this.warmingUp = false;
    }
    return out.reduce((sum, hits) => sum + (hits?.length ?? 0), 0);
  }

  /** Whether `text` would take the short way, its words all known (tests). */
  takesShortWay(text: string): boolean {
    const known = this.knownWords?.silent(text) ?? KNOWN_WORDS_FAILED;
    return known === KNOWN_WORDS_SILENT || known === KNOWN_WORDS_HITS;
  }

  /**
   * Teaches knownWords the verdicts on the plain ASCII words of the text just scanned: what
   * their walks did (Automaton.walkSummary) and, for words with terms, the hits the deciding
   * step kept in a decision that depends on the word alone (decidedAlone): none, or some.
   */
  private learnWords(text: string, scanned: ScannedText, automaton: Automaton): void {
    const known = this.knownWords as KnownWords;
    // A long text teaches its first words only: it cannot flush the table, and costs no more.
    const tokens = Math.min(scanned.tokenCount, MAX_TAUGHT_WORDS);
    countWork(tokens);
    for (let token = 0; token < tokens; token++) {
      const start = scanned.starts[scanned.tokenStarts[token] as number] as number;
      const end = scanned.ends[(scanned.tokenEnds[token] as number) - 1] as number;
      if (!isPlainAsciiWord(text, start, end) || known.lookup(text, start, end) !== WORD_UNKNOWN) continue;
      // Past the hit limit, what a word kept is not all known: it is learned as if undecided.
      const decided = this.decidedAlone[token] === 1 && !this.hitsCapped;
      const summary = automaton.walkSummary(token, this.walksOn, decided);
      if (summary < 0 || (!decided && (summary & WALKS_INNER) !== 0)) {
        known.remember(text, start, end, WORD_OTHER);
        continue;
      }
      const hits = decided ? this.hitsOfWord(token, start) : undefined;
      // A word of one letter with hits is left to the full path (single letters may spell on).
      if (hits !== undefined && hits.length > 0 && end - start < 2)
        known.remember(text, start, end, WORD_OTHER);
      else known.remember(text, start, end, summary & ~WALKS_INNER, this.walksOn, hits);
    }
  }

  /** The hits recorded for the word `token`, which begins at `wordStart` in the text, as KnownHits. */
  private hitsOfWord(token: number, wordStart: number): KnownHit[] {
    const hits: KnownHit[] = [];
    for (const { token: of, hit, slot } of this.recorded) {
      if (of !== token) continue;
      hits.push({
        slot,
        term: hit.term,
        start: hit.start - wordStart,
        end: hit.end - wordStart,
        normalized: hit.normalized,
      });
    }
    return hits;
  }

  /** Adds the hits of the known words of `text` that hold some, as silent() found them. */
  private addKnownHits(text: string, field: string, out: TermHit[][]): void {
    const known = this.knownWords as KnownWords;
    for (let k = 0; k < known.hitWordCount; k++) {
      const wordStart = known.hitWordStarts[k] as number;
      for (const hit of known.hitsOf(known.hitWordSlots[k] as number))
        addHit(
          out,
          hit.slot,
          hit.term,
          field,
          text,
          wordStart + hit.start,
          wordStart + hit.end,
          hit.normalized,
        );
    }
  }

  /** Appends the occurrences of the symbol terms (see symbolTerms) in `text` to `out`. */
  private findSymbolTerms(text: string, field: string, out: TermHit[][]): void {
    for (const { slot, term, needle } of this.symbolTerms) {
      countWork(text.length);
      let at = text.indexOf(needle);
      while (at !== -1) {
        const list = out[slot] ?? [];
        out[slot] = list;
        if (list.length >= MAX_HITS_PER_CONDITION) break;
        list.push({ term, field, start: at, end: at + needle.length, original: needle, normalized: needle });
        at = text.indexOf(needle, at + needle.length);
      }
    }
  }

  hit(
    output: TermOutput,
    first: number,
    last: number,
    kind: HitKind,
    firstToken: number,
    lastToken: number,
  ): void {
    if (this.candidates.length >= MAX_CANDIDATES_PER_TEXT) return;
    this.candidates.push({ output, first, last, kind, firstToken, lastToken });
  }

  /**
   * What the current decision knows of each word it has looked at, by token, and the tokens it
   * has looked at: reset by those, not by a new map per decision.
   */
  private readonly facts: Array<WordFacts | undefined> = [];
  private readonly factTokens: number[] = [];

  /**
   * The facts of one word of the text being decided. A method bound once, not a closure made per
   * text: the deciding step runs for every message with a candidate.
   */
  private readonly factsOf = (token: number): WordFacts => {
    let known = this.facts[token];
    if (!known) {
      const scanned = this.buffer;
      const start = scanned.starts[scanned.tokenStarts[token] as number] as number;
      const end = scanned.ends[(scanned.tokenEnds[token] as number) - 1] as number;
      // A record of this decision's own: compounds and wholeSlots are filled in per message.
      known = { ...this.wordCores.of(this.decidingText.slice(start, end)) };
      this.facts[token] = known;
      this.factTokens.push(token);
    }
    return known;
  };

  /** The plain form of one word of the text being decided, kept with its facts. */
  private readonly plainOf = (token: number): string => this.factsOf(token).plain;

  /** Keeps the candidates that are words as people write them (see the class comment). */
  private decide(text: string, field: string, scanned: ScannedText, out: TermHit[][]): void {
    for (const token of this.factTokens) this.facts[token] = undefined;
    this.factTokens.length = 0;
    // A long text's facts are not kept past its decision.
    if (this.facts.length > MAX_KEPT_FACTS) this.facts.length = 0;
    const factsOf = this.factsOf;
    // Whole words first, so that a word matched whole does not also report its parts.
    const ordered = sortCandidates(this.candidates);
    // The candidates of one word are decided in a row. When they all lie inside the word, in a
    // script written with spaces, their decision depends only on the word as written (its facts,
    // its compound reading, the allow-lists; never the words around it or the message's
    // language): it is kept, and a word decided before is not decided again. A check below that
    // depends on more than the word must exclude such candidates from WordDecisions.fingerprint,
    // or such words from being kept (the words of allow-listed phrases).
    const reusable = ordered.length < MAX_CANDIDATES_PER_TEXT;
    let wordEnd = 0;
    let wordFrom = 0;
    let written = "";
    let fingerprint = -1;
    let keptMask = 0;
    for (let index = 0; index < ordered.length; index++) {
      const candidate = ordered[index] as Candidate;
      if (index === wordEnd) {
        wordFrom = index;
        wordEnd = index + 1;
        while (
          wordEnd < ordered.length &&
          (ordered[wordEnd] as Candidate).firstToken === candidate.firstToken
        )
          wordEnd++;
        const wordStart = scanned.tokenStarts[candidate.firstToken] as number;
        fingerprint = reusable ? WordDecisions.fingerprint(ordered, index, wordEnd, wordStart) : -1;
        this.readTheMessage = false;
        if (fingerprint >= 0) {
          written = text.slice(
            scanned.starts[wordStart] as number,
            scanned.ends[(scanned.tokenEnds[candidate.firstToken] as number) - 1] as number,
          );
          const kept = this.wordDecisions.keepOf(written, fingerprint);
          if (kept !== undefined) {
            this.decidedAlone[candidate.firstToken] = 1;
            for (let i = index; i < wordEnd; i++)
              if ((kept & (1 << (i - index))) !== 0)
                this.record(ordered[i] as Candidate, text, field, scanned, out);
            index = wordEnd - 1;
            continue;
          }
          keptMask = 0;
        }
      }
      const { output, kind, firstToken } = candidate;
      const allow = this.allowBySlot[output.slot] as ReadonlySet<string>;
      let keep: boolean;
      if (
        output.script !== undefined &&
        !output.script.test(
          text.slice(scanned.starts[candidate.first] as number, scanned.ends[candidate.last] as number),
        )
      ) {
        // A term written in another script matches only text in that script: folding makes the
        // Russian "ссать" look like Latin letters, but it is no term in "braccate".
        keep = false;
      } else if (kind === HitKind.Joined) {
        keep = true;
      } else if (kind === HitKind.Phrase) {
        // A phrase counts as written, or obfuscated; not when a word of it merely resembles one
        // of the phrase's ("gator balt", "hoot chick").
        const span = this.partText(candidate, scanned);
        keep = phraseForm(span) === phraseForm(output.written) || SUBSTITUTED.test(span);
      } else if (kind === HitKind.Glued) {
        const left = factsOf(firstToken);
        const right = factsOf(candidate.lastToken);
        // Exactly the two halves of the form, neither of them an English word and not both
        // words of another language ("fu ck", not "tt wats", "brass hit" or the Spanish "que af").
        keep =
          left.plain + right.plain === output.written &&
          (left.languages & 1) === 0 &&
          (right.languages & 1) === 0 &&
          (left.languages === 0 || right.languages === 0) &&
          !allow.has(left.plain) &&
          !allow.has(right.plain) &&
          [...left.plain].length >= 2 &&
          [...right.plain].length >= 2;
      } else {
        const word = factsOf(firstToken);
        // An allow-listed word, or one made from it ("un|niggard|ly"), is innocent.
        if (allow.has(word.plain) || word.bases.some((base) => allow.has(base))) keep = false;
        else if (kind === HitKind.Whole) {
          // The term itself, written plainly, is a term even where it is also a word ("cock");
          // its other forms and obfuscations give way to a dictionary word ("cocky", "cook").
          // An inflected form counts as written, or in a word obfuscated anyway: read through a
          // doubled letter or a look-alike letter it is more often another word ("millfeed" is
          // no "milfed", "chinkle" no "chinkie"), while the term itself is caught either way. A
          // term of another language than English read through a doubled letter is more often a
          // word of yet another language than a hidden term: it counts stretched ("connna" for
          // the Portuguese "cona") or in a word obfuscated anyway ("c0nna").
          keep =
            (output.base &&
              output.written === word.plain &&
              !this.otherLanguagesWord(word, output, scanned, text)) ||
            (!shields(word, output) &&
              !(
                output.compoundLanguages !== ENGLISH_LIST &&
                !word.obfuscated &&
                word.plain.length > output.written.length &&
                withDoubledLetters(this.writtenWord(firstToken, scanned).toLowerCase(), output.written)
              ) &&
              (output.base || word.obfuscated || readsAsWritten(word.plain, output.written)));
          if (keep) {
            word.wholeSlots ??= new Set();
            word.wholeSlots.add(output.slot);
          }
        } else if (word.wholeSlots?.has(output.slot)) keep = false;
        else if (
          output.compoundPart === CompoundPart.First &&
          candidate.first === scanned.tokenStarts[firstToken]
        ) {
          // "knobhead" is an insult even where a word list carries it: term, then insult head.
          keep = !word.unspaced && this.inCompound(candidate, word, scanned);
        } else if (shields(word, output)) keep = false;
        else if (output.neverInnocent && !word.unspaced) keep = true;
        else if (word.unspaced)
          keep =
            !this.insideAllowedWord(candidate, scanned, text, allow) &&
            this.onBoundaries(candidate, scanned, text);
        else keep = this.inCompound(candidate, word, scanned);
      }
      // Inside an innocent idiom of the allow-list ("spick and span", "Maine Coon"): looked up
      // last, so that only a hit that would count pays for it.
      if (
        keep &&
        this.phrasesBySlot[output.slot]?.covers(firstToken, candidate.lastToken, scanned, text, this.plainOf)
      )
        keep = false;
      if (keep) {
        this.record(candidate, text, field, scanned, out);
        keptMask |= 1 << (index - wordFrom);
      }
      // A word of an allow-listed phrase is decided by its neighbours too, and a term that is
      // also a word of another language by the message's language: neither is kept.
      if (index === wordEnd - 1 && fingerprint >= 0) {
        const facts = factsOf(firstToken);
        if (!facts.unspaced && !this.phraseWords.has(facts.plain) && !this.readTheMessage) {
          this.wordDecisions.remember(written, fingerprint, keptMask);
          this.decidedAlone[firstToken] = 1;
        }
      }
    }
  }

  /**
   * True when the term, written plainly, is also an ordinary word of another language and the
   * message is written in that language, not in the term's ("Je suis en retard" is French for
   * "late"; "puta" in a Spanish sentence stays Spanish even if Portuguese has it too). The
   * message's language is the one whose common words it uses most, by a margin (a lone
   * "negro" or "hey negro" is read as English).
   */
  private otherLanguagesWord(
    word: WordFacts,
    output: TermOutput,
    scanned: ScannedText,
    text: string,
  ): boolean {
    const others = word.languages & ~1 & ~output.language;
    if (others === 0 || word.plain.length < MIN_VOTED_TERM) return false;
    // From here on the decision depends on the words around: it is not kept by word.
    this.readTheMessage = true;
    const votes = new Array<number>(SHIELD_LANGUAGES.length).fill(0);
    const tokens = Math.min(scanned.tokenCount, MAX_LANGUAGE_VOTES);
    countWork(tokens);
    for (let token = 0; token < tokens; token++) {
      const start = scanned.starts[scanned.tokenStarts[token] as number] as number;
      const end = scanned.ends[(scanned.tokenEnds[token] as number) - 1] as number;
      if (end - start < 2) continue; // single letters belong to every language
      const languages = this.wordCores.of(text.slice(start, end)).common;
      for (let bit = 0; bit < votes.length; bit++)
        if ((languages & (1 << bit)) !== 0) votes[bit] = (votes[bit] as number) + 1;
    }
    // The term's own language: its list, or English for a term of a language without one.
    const ownCount =
      output.language === 0 ? (votes[0] as number) : (votes[Math.log2(output.language)] as number);
    const english = votes[0] as number;
    return votes.some(
      (count, bit) =>
        bit > 0 &&
        (others & (1 << bit)) !== 0 &&
        count >= english + LANGUAGE_MARGIN &&
        count >= ownCount + LANGUAGE_MARGIN,
    );
  }

  /**
   * A term in unspaced text counts when ICU puts a word boundary at both of its ends, it is not
   * one half of a doubled word ("妈妈", "奶奶"), and, if it is a single character, it does not
   * follow a longer word (ICU splits suffixes such as "性" in "安全性" off as words of their own).
   */
  private onBoundaries(candidate: Candidate, scanned: ScannedText, text: string): boolean {
    const tokenStart = scanned.starts[scanned.tokenStarts[candidate.firstToken] as number] as number;
    const tokenEnd = scanned.ends[(scanned.tokenEnds[candidate.firstToken] as number) - 1] as number;
    const start = scanned.starts[candidate.first] as number;
    const end = scanned.ends[candidate.last] as number;
    // A doubled character is a word of its own here ("奶奶", "妈妈"), not a stretched one.
    if ((scanned.runs[candidate.first] as number) > 1 || (scanned.runs[candidate.last] as number) > 1)
      return false;
    const first = text.codePointAt(start) as number;
    const last = text.codePointAt(end - 1) as number;
    const single = end - start <= (first > 0xffff ? 2 : 1);
    if (single && start === tokenStart && end === tokenEnd) return true;
    if (text.codePointAt(end) === last || (start > tokenStart && text.codePointAt(start - 1) === first))
      return false;
    // ICU reads words from their context: a few characters either side are enough, and keep the
    // cost of one hit small whatever the length of the text.
    const from = Math.max(tokenStart, start - SEGMENT_CONTEXT);
    const to = Math.min(tokenEnd, end + SEGMENT_CONTEXT);
    this.segmented += to - from;
    // Past the budget (hostile text), a hit counts: running out of time never loosens a decision.
    if (this.segmented > MAX_SEGMENTED_PER_TEXT) return true;
    const boundaries = wordBoundaries(text.slice(from, to));
    if (!boundaries.has(start - from) || !boundaries.has(end - from)) return false;
    if (!single) return true;
    // One character right after a longer word is its suffix ("安全|性", safety), not a word.
    let previous = 0;
    for (const boundary of boundaries)
      if (boundary < start - from && boundary > previous) previous = boundary;
    return start - from - previous < 2 || start === tokenStart;
  }

  /**
   * True when an allow-listed word of a script written without spaces covers the candidate:
   * there a word is found by where it lies, not between spaces ("ขี้เกียจ", lazy, holds "ขี้").
   */
  private insideAllowedWord(
    candidate: Candidate,
    scanned: ScannedText,
    text: string,
    allow: ReadonlySet<string>,
  ): boolean {
    const words = unspacedWordsOf(allow);
    if (words.length === 0) return false;
    const start = scanned.starts[candidate.first] as number;
    const end = scanned.ends[candidate.last] as number;
    for (const word of words) {
      // An occurrence covering [start, end) begins in [end - word.length, start].
      const from = Math.max(0, end - word.length);
      if (from > start) continue;
      countWork(start + word.length - from);
      const at = text.slice(from, start + word.length).indexOf(word);
      if (at !== -1 && from + at <= start) return true;
    }
    return false;
  }

  /** A term inside a word counts when the whole word reads as terms, dictionary words and digits. */
  private inCompound(candidate: Candidate, word: WordFacts, scanned: ScannedText): boolean {
    const tokenStart = scanned.tokenStarts[candidate.firstToken] as number;
    // Past compound length a "word" is a wall of glued text: only strong terms count in it.
    if ((scanned.tokenEnds[candidate.firstToken] as number) - tokenStart > MAX_COMPOUND_SYMBOLS) {
      return candidate.output.strong;
    }
    const from = candidate.first - tokenStart;
    const to = candidate.last + 1 - tokenStart;
    // An inflected form is a part only at the end of the word ("assfucker", not "perver|sities").
    if (!candidate.output.base && candidate.last + 1 !== (scanned.tokenEnds[candidate.firstToken] as number))
      return false;
    const part = candidate.output.compoundPart;
    if (part === CompoundPart.None) return false;
    if (part === CompoundPart.First) {
      // An ordinary word as first part, followed by the head of an insult ("knob|head",
      // "arse|hat", "dick|bag"), not by any word ("cock|pit", "homo|chrome", "squaw|berry").
      if (from !== 0) return false;
      const tokenEnd = scanned.ends[(scanned.tokenEnds[candidate.firstToken] as number) - 1] as number;
      const rest = plainForm(this.decidingText.slice(scanned.ends[candidate.last] as number, tokenEnd));
      if (!isInsultHead(rest.replace(/\d+$/u, ""))) return false;
    } else {
      // Read once per word, and only for a part that may stand anywhere: the reading is the
      // costliest step of deciding.
      const languages = candidate.output.compoundLanguages;
      word.compounds ??= new Map();
      let reading = word.compounds.get(languages);
      if (!reading) {
        const inWord: TermPiece[] = this.candidates.filter(
          (c) =>
            c.firstToken === candidate.firstToken && (c.kind === HitKind.Inner || c.kind === HitKind.Whole),
        );
        const parts = inWord.filter((c) => c.output.compoundPart !== CompoundPart.None);
        reading = this.compounds.read(scanned, candidate.firstToken, parts, inWord, languages);
        word.compounds.set(languages, reading);
      }
      if (reading.innocent || reading.reachable[from] !== 1 || reading.completes[to] !== 1) return false;
      // Function words alone beside the term make no compound ("shit|her", "or|ecchi|on").
      if (reading.reachableContent[from] !== 1 && reading.completesContent[to] !== 1) return false;
      // A term of another language glued to English words alone makes none either: "bird|cazzo"
      // and "cona|bird" are no Italian or Portuguese compounds. A language without a word list
      // cannot tell its words from English ones (romanized Hindi's syllables are often English
      // words), so its terms keep words of any list ("kutta|face").
      const own = candidate.output.language;
      if (
        languages !== ENGLISH_LIST &&
        own !== 0 &&
        (((reading.reachableNative[from] as number) | (reading.completesNative[to] as number)) & own) === 0
      )
        return false;
    }
    // A part read loosely ("twatt" for "twat") counts only in a word that is obfuscated anyway.
    const written = this.partText(candidate, scanned);
    return plainForm(written) === candidate.output.written || word.obfuscated;
  }

  /** Token `token` of the text being decided, as written. */
  private writtenWord(token: number, scanned: ScannedText): string {
    return this.decidingText.slice(
      scanned.starts[scanned.tokenStarts[token] as number] as number,
      scanned.ends[(scanned.tokenEnds[token] as number) - 1] as number,
    );
  }

  private partText(candidate: Candidate, scanned: ScannedText): string {
    return this.decidingText.slice(
      scanned.starts[candidate.first] as number,
      scanned.ends[candidate.last] as number,
    );
  }

  private record(
    candidate: Candidate,
    text: string,
    field: string,
    scanned: ScannedText,
    out: TermHit[][],
  ): void {
    const { output } = candidate;
    const start = scanned.starts[candidate.first] as number;
    const end = scanned.ends[candidate.last] as number;
    const added = addHit(out, output.slot, output.term, field, text, start, end, output.normalized);
    if (added === HIT_DROPPED) this.hitsCapped = true;
    else if (added !== undefined && this.knownWords)
      this.recorded.push({ token: candidate.firstToken, hit: added, slot: output.slot });
  }

  private isSymbolTerm(needle: string): boolean {
    const scanned = this.termScanner.scan(needle, this.termBuffer);
    if (scanned.tokenCount === 0) return true;
    // "$#!+" would fold to one letter: a term is its symbols, not what is left of them.
    // Letters, digits and the vowel signs that are letters in their script ("ขี้" is one word).
    const letters = [...needle].filter((char) => /[\p{L}\p{M}\p{N}]/u.test(char)).length;
    return letters * 2 < [...needle.replace(/\s+/g, "")].length;
  }

  /** Every automaton path of a term: one per reading of its ambiguous leet characters. */
  private termPaths(term: string, path: Path): Array<{ keys: number[]; normalized: string }> {
    const scanned = this.termScanner.scan(term, this.termBuffer);
    // Each position: its possible (edge key, display text) readings; the boundary between words
    // is a position with one reading.
    const positions: Array<ReadonlyArray<readonly [number, string]>> = [];
    let variantCount = 1;
    for (let t = 0; t < scanned.tokenCount; t++) {
      if (t > 0) positions.push([[BOUNDARY_KEY, " "]]);
      for (let i = scanned.tokenStarts[t] as number; i < (scanned.tokenEnds[t] as number); i++) {
        const symbol = scanned.symbols[i] as number;
        const doubled = (scanned.runs[i] as number) >= 2;
        const readings = readingsOf(symbol) ?? [symbol];
        positions.push(
          readings.map((r) => [edgeKey(r, doubled), symbolText(r).repeat(doubled ? 2 : 1)] as const),
        );
        variantCount *= readings.length;
      }
    }
    if (variantCount > MAX_VARIANTS_PER_TERM) {
      throw new SpecError(
        path,
        `term "${term}" has too many leetspeak readings (over ${MAX_VARIANTS_PER_TERM})`,
      );
    }
    const variants: Array<{ keys: number[]; normalized: string }> = [];
    // Odometer over the readings: variant v picks reading (v / stride) % count at each position.
    for (let v = 0; v < variantCount; v++) {
      const keys: number[] = [];
      const texts: string[] = [];
      let stride = 1;
      for (const readings of positions) {
        const [key, text] = readings[Math.floor(v / stride) % readings.length] as readonly [number, string];
        stride *= readings.length;
        keys.push(key);
        texts.push(text);
      }
      // Joined, not appended: a string built a character at a time is a chain of one V8 object
      // per character (32 bytes each) for as long as the automaton keeps it.
      variants.push({ keys, normalized: texts.join("") });
    }
    return variants;
  }
}

/**
 * A term shorter than this is never read inside a compound ("ho" in "shoe", "perv" in
 * "pervagate"), unless it holds a root that is never innocent ("fuck" in "fuckface").
 */
const MIN_COMPOUND_PART = 5;
/** Words shorter than this hold no compound (a part has at least four letters, plus one more). */
const MIN_INSIDE_WORD = 5;
/** Shorter terms are not put to the vote: "x" or "en" are no evidence of anything. */
const MIN_VOTED_TERM = 4;
/** Votes another language needs beyond English's to be the message's language. */
const LANGUAGE_MARGIN = 2;
/** Words read to tell a message's language: enough for a chat message, bounded for a long one. */
const MAX_LANGUAGE_VOTES = 64;
/** Characters either side of a hit that ICU segments to find its word boundaries. */
const SEGMENT_CONTEXT = 16;
/** Characters segmented per text at most: ICU costs microseconds a character. */
const MAX_SEGMENTED_PER_TEXT = 2048;
/** An ordinary word that is a term, in first place ("dick|head", "cum|stain"): three letters will do. */
const MIN_FIRST_PART = 3;
/** MIN_COMPOUND_PART for a term of another language than English, whose dictionary is smaller. */
const MIN_FOREIGN_COMPOUND_PART = 4;
/** Words of one text that teach the known words (see learnWords). */
const MAX_TAUGHT_WORDS = 64;
/** Words whose facts are kept across messages, at full share (see word-facts.ts). */
const WORD_CORES = 4096;
/** Tokens whose facts array is kept from one decision to the next (a longer one is dropped). */
const MAX_KEPT_FACTS = 1024;
/** Longer words are not read as compounds (a wall of glued text): see inCompound. */
const MAX_COMPOUND_SYMBOLS = 64;

/**
 * True when `plain` spells `written`, give or take letters stretched to three or more ("fuuuucked"
 * is "fucked" as written, "fuucked" and "millfeed" are not).
 */
export function readsAsWritten(plain: string, written: string): boolean {
  return plain === written || unstretched(plain) === written;
}

/**
 * True when `word` (as written, in lower case) is `written` (a term's plain form) with one or more
 * of its single letters doubled, and nothing else: "conna" for "cona". A letter stretched to
 * three or more is not doubled, and two letters are one doubled only when written alike: "ée" in
 * "baisée" is no doubled "e".
 */
export function withDoubledLetters(word: string, written: string): boolean {
  const chars = [...word];
  const letters = [...written];
  if (chars.length <= letters.length) return false;
  let i = 0;
  let j = 0;
  while (i < chars.length && j < letters.length) {
    const letter = letters[j] as string;
    let letterEnd = j + 1;
    while (letterEnd < letters.length && letters[letterEnd] === letter) letterEnd++;
    const char = chars[i] as string;
    if (plainForm(char) !== letter) return false;
    let charEnd = i + 1;
    while (charEnd < chars.length && chars[charEnd] === char) charEnd++;
    const want = letterEnd - j;
    const got = charEnd - i;
    if (got !== want && !(want === 1 && got === 2)) return false;
    i = charEnd;
    j = letterEnd;
  }
  return i === chars.length && j === letters.length;
}

/** Runs of three or more of one character read as one. */
function unstretched(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    let end = i + 1;
    while (end < text.length && text[end] === char) end++;
    out += end - i >= 3 ? char : text.slice(i, end);
    i = end;
  }
  return out;
}

const unspacedWords = new WeakMap<ReadonlySet<string>, readonly string[]>();

/** The words of an allow-list written in a script without spaces, worked out once per list. */
function unspacedWordsOf(allow: ReadonlySet<string>): readonly string[] {
  let words = unspacedWords.get(allow);
  if (!words) {
    words = [...allow].filter(hasUnspacedScript);
    unspacedWords.set(allow, words);
  }
  return words;
}

/** What addHit answers when the condition already holds MAX_HITS_PER_CONDITION hits. */
const HIT_DROPPED = null;

/**
 * Appends a hit of `term` at text[start, end) to `out[slot]`: the hit added, undefined when the
 * same span was already reached by another reading (a '1' read as i and as l), HIT_DROPPED when
 * the condition holds all the hits it keeps.
 */
function addHit(
  out: TermHit[][],
  slot: number,
  term: number,
  field: string,
  text: string,
  start: number,
  end: number,
  normalized: string,
): TermHit | undefined | typeof HIT_DROPPED {
  let list = out[slot];
  if (!list) {
    list = [];
    out[slot] = list;
  }
  if (list.length >= MAX_HITS_PER_CONDITION) return HIT_DROPPED;
  for (let i = list.length - 1; i >= 0; i--) {
    const seen = list[i] as TermHit;
    if (seen.field !== field) break;
    if (seen.term === term && seen.start === start && seen.end === end) return undefined;
  }
  const hit = { term, field, start, end, original: text.slice(start, end), normalized };
  list.push(hit);
  return hit;
}

/** Candidates by word, whole words before their parts. */
function byWordThenKind(a: Candidate, b: Candidate): number {
  return a.firstToken - b.firstToken || a.kind - b.kind;
}

/** Below this many, an insertion sort: a text has a candidate or two, where Array.sort's setup dominates. */
const INSERTION_SORT_MAX = 16;

/** Sorts `candidates` in place by byWordThenKind, stably. */
function sortCandidates(candidates: Candidate[]): Candidate[] {
  if (candidates.length > INSERTION_SORT_MAX) return candidates.sort(byWordThenKind);
  for (let i = 1; i < candidates.length; i++) {
    const candidate = candidates[i] as Candidate;
    let j = i - 1;
    while (j >= 0 && byWordThenKind(candidates[j] as Candidate, candidate) > 0) {
      candidates[j + 1] = candidates[j] as Candidate;
      j--;
    }
    candidates[j + 1] = candidate;
  }
  return candidates;
}

/** True when the word is an ordinary word of a language other than the term's own. */
function shields(word: WordFacts, output: TermOutput): boolean {
  return (word.languages & ~output.language) !== 0;
}

/** Digits and symbols that stand for letters (see substitutions.ts): a phrase using one is obfuscated. */
const SUBSTITUTED = new RegExp(
  `[\\d${SUBSTITUTIONS.map((s) => s.char.replace(/[\\^$*+?.()|[\]{}-]/g, "\\$&")).join("")}]`,
  "u",
);

/** A phrase's words in plain form, one space apart. */
function phraseForm(text: string): string {
  return plainForm(text)
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, " ")
    .trim();
}

/** Scripts whose terms match only text written in them (after folding they could pass for Latin). */
const SCRIPTS: RegExp[] = [/\p{Script=Cyrillic}/u, /\p{Script=Greek}/u, /\p{Script=Armenian}/u];

function scriptOf(plain: string): RegExp | undefined {
  return SCRIPTS.find((script) => script.test(plain));
}

function symbolText(symbol: number): string {
  if (symbol === SYMBOL_I_OR_L) return "i";
  if (symbol > 0xffff) return "*";
  return String.fromCharCode(symbol);
}

/** Terms are identified by TermOutput; re-exported for callers that only need the shape. */
export type { TermOutput };
