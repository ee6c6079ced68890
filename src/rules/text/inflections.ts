import { STRONG_ROOTS } from "./lexicon.ts";

// The forms a term takes in running text, by language (or, for a term whose language is not
// known, by its script). A term matches each of its forms as a whole word; the forms are
// compiled into the same trie as the terms, so they cost nothing per message.
//
// Only regular, productive endings are listed: a form that is also an innocent word ("cumin"
// from "cum" + "in") is caught by the allow-list, which wins over every form.

/** English: plural, -ed, -er(s), -ing / -in, -ish, -y / -ie(s). An apostrophe ends a word, so "fuck's" and "fuckin'" need no form of their own. */
const ENGLISH_ENDINGS = [
  "s",
  "es",
  "ed",
  "er",
  "ers",
  "ing",
  "ings",
  "in",
  "ish",
  "y",
  "ie",
  "ies",
  "ier",
  "iest",
];
const Y_ENDINGS = new Set(["y", "ie", "ies", "ier", "iest"]);
/**
 * Endings that make another word rather than a form of the same one: the agent noun and the
 * adjectives ("-er", "-ish", "-y"). A term that is a common English word does not take them (see
 * inflectedForms).
 */
const DERIVATIONAL_ENDINGS = new Set(["er", "ers", "r", "rs", "ish", "y", "ie", "ies", "ier", "iest"]);
/** Endings of a verb: its past, its participle and its agent ("fucked", "fucking", "fucker"). */
const VERB_ENDINGS = new Set(["ed", "d", "ied", "ing", "ings", "in", "er", "ers", "r", "rs"]);
/** After a final consonant doubled ("shit" → "shitty", "fag" → "fagging"). */
const ENGLISH_DOUBLING_ENDINGS = ["ed", "er", "ers", "ing", "in", "ish", "y", "ies", "ier", "iest"];

/** German: adjective and noun endings (compounds are found by the compound reader). */
const GERMAN_ENDINGS = ["e", "en", "er", "es", "em", "n", "s", "ern"];
/** German verbs: present and past endings after the stem. */
const GERMAN_VERB_ENDINGS = ["e", "st", "t", "et", "te", "ten", "tet", "test", "end"];
/** Romance languages: plurals and gender. */
const ROMANCE_ENDINGS = ["s", "es"];

/** Russian and Ukrainian noun and adjective case endings, after the stem. */
const SLAVIC_ENDINGS = [
  "а",
  "у",
  "ы",
  "е",
  "ой",
  "ою",
  "и",
  "ам",
  "ами",
  "ах",
  "ом",
  "ем",
  "ов",
  "ев",
  "ей",
  "ю",
  "я",
  "ям",
  "ями",
  "ях",
  "ь",
  "ий",
  "ая",
  "ое",
  "ые",
  "ого",
  "ому",
  "ую",
];
const SLAVIC_FINAL_VOWELS = /[аяоеьйыиу]$/u;

/** Korean particles and suffixes written attached to a noun ("병신들", "병신아", "개새끼들아"). */
const KOREAN_SUFFIXES = [
  "들",
  "아",
  "야",
  "이",
  "가",
  "은",
  "는",
  "을",
  "를",
  "의",
  "에",
  "에게",
  "한테",
  "도",
  "만",
  "랑",
  "이랑",
  "과",
  "와",
  "이다",
  "이야",
  "이냐",
  "이네",
  "같은",
  "새끼",
  "놈",
  "년",
  "짓",
  "들아",
  "들이",
  "들은",
  "들을",
  "들의",
  "들도",
  "들한테",
];

/** Arabic: the article and conjunctions/prepositions written attached in front. */
const ARABIC_PREFIXES = ["", "ال", "و", "ف", "ب", "ك", "ل", "وال", "فال", "بال", "كال", "لل", "ولل", "يا"];
/** Arabic: pronoun and plural suffixes. */
const ARABIC_SUFFIXES = ["", "ه", "ها", "هم", "ك", "كم", "ي", "ين", "ون", "ات", "ة"];
const TA_MARBUTA = /[ةه]$/u;

const SCRIPT_TESTS: Array<[language: string, test: RegExp]> = [
  ["ko", /\p{Script=Hangul}/u],
  ["ar", /\p{Script=Arabic}/u],
  ["ru", /\p{Script=Cyrillic}/u],
  ["en", /^[\p{Script=Latin}\p{N}\p{P}\p{Zs}$@*!|]+$/u],
];

/** The language whose endings a term takes: the one given, else guessed from its script. */
export function inflectionLanguage(term: string, language: string | undefined): string | undefined {
  if (language) return language;
  for (const [guess, test] of SCRIPT_TESTS) if (test.test(term)) return guess;
  return undefined;
}

const LATIN_LETTER_END = /\p{Script=Latin}$/u;
const ALPHABETIC = /^[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}]+$/u;
const VOWELS = new Set([..."aeiou"]);

/** Endings that make a plural: a plural is as much the term as the term itself ("cocks"). */
export function isPluralOf(form: string, term: string): boolean {
  const rest = form.slice(term.length);
  return form.startsWith(term) && (rest === "s" || rest === "es");
}

/** What a term's forms may include beyond its inflections. */
export interface FormOptions {
  /**
   * English "-er", "-ish" and "-y" ("fucker", "twattish", "shitty"); true unless said. A common
   * English word made into another word by them names something of its own ("pricker",
   * "prickly", "chinker", "cocky"), so a caller leaves them out for such a term.
   */
  derivations?: boolean;
  /**
   * English verb endings ("-ed", "-ing", "-in", "-er"); true unless said. A word the dictionary
   * knows only as a noun takes none ("swastikaed" is no form of "swastika").
   */
  verb?: boolean;
}

