// "languages" section of the rules benchmark: LDNOOBW's lists for ten languages
// (../shared/data/ldnoobw/<lang>.txt, read where they lie), each term put into sentences the way
// that language writes it, and innocent sentences in each language. The built-in rules judge them.
//
// What "the way that language writes it" means here (language-samples.ts holds the sentences):
// - zh, ja, th: no spaces between words; the term is glued between the words around it;
// - ko: particles and suffixes attached to the term (이/가, 은/는, 을/를, 아/야 chosen by the
//   final consonant, 들, 같은, 새끼 after insults for people);
// - ar: the article and conjunctions as prefixes (ال و وال فال بال لل), ة→ات plurals and the
//   pronoun suffixes ك/ها, and tatweel (U+0640) elongation in a third of the sentences;
// - de: compounds with Voll-, Drecks-, Riesen-, Scheiß-, Mega-, Ober-, plurals and genitives,
//   verbs conjugated or nominalized, adjectives declined;
// - ru: nouns in other cases (-у -и -ы -ой -ом -ами...), verbs in the infinitive, adjectives
//   declined; the list's transliterated terms in transliterated sentences;
// - es, fr: natural sentences with spaces, plurals; hi: romanized (Hinglish) sentences.
// Multi-word terms are kept as written. Templates carry no term (checked below), so a sentence is
// flagged for the term it was built around, and innocent sentences hold no form of any term as a
// word of their own; many contain a term inside a longer word, or across two words (checked too:
// the count is printed).
import { builtInRuleSet, type RuleSet } from "../../src/rules/index.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { INNOCENT_SENTENCES, LANGUAGE_NAMES, type LanguageCode, TEMPLATES } from "./language-samples.ts";
import { readCases, requireDataDir, SHARED_DATA_DIR } from "./outside-lists.ts";
import { evaluateText, percent, printTable, verdict, writeDump } from "./rules-bench-support.ts";

const LDNOOBW_DIR = `${SHARED_DATA_DIR}ldnoobw/`;
const ENGLISH_LIST = `${SHARED_DATA_DIR}ldnoobw-en.txt`;
const SENTENCES_PER_TERM = 3;
const LANGUAGES: readonly LanguageCode[] = ["ar", "de", "es", "fr", "hi", "ja", "ko", "ru", "th", "zh"];
const RECALL_TARGETS: Partial<Record<LanguageCode, number>> = {
  zh: 0.9,
  ja: 0.9,
  th: 0.9,
  ko: 0.8,
  ar: 0.8,
  de: 0.8,
};
const MAX_INNOCENT_FLAGGED = 1;

/** One surface form of a term and the kind of template it fits. */
export interface Form {
  kind: string;
  text: string;
}

const capitalize = (s: string) => (s === "" ? s : s[0]?.toUpperCase() + s.slice(1));
const lastChar = (s: string) => s.slice(-1);

// ---- Chinese ---------------------------------------------------------------------------------

/** Whole curses ("操你妈", "他妈的") are quoted or shouted; only the rest can be what someone "is". */
const zhForms = (term: string): Form[][] => [
  [{ kind: /[你妳您他她它我]|[的地]$/.test(term) ? "phrase" : "any", text: term }],
];

// ---- Thai ------------------------------------------------------------------------------------

/** The list spells SARA AM as NIKHAHIT + SARA AA (U+0E4D U+0E32); Thai text uses U+0E33. */
const thaiAsWritten = (term: string) => term.replaceAll("\u0e4d\u0e32", "\u0e33");

// ---- Korean ----------------------------------------------------------------------------------

/** Insults for people: they take the vocative (아/야) and 새끼. */
// biome-ignore format: a word list reads better packed
const KO_PEOPLE = new Set([
  "개새끼", "개자식", "계집년", "고자", "또라이", "뙤놈", "미친새끼", "바바리맨", "변태", "병신", "쌍놈",
  "씨발놈", "씹새끼", "암캐", "애자", "잡년", "종간나", "죽일년", "짱깨", "쪽바리", "창녀", "호로", "화냥년",
  "후레아들", "개차반", "개좆", "쥐좆", "희쭈그리",
]);
/** Interjections: said as they are, or with 같은 ("씨발같은 소리"). */
const KO_INTERJECTIONS = new Set(["씨발", "씨팔", "염병", "옘병", "니기미"]);
/** Not nouns at all: an adjective ("미친") and a verb ("뒤질래?"). */
const KO_ADJECTIVE = new Set(["미친"]);
const KO_VERB = new Set(["뒤질래"]);

function hasFinalConsonant(word: string): boolean {
  const code = lastChar(word).charCodeAt(0);
  return code >= 0xac00 && code <= 0xd7a3 && (code - 0xac00) % 28 !== 0;
}

function koreanForms(term: string): Form[][] {
  if (KO_VERB.has(term)) return [[{ kind: "question", text: term }]];
  if (KO_ADJECTIVE.has(term)) return [[{ kind: "asis", text: term }]];
  if (KO_INTERJECTIONS.has(term))
    return [[{ kind: "asis", text: term }], [{ kind: "like", text: `${term}같은` }]];
  const batchim = hasFinalConsonant(term);
  const person = KO_PEOPLE.has(term);
  const particles: Form[] = [
    { kind: "subject", text: term + (batchim ? "이" : "가") },
    { kind: "topic", text: term + (batchim ? "은" : "는") },
    { kind: "object", text: term + (batchim ? "을" : "를") },
  ];
  if (person) particles.push({ kind: "vocative", text: term + (batchim ? "아" : "야") });
  const suffixes: Form[] = [
    { kind: "plural", text: `${term}들` },
    { kind: "like", text: `${term}같은` },
  ];
  if (person && !/(새끼|놈|년|자식)$/.test(term)) suffixes.push({ kind: "saekki", text: `${term}새끼` });
  return [particles, suffixes, [...particles, ...suffixes, { kind: "bare", text: term }]];
}

// ---- Arabic ----------------------------------------------------------------------------------

const AR_VERBS = new Set(["تمص"]);
/** Words for people: "يا …" and "كذاب و…" fit them only. */
// biome-ignore format: a word list reads better packed
const AR_PEOPLE = new Set([
  "عاهرة", "شرموطة", "قحبة", "متناك", "متناكة", "عرص", "خول", "لوطي", "شاذ", "سحاقية", "خنثي", "مفلقسة",
  "لبوة",
]);
const TATWEEL = "\u0640";
/** Letters that do not join the next one: no tatweel after them. */
const AR_NON_JOINING = new Set([..."اأإآدذرزوؤةءى"]);

function arabicForms(term: string): Form[][] {
  if (AR_VERBS.has(term)) {
    return [[{ kind: "verb", text: term }], [{ kind: "verbWa", text: `و${term}` }]];
  }
  const person = AR_PEOPLE.has(term);
  const prefixed: Form[] = [
    { kind: "al", text: `ال${term}` },
    ...(person ? [{ kind: "wa", text: `و${term}` }] : []),
    { kind: "wal", text: `وال${term}` },
    { kind: "fal", text: `فال${term}` },
    { kind: "bal", text: `بال${term}` },
    // لِ + الـ before a word starting with ل keeps two lams (للحس), otherwise three letters (للسكس).
    { kind: "lil", text: term.startsWith("ل") ? `ل${term}` : `لل${term}` },
  ];
  const stem = term.endsWith("ة") ? `${term.slice(0, -1)}ت` : term;
  const suffixed: Form[] = [
    { kind: "poss", text: `${stem}ك` },
    { kind: "poss", text: `${stem}ها` },
  ];
  if (term.endsWith("ة")) suffixed.push({ kind: "plural", text: `${term.slice(0, -1)}ات` });
  const bare: Form = { kind: person ? "barePerson" : "bare", text: term };
  return [prefixed, suffixed, [bare, ...prefixed, ...suffixed]];
}

/** Elongates one joining letter of `text` (not the last) with 2 to 5 tatweels. */
function elongate(text: string, random: () => number): string {
  const letters = [...text];
  const spots = letters
    .map((_, i) => i)
    .filter((i) => i < letters.length - 1 && !AR_NON_JOINING.has(letters[i] as string));
  if (spots.length === 0) return text;
  const at = spots[Math.floor(random() * spots.length)] as number;
  letters.splice(at + 1, 0, TATWEEL.repeat(2 + Math.floor(random() * 4)));
  return letters.join("");
}