/** The term and its inflected forms (the term first). Multi-word terms inflect their last word. */
export function inflectedForms(term: string, language?: string, options: FormOptions = {}): string[] {
  const derivations = options.derivations ?? true;
  const verb = options.verb ?? true;
  const lang = inflectionLanguage(term, language);
  // A phrase ending in a short word is fixed ("go die", never "go dies"; "s&m", never "s my"),
  // and so is a word of one or two letters.
  const parts = term
    .trim()
    .split(/[^\p{L}\p{M}]+/u)
    .filter((part) => part.length > 0);
  const last = parts.at(-1) ?? "";
  // Letters of alphabets only: a Hangul syllable or a Han character is a word on its own.
  if (ALPHABETIC.test(last) && last.length <= (parts.length > 1 ? 3 : 2)) return [term];
  // A phrase takes only its plural ("golden showers", never "baby battery").
  if (parts.length > 1) {
    const lower = term.toLowerCase();
    return lang === "en" && LATIN_LETTER_END.test(lower)
      ? [term, lower + (/(?:s|x|z|ch|sh)$/.test(lower) ? "es" : "s")]
      : [term];
  }
  const forms = new Set<string>([term]);
  const add = (form: string) => forms.add(form);
  const lower = term.toLowerCase();
  switch (lang) {
    case "en": {
      if (!LATIN_LETTER_END.test(lower)) break;
      // A sibilant takes "-es" for its plural: "asses", never "asss".
      const sibilant = /(?:s|x|z|ch|sh)$/.test(lower);
      // Short words make innocent words with "-y" and "-ie" ("cocky", "dickie", "coony"): only
      // longer terms, and roots that are never innocent ("shitty", "bitchy"), take them.
      const takesY = lower.length >= 5 || STRONG_ROOTS.some((root) => lower.includes(root));
      const allowed = (ending: string) =>
        (takesY || !Y_ENDINGS.has(ending)) &&
        (derivations || !DERIVATIONAL_ENDINGS.has(ending)) &&
        (verb || !VERB_ENDINGS.has(ending));
      const last = lower.at(-1) as string;
      // A final silent e: "rape" → "rapes", "raped", "raper", "raping" (never "rapeed").
      if (last === "e") {
        for (const ending of ["s", "d", "r", "rs"]) if (allowed(ending)) add(lower + ending);
        for (const ending of ["ing", "in", "ish", "y"]) if (allowed(ending)) add(lower.slice(0, -1) + ending);
      } else {
        for (const ending of ENGLISH_ENDINGS)
          if (!(sibilant && ending === "s") && allowed(ending)) add(lower + ending);
      }
      const beforeLast = lower.at(-2) ?? "";
      if (!VOWELS.has(last) && last !== "y" && last !== "w" && last !== "x" && VOWELS.has(beforeLast)) {
        for (const ending of ENGLISH_DOUBLING_ENDINGS) if (allowed(ending)) add(lower + last + ending);
      }
      if (last === "y" && !VOWELS.has(beforeLast))
        // "-ies" is the plural; "-ied" the past, "-ier" the agent.
        for (const ending of ["ies", "ied", "ier"])
          if (ending === "ies" || (ending === "ied" ? verb : derivations)) add(lower.slice(0, -1) + ending);
      break;
    }
    case "de": {
      if (!LATIN_LETTER_END.test(lower)) break;
      for (const ending of GERMAN_ENDINGS) add(lower + ending);
      if (lower.endsWith("s")) for (const ending of ["se", "sen"]) add(lower + ending);
      // A verb: its present and past forms ("ficken" → "fickt", "pinkeln" → "pinkelt").
      const verb = /(?:el|er)n$/.test(lower)
        ? lower.slice(0, -1)
        : lower.endsWith("en")
          ? lower.slice(0, -2)
          : undefined;
      if (verb && verb.length >= 3) {
        for (const ending of GERMAN_VERB_ENDINGS) add(verb + ending);
        add(`ge${verb}t`);
      }
      break;
    }
    case "es":
    case "fr":
    case "it":
    case "pt":
      if (LATIN_LETTER_END.test(lower)) for (const ending of ROMANCE_ENDINGS) add(lower + ending);
      break;
    case "ru":
    case "uk": {
      if (!/\p{Script=Cyrillic}$/u.test(lower)) break;
      const stem = SLAVIC_FINAL_VOWELS.test(lower) && lower.length > 3 ? lower.slice(0, -1) : lower;
      for (const ending of SLAVIC_ENDINGS) add(stem + ending);
      break;
    }
    case "ko":
      if (/\p{Script=Hangul}$/u.test(lower)) for (const suffix of KOREAN_SUFFIXES) add(lower + suffix);
      break;
    case "ar": {
      // A two-letter term takes no affixes: they make ordinary words of it ("زب" in "الزبون").
      if (lower.includes(" ") || [...lower].length < 3) break;
      const stem = TA_MARBUTA.test(lower) ? lower.slice(0, -1) : lower;
      const bases = stem === lower ? [lower] : [lower, stem];
      for (const prefix of ARABIC_PREFIXES) {
        for (const base of bases) {
          for (const suffix of ARABIC_SUFFIXES) {
            if (base === stem && stem !== lower && suffix === "") continue;
            add(prefix + base + suffix);
          }
        }
      }
      break;
    }
  }
  return [...forms];
}