// ---- German ----------------------------------------------------------------------------------

// biome-ignore format: a word list reads better packed
const DE_VERBS = new Set([
  "bumsen", "ficken", "kacken", "onanieren", "pimpern", "pinkeln", "pissen", "poppen", "schnackeln",
  "vögeln", "wichsen",
]);
const DE_ADJECTIVES = new Set(["nackt", "reudig"]);
/** Words for people: the vocative ("Halt die Klappe, du …!") fits them only. */
// biome-ignore format: a word list reads better packed
const DE_PEOPLE = new Set([
  "analritter", "arsch", "arschficker", "arschlecker", "arschloch", "bimbo", "bratze", "bonze", "dödel",
  "flittchen", "fotze", "hackfresse", "hure", "hurensohn", "ische", "kackbratze", "kampflesbe", "kanake",
  "lümmel", "milf", "neger", "nigger", "nutte", "pisser", "schabracke", "schlampe", "scheisser", "schiesser",
  "schwanzlutscher", "schwuchtel", "vollpfosten", "wichser",
]);
const DE_PREFIXES = ["Voll", "Drecks", "Riesen", "Scheiß", "Mega", "Ober"];
/** Plurals a suffix rule gets wrong (umlaut, -e, Latin). */
const DE_PLURALS: Record<string, string> = {
  arsch: "Ärsche",
  arschloch: "Arschlöcher",
  hurensohn: "Hurensöhne",
  kackwurst: "Kackwürste",
  penis: "Penisse",
  orgasmus: "Orgasmen",
  fick: "Ficks",
};
/** Already plural in the list. */
const DE_PLURAL_ONLY = new Set(["titten", "möpse"]);
/** Feminine nouns in -el/-er: no genitive -s. */
const DE_FEMININE_EL = new Set(["schwuchtel"]);

function germanForms(term: string): Form[][] {
  const lower = term.toLowerCase();
  if (DE_VERBS.has(lower)) {
    const stem = /(eln|ern)$/.test(lower) ? lower.slice(0, -1) : lower.slice(0, -2);
    return [
      [{ kind: "infinitive", text: lower }],
      [{ kind: "nominal", text: capitalize(lower) }],
      [{ kind: "thirdPerson", text: `${stem}t` }],
    ];
  }
  if (DE_ADJECTIVES.has(lower)) {
    const declined: Form[] = [
      { kind: "adjE", text: `${lower}e` },
      { kind: "adjEn", text: `${lower}en` },
      { kind: "adjEr", text: `${lower}er` },
    ];
    return [[{ kind: "adjective", text: lower }], declined, declined];
  }
  const allCaps = term === term.toUpperCase();
  const noun = allCaps ? term : capitalize(lower);
  const nounKind = DE_PEOPLE.has(lower) ? "person" : "noun";
  if (DE_PLURAL_ONLY.has(lower)) {
    return [
      [{ kind: "plural", text: noun }],
      DE_PREFIXES.map((p) => ({ kind: "plural", text: p + lower })),
      [{ kind: "plural", text: noun }],
    ];
  }
  const compounds: Form[] = allCaps
    ? [{ kind: nounKind, text: noun }]
    : DE_PREFIXES.filter((p) => !(p === "Scheiß" && lower.startsWith("schei"))).map((p) => ({
        kind: nounKind,
        text: p + lower,
      }));
  const inflected: Form[] = [];
  const irregular = DE_PLURALS[lower];
  if (irregular !== undefined) inflected.push({ kind: "plural", text: irregular });
  if (allCaps) inflected.push({ kind: "plural", text: `${noun}s` });
  else if (lower.endsWith("e")) inflected.push({ kind: "plural", text: `${noun}n` });
  else if (/(er|el)$/.test(lower)) {
    if (DE_FEMININE_EL.has(lower)) inflected.push({ kind: "plural", text: `${noun}n` });
    else inflected.push({ kind: "genitive", text: `${noun}s` }, { kind: "dativePlural", text: `${noun}n` });
  } else if (/[aeiouy]$/.test(lower)) inflected.push({ kind: "plural", text: `${noun}s` });
  else if (/(s|ß|x|z|sch)$/.test(lower)) inflected.push({ kind: "genitive", text: `${noun}es` });
  else inflected.push({ kind: "genitive", text: `${noun}s` });
  return [[{ kind: nounKind, text: noun }], compounds, inflected];
}

// ---- Russian ---------------------------------------------------------------------------------

const RU_ADVERBS = new Set(["охуительно", "хуёво"]);
/** Words for people: "Ну ты и …!" and "Они все оказались …" fit them only. */
// biome-ignore format: a word list reads better packed
const RU_PEOPLE = new Set([
  "бздёнок", "блядь", "гандон", "говнюк", "ёбарь", "жополиз", "мандавошка", "мент", "мудило", "мудозвон",
  "хохол", "хуеплет", "хуило", "опесдол",
  "bychara", "byk", "dolboy'eb", "mudack", "padlo", "pedik", "petuh", "pizd'uk", "raz'yebuy", "raz'yoba",
  "shalava", "styervo", "svoloch", "ubl'yudok", "vyperdysh", "zasranetc",
]);
const RU_MASCULINE_SOFT = new Set(["ёбарь"]);
/** Stems that drop their last vowel when declined (бздёнок → бздёнка). */
const RU_FLEETING: Record<string, string> = { бздёнок: "бздёнк", хохол: "хохл", бугор: "бугр" };

const afterVelarOrSibilant = (stem: string) => /[гкхжшщч]$/.test(stem);

/** nom, gen, instr, instrumental plural and (feminine only) accusative of a Cyrillic noun. */
function russianNounForms(noun: string): Form[][] {
  let gen: string;
  let instr: string;
  let instrPl: string;
  let acc: string | undefined;
  if (noun.endsWith("а")) {
    const stem = noun.slice(0, -1);
    gen = stem + (afterVelarOrSibilant(stem) ? "и" : "ы");
    instr = `${stem}ой`;
    instrPl = `${stem}ами`;
    acc = `${stem}у`;
  } else if (noun.endsWith("я")) {
    const stem = noun.slice(0, -1);
    gen = `${stem}и`;
    instr = `${stem}ей`;
    instrPl = `${stem}ями`;
    acc = `${stem}ю`;
  } else if (noun.endsWith("о")) {
    const stem = noun.slice(0, -1);
    gen = `${stem}а`;
    instr = `${stem}ом`;
    instrPl = `${stem}ами`;
  } else if (noun.endsWith("ь") && !RU_MASCULINE_SOFT.has(noun)) {
    const stem = noun.slice(0, -1);
    gen = `${stem}и`;
    instr = `${stem}ью`;
    instrPl = `${stem}ями`;
  } else if (noun.endsWith("ь") || noun.endsWith("й")) {
    const stem = noun.slice(0, -1);
    gen = `${stem}я`;
    instr = `${stem}ем`;
    instrPl = `${stem}ями`;
  } else {
    const stem = RU_FLEETING[noun] ?? noun;
    gen = `${stem}а`;
    instr = `${stem}ом`;
    instrPl = `${stem}ами`;
  }
  const oblique: Form[] = [
    { kind: "gen", text: gen },
    { kind: "instr", text: instr },
  ];
  if (acc !== undefined) oblique.push({ kind: "acc", text: acc });
  if (!RU_PEOPLE.has(noun)) return [[{ kind: "nomThing", text: noun }], oblique, oblique];
  return [[{ kind: "nom", text: noun }], oblique, [{ kind: "instrPl", text: instrPl }, ...oblique]];
}

/** The list's transliterated terms: declined the same way in Latin letters, else as written. */
function transliteratedForms(term: string): Form[][] {
  if (/\s/.test(term) || /^(otsosi|ot'ebis|poeben|gol|zaebis|u'ebitsche)$/.test(term))
    return [[{ kind: "tQuote", text: term }]];
  if (/(at|et|it|t'|sya|sja)$/.test(term) || /^(osto'eblo)$/.test(term))
    return [[{ kind: "tVerb", text: term }]];
  if (/(yi|y|iy)$/.test(term) || /^(pizdato|ostokhuitel'no)$/.test(term))
    return [[{ kind: "tQuote", text: term }]];
  if (term === "svoloch") {
    const oblique = [
      { kind: "tGen", text: "svolochi" },
      { kind: "tInstr", text: "svoloch'yu" },
    ];
    return [[{ kind: "tNom", text: term }], oblique, [{ kind: "tInstrPl", text: "svolochami" }, ...oblique]];
  }
  let gen: string;
  let instr: string;
  let instrPl: string;
  let acc: string | undefined;
  if (term.endsWith("a")) {
    const stem = term.slice(0, -1);
    gen = stem + (/(k|g|h|zh|sh|ch)$/.test(stem) ? "i" : "y");
    instr = `${stem}oi`;
    instrPl = `${stem}ami`;
    acc = `${stem}u`;
  } else if (term.endsWith("o")) {
    const stem = term.slice(0, -1);
    gen = `${stem}a`;
    instr = `${stem}om`;
    instrPl = `${stem}ami`;
  } else if (term.endsWith("y")) {
    const stem = term.slice(0, -1);
    gen = `${stem}ya`;
    instr = `${stem}em`;
    instrPl = `${stem}yami`;
  } else {
    const stem = term.endsWith("ok") ? `${term.slice(0, -2)}k` : term;
    gen = `${stem}a`;
    instr = `${stem}om`;
    instrPl = `${stem}ami`;
  }
  const oblique: Form[] = [
    { kind: "tGen", text: gen },
    { kind: "tInstr", text: instr },
  ];
  if (acc !== undefined) oblique.push({ kind: "tAcc", text: acc });
  if (!RU_PEOPLE.has(term)) return [[{ kind: "tNomThing", text: term }], oblique, oblique];
  return [[{ kind: "tNom", text: term }], oblique, [{ kind: "tInstrPl", text: instrPl }, ...oblique]];
}

function russianForms(term: string): Form[][] {
  if (/^[a-z'`\s]+$/i.test(term)) return transliteratedForms(term);
  if (/\s/.test(term)) return [[{ kind: "quote", text: term }]];
  if (/(ть|ться|ти|тись)$/.test(term)) return [[{ kind: "verb", text: term }]];
  if (RU_ADVERBS.has(term)) return [[{ kind: "adverb", text: term }]];
  if (/(ый|ий)$/.test(term)) {
    const stem = term.slice(0, -2);
    const declined: Form[] = [
      { kind: "adjF", text: `${stem}ая` },
      { kind: "adjPl", text: `${stem}ые` },
      { kind: "adjGen", text: `${stem}ого` },
    ];
    return [[{ kind: "adjM", text: term }], declined, declined];
  }
  if (term.endsWith("и")) {
    return [[{ kind: "plNom", text: term }], [{ kind: "plInstr", text: `${term.slice(0, -1)}ами` }]];
  }
  return russianNounForms(term);
}

// ---- Spanish, French, Hindi ------------------------------------------------------------------

const stripFinalAccent = (s: string) =>
  s.replace(
    /([áéíóú])([^aeiouáéíóú]*)$/,
    (_, vowel: string, rest: string) => vowel.normalize("NFD")[0] + rest,
  );

function spanishPlural(word: string): string | undefined {
  if (/s$/.test(word)) return undefined;
  if (/[aeiouáéó]$/.test(word)) return `${word}s`;
  if (/[íú]$/.test(word)) return `${word}es`;
  if (/z$/.test(word)) return `${word.slice(0, -1)}ces`;
  // Stress on the last syllable loses its accent mark (cabrón → cabrones); imbécil keeps it.
  return `${/(ón|án|én|ín|és)$/.test(word) ? stripFinalAccent(word) : word}es`;
}

/** Words for people: "No me llames …" and "Vaya … hay aquí" fit them only. */
// biome-ignore format: a word list reads better packed
const ES_PEOPLE = new Set([
  "asno", "bastardo", "bollera", "cabrón", "chupapollas", "follador", "gilipichis", "gilipollas",
  "hija de puta", "hijaputa", "hijo de puta", "hijoputa", "idiota", "imbécil", "jilipollas", "kapullo",
  "lameculos", "maciza", "macizorra", "marica", "maricón", "mariconazo", "nazi", "pendejo", "pervertido",
  "prostituta", "puta", "racista", "ramera", "sádico", "soplagaitas", "soplapollas", "travesti", "tía buena",
]);

function spanishForms(term: string): Form[][] {
  const lower = term.toLowerCase();
  const person = ES_PEOPLE.has(lower);
  if (/\s/.test(lower)) return [[{ kind: person ? "person" : "phrase", text: lower }]];
  if (/(ar|er|ir)$/.test(lower)) return [[{ kind: "verb", text: lower }]];
  const plural = spanishPlural(lower);
  const bare: Form[] = [{ kind: person ? "person" : "any", text: lower }];
  if (plural === undefined) return [bare];
  return [bare, [{ kind: person ? "personPlural" : "plural", text: plural }]];
}

// biome-ignore format: a word list reads better packed
const FR_VERBS = new Set([
  "baiser", "bander", "branler", "chier", "déconner", "emmerder", "foutre", "gerber", "jouir", "palucher",
  "péter", "pisser", "ramoner", "tringler", "troncher",
]);

/** Words for people: "espèce de …" fits them only. */
// biome-ignore format: a word list reads better packed
const FR_PEOPLE = new Set([
  "branleur", "branleuse", "con", "connard", "connasse", "conne", "emmerdeur", "emmerdeuse", "enculé",
  "enculée", "enculeur", "enculeurs", "enfoiré", "enfoirée", "fille de pute", "fils de pute", "folle", "gouine",
  "grande folle", "grogniasse", "merdeuse", "merdeux", "nègre", "negro", "pédale", "pédé", "pouffiasse",
  "salaud", "salope", "tapette", "tanche",
]);

function frenchForms(term: string): Form[][] {
  const allCaps = term === term.toUpperCase();
  const word = allCaps ? term : term.toLowerCase();
  const person = FR_PEOPLE.has(word);
  if (/\s/.test(word) || allCaps) return [[{ kind: person ? "person" : "phrase", text: word }]];
  if (FR_VERBS.has(word)) return [[{ kind: "verb", text: word }]];
  const bare: Form[] = [{ kind: person ? "person" : "any", text: word }];
  if (/[sxz]$/.test(word)) return [bare];
  const plural = /(eau|eu)$/.test(word) ? `${word}x` : `${word}s`;
  return [bare, [{ kind: "plural", text: plural }]];
}

// ---- All languages ---------------------------------------------------------------------------

/** The forms of `term`, grouped: sentence i of a term takes a form from group i (cycling). */
export function termForms(language: LanguageCode, term: string): Form[][] {
  switch (language) {
    case "zh":
      return zhForms(term);
    case "ja":
      return [[{ kind: "any", text: term }]];
    case "th":
      return [[{ kind: "any", text: thaiAsWritten(term) }]];
    case "ko":
      return koreanForms(term);
    case "ar":
      return arabicForms(term);
    case "de":
      return germanForms(term);
    case "ru":
      return russianForms(term);
    case "es":
      return spanishForms(term);
    case "fr":
      return frenchForms(term);
    case "hi":
      return [[{ kind: /\s/.test(term) ? "phrase" : "any", text: term }]];
  }
}

function fill(language: LanguageCode, template: string, text: string): string {
  let sentence = template.replaceAll("{t}", text).replaceAll("{T}", capitalize(text));
  // French elides "de" before a vowel or mute h (espèce d'enculé, arrête d'emmerder).
  if (language === "fr") sentence = sentence.replace(/\bde ([aeiouyàâéèêîôûh])/giu, "d'$1");
  // A curse ending in 的 before the template's own 的 ("发他妈的的东西") says it once.
  if (language === "zh") sentence = sentence.replaceAll("的的", "的");
  return sentence;
}

export interface LanguageSentence {
  term: string;
  text: string;
}

/** SENTENCES_PER_TERM sentences per term, each a seeded choice of form and template. */
export function buildSentences(language: LanguageCode, terms: readonly string[]): LanguageSentence[] {
  const random = seededRandom(2024 + LANGUAGES.indexOf(language));
  const templates = TEMPLATES[language];
  const out: LanguageSentence[] = [];
  for (const term of terms) {
    const groups = termForms(language, term);
    const made = new Set<string>();
    for (let i = 0; i < SENTENCES_PER_TERM; i++) {
      const group = groups[i % groups.length] as Form[];
      let text = "";
      for (let attempt = 0; attempt < 8 && (text === "" || made.has(text)); attempt++) {
        const form = group[Math.floor(random() * group.length)] as Form;
        const choices = templates[form.kind];
        if (choices === undefined) throw new Error(`${language}: no template for form kind "${form.kind}"`);
        const surface = language === "ar" && random() < 1 / 3 ? elongate(form.text, random) : form.text;
        text = fill(language, choices[Math.floor(random() * choices.length)] as string, surface);
      }
      made.add(text);
      out.push({ term, text });
    }
  }
  return out;
}

const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
const fold = (s: string) => s.normalize("NFC").replaceAll(TATWEEL, "").toLowerCase();

/** Whether `needle` occurs in `text` with no letter, mark or digit right before or after it. */
function occursAsWord(text: string, needle: string): boolean {
  let from = text.indexOf(needle);
  while (from !== -1) {
    const before = text[from - 1];
    const after = text[from + needle.length];
    if ((before === undefined || !WORD_CHAR.test(before)) && (after === undefined || !WORD_CHAR.test(after)))
      return true;
    from = text.indexOf(needle, from + 1);
  }
  return false;
}

const UNSPACED: ReadonlySet<LanguageCode> = new Set(["zh", "ja", "th", "ko", "ar"]);

/**
 * The benchmark's own data must be fair: no template piece holds a term of its language (inside a
 * word too where words glue: zh ja th ko ar) or a term of the English list the built-in rules use,
 * and no innocent sentence holds any form the sentences use as a word of its own.
 */
function checkFairness(
  language: LanguageCode,
  terms: readonly string[],
  englishTerms: readonly string[],
): void {
  const folded = terms.map((t) => fold(language === "th" ? thaiAsWritten(t) : t));
  for (const kind of Object.keys(TEMPLATES[language])) {
    for (const template of TEMPLATES[language][kind] ?? []) {
      for (const piece of fold(template).split(/\{t\}/i)) {
        const hit = folded.find((t) => (UNSPACED.has(language) ? piece.includes(t) : occursAsWord(piece, t)));
        const english = englishTerms.find((t) => occursAsWord(piece, t));
        if (hit !== undefined || english !== undefined)
          throw new Error(`${language} template "${template}" contains the term "${hit ?? english}"`);
      }
    }
  }
  const forms = new Set<string>();
  for (const term of terms)
    for (const group of termForms(language, term)) for (const f of group) forms.add(fold(f.text));
  for (const sentence of INNOCENT_SENTENCES[language]) {
    const text = fold(sentence);
    for (const form of forms) {
      if (occursAsWord(text, form))
        throw new Error(`${language} innocent sentence "${sentence}" contains "${form}" as a word`);
    }
  }
}

interface LanguageResult {
  language: LanguageCode;
  terms: number;
  sentences: LanguageSentence[];
  missed: LanguageSentence[];
  termsCaught: number;
  innocent: number;
  innocentWithSubstring: number;
  innocentFlagged: Array<{ text: string; why: string }>;
}

function why(rules: RuleSet, text: string): string {
  const decision = evaluateText(rules, text);
  if (decision.error !== undefined) return `error: ${decision.error}`;
  return decision.matches
    .map((m) => `${m.rule_id}: ${m.conditions.map((c) => c.detail).join("; ")}`)
    .join(" | ");
}

export function runLanguageSentences(opts: { dumpDir: string | undefined }): void {
  requireDataDir(LDNOOBW_DIR, "LDNOOBW's lists");
  const englishTerms = readCases(ENGLISH_LIST).map((t) => fold(t.trim()));
  const rules = builtInRuleSet();
  const flagged = (text: string) => evaluateText(rules, text).action !== "approve";
  const results: LanguageResult[] = [];
  for (const language of LANGUAGES) {
    const terms = [...new Set(readCases(`${LDNOOBW_DIR}${language}.txt`).map((t) => t.trim()))];
    checkFairness(language, terms, englishTerms);
    const sentences = buildSentences(language, terms);
    const missed = sentences.filter((s) => !flagged(s.text));
    const missedSet = new Set(missed);
    const termsCaught = new Set(sentences.filter((s) => !missedSet.has(s)).map((s) => s.term)).size;
    const innocents = INNOCENT_SENTENCES[language];
    const foldedTerms = terms.map((t) => fold(language === "th" ? thaiAsWritten(t) : t));
    results.push({
      language,
      terms: terms.length,
      sentences,
      missed,
      termsCaught,
      innocent: innocents.length,
      innocentWithSubstring: innocents.filter((s) => foldedTerms.some((t) => fold(s).includes(t))).length,
      innocentFlagged: innocents.filter(flagged).map((text) => ({ text, why: why(rules, text) })),
    });
  }

  console.log(`data: ${LDNOOBW_DIR}; ${SENTENCES_PER_TERM} sentences per term; flagged = action !== approve`);
  console.log(
    '"innocent, term inside": innocent sentences holding a listed term inside a longer word or across words\n',
  );
  printTable(
    [
      "lang",
      "terms",
      "sentences",
      "recall",
      "terms caught",
      "target",
      "innocent",
      "innocent, term inside",
      "innocent flagged",
    ],
    results.map((r) => {
      const recall = 1 - r.missed.length / r.sentences.length;
      const target = RECALL_TARGETS[r.language];
      return [
        `${r.language} (${LANGUAGE_NAMES[r.language]})`,
        String(r.terms),
        String(r.sentences.length),
        percent(recall),
        `${r.termsCaught}/${r.terms}`,
        target === undefined ? "-" : `>= ${percent(target)}: ${verdict(recall >= target)}`,
        String(r.innocent),
        String(r.innocentWithSubstring),
        `${r.innocentFlagged.length} (<= ${MAX_INNOCENT_FLAGGED}: ${verdict(r.innocentFlagged.length <= MAX_INNOCENT_FLAGGED)})`,
      ];
    }),
  );

  console.log("\ntargets");
  for (const r of results) {
    const target = RECALL_TARGETS[r.language];
    if (target === undefined) continue;
    const recall = 1 - r.missed.length / r.sentences.length;
    console.log(
      `  ${r.language} recall >= ${percent(target)}: ${percent(recall)}: ${verdict(recall >= target)}`,
    );
  }
  const worstInnocent = Math.max(...results.map((r) => r.innocentFlagged.length));
  console.log(
    `  at most ${MAX_INNOCENT_FLAGGED} innocent sentence flagged per language: worst ${worstInnocent}: ${verdict(worstInnocent <= MAX_INNOCENT_FLAGGED)}`,
  );

  if (opts.dumpDir !== undefined) {
    const lines: string[] = [];
    console.log("\nmisses by language (first 5 each; all of them in the dump file)");
    for (const r of results) {
      lines.push(`## ${r.language}: ${r.missed.length} of ${r.sentences.length} sentences missed`);
      for (const s of r.missed) lines.push(`[${r.language}] missed\t${s.text}\t(term: ${s.term})`);
      lines.push(`## ${r.language}: ${r.innocentFlagged.length} of ${r.innocent} innocent sentences flagged`);
      for (const s of r.innocentFlagged)
        lines.push(`[${r.language}] innocent flagged\t${s.text}\t(${s.why})`);
      lines.push("");
      for (const s of r.missed.slice(0, 5))
        console.log(`  [${r.language}] missed: ${s.text}  (term: ${s.term})`);
      for (const s of r.innocentFlagged)
        console.log(`  [${r.language}] innocent flagged: ${s.text}  (${s.why})`);
    }
    console.log(`\ncases written to ${writeDump(opts.dumpDir, "language-sentences.txt", lines)}`);
  }
}
