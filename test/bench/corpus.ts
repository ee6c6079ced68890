// Deterministic corpora for the rules benchmark: synthetic chat lines, an obfuscated set built
// from the public term list, and an innocent set of words that contain listed terms.

import { seededRandom } from "../support/seeded-random.ts";

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

// biome-ignore format: a word list reads better packed
export const COMMON_WORDS = [
  "the", "be", "to", "of", "and", "a", "in", "that", "have", "I", "it", "for", "not", "on", "with", "he",
  "as", "you", "do", "at", "this", "but", "his", "by", "from", "they", "we", "say", "her", "she", "or",
  "an", "will", "my", "one", "all", "would", "there", "their", "what", "so", "up", "out", "if", "about",
  "who", "get", "which", "go", "me", "when", "make", "can", "like", "time", "no", "just", "him", "know",
  "take", "people", "into", "year", "your", "good", "some", "could", "them", "see", "other", "than",
  "then", "now", "look", "only", "come", "its", "over", "think", "also", "back", "after", "use", "two",
  "how", "our", "work", "first", "well", "way", "even", "new", "want", "because", "any", "these", "give",
  "day", "most", "us", "is", "are", "was", "were", "been", "has", "had", "did", "lol", "omg", "thanks",
  "hey", "hello", "guys", "game", "tonight", "tomorrow", "meeting", "link", "check", "great", "nice",
  "awesome", "weekend", "coffee", "pizza", "match", "team", "score", "project", "deadline", "review",
  "merge", "deploy", "server", "music", "movie", "party", "birthday", "happy", "sorry", "late", "ready",
  "maybe", "sure", "okay", "yes", "cool", "class", "assignment", "homework", "teacher", "question",
  "answer", "problem", "solution", "idea", "plan", "travel", "flight", "hotel", "beach", "mountain",
  "weather", "rain", "sunny", "cold", "hot", "dinner", "lunch", "breakfast", "restaurant", "menu",
  "price", "cheap", "expensive", "buy", "sell", "shop", "store", "phone", "laptop", "update", "bug",
  "fix", "release", "version", "feature", "design", "color", "picture", "photo", "video", "stream",
  "chat", "message", "reply", "call", "later", "soon", "again", "really", "very", "much", "many",
];

// Innocent words that contain a listed term inside them (the Scunthorpe problem), plus words a
// careless normalizer turns into one (repeated letters, leetspeak on numbers).
// biome-ignore format: a word list reads better packed
export const INNOCENT_WORDS = [
  "Scunthorpe", "assassin", "cocktail", "Penistone", "classic", "bass", "grape", "analysis", "therapist",
  "Sussex", "Essex", "shiitake", "cumulative", "document", "specialist", "title", "button", "passage",
  "assume", "class", "grass", "hello", "Dickens", "Matsushita", "arsenal", "Hancock", "peacock",
  "cockpit", "titan", "constitution", "assessment", "embassy", "compass", "harass", "massage", "pussycat",
  "scrape", "drape", "therapists", "analyst", "canal", "banal", "cucumber", "circumstance", "accumulate",
  "scumble", "Cockburn", "Middlesex", "sextant", "sextet", "Sexton", "butterfly", "rebuttal", "buttress",
  "scuttle", "shoe", "spiccato", "homogeneous", "homologous", "Pakistan", "niggle", "snigger", "Cumberland",
  "Cummings", "raccoon", "cocoon", "tycoon", "spice", "spicy", "wankel", "swank", "tittle", "titular",
  "titmouse", "Weiner", "knobbly", "woodpecker", "hornet", "bitchin", "pussyfoot", "rapeseed", "grapefruit",
  "drapery", "therapy", "skyscraper", "crapulent", "scrap", "crappie", "Saturday", "cumin", "Kumquat",
  "shell", "shellfish", "Amsterdam", "analog", "analogue", "testament", "Assyria", "Assisi", "asset",
  "passion", "compassion", "bassoon", "lasso", "glass", "brass", "mass", "pass", "Cassandra", "casserole",
  "hassle", "tassel", "as", "was", "has", "is", "his", "its", "45", "455", "5000", "1337", "2024", "101",
  "8008", "3 4 5", "a b c", "I a m", "pen is", "Scunthorpe United", "ho ho ho",
  "sexagenarian", "Sextus", "exactly", "Shitaki", "manuscript", "kumbaya", "Cocker spaniel", "Lemon",
];

/** Non-Latin sentences: confusable folding must not turn ordinary Russian or Greek into a term. */
export const FOREIGN_SENTENCES = [
  "Привет, как дела? Сегодня хорошая погода.",
  "Мы встретимся в кафе после работы.",
  "Это очень интересная книга, спасибо.",
  "Καλημέρα, τι κάνεις σήμερα;",
  "Ο καιρός είναι ωραίος και ζεστός.",
  "Հայերեն տեքստ առանց վատ բառերի։",
];

/** Extra terms beyond the public list: pronounceable, deterministic, never an English word. */
export function syntheticTerms(count: number, seed: number, avoid: ReadonlySet<string>): string[] {
  const random = seededRandom(seed);
  const onsets = [
    "b",
    "d",
    "f",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "dr",
    "gr",
    "kr",
    "tr",
    "zl",
    "kv",
    "sn",
  ];
  const vowels = ["a", "e", "i", "o", "u", "ai", "ou"];
  const codas = ["", "", "x", "q", "rk", "zz", "nd", "lt", "sk", "mp"];
  const out = new Set<string>();
  while (out.size < count) {
    const syllables = 2 + Math.floor(random() * 3);
    let word = "";
    for (let s = 0; s < syllables; s++) word += pick(random, onsets) + pick(random, vowels);
    word += pick(random, codas);
    // "qx" marks every synthetic term so none collides with a word of the corpus.
    word = `${word.slice(0, 2)}qx${word.slice(2)}`;
    if (!avoid.has(word)) out.add(word);
  }
  return [...out];
}

const CYRILLIC_LOOKALIKE: Record<string, string> = {
  a: "а",
  c: "с",
  e: "е",
  o: "о",
  p: "р",
  x: "х",
  y: "у",
  i: "і",
  s: "ѕ",
  k: "к",
  h: "һ",
};
const LEET: Record<string, string> = { a: "4", e: "3", i: "1", o: "0", s: "$", t: "7" };
const ACCENT: Record<string, string> = { a: "á", e: "é", i: "í", o: "ö", u: "ü", c: "ç", n: "ñ" };

/** Ways of disguising a word (those the issue lists, and two more); each keeps it readable. */
export const OBFUSCATIONS: Record<string, (word: string, random: () => number) => string> = {
  dotted: (w) => [...w].join("."),
  spaced: (w) => [...w].join(" "),
  hyphenated: (w) => [...w].join("-"),
  repeated: (w) => {
    const vowel = [...w].findIndex((c) => "aeiou".includes(c));
    const at = vowel === -1 ? 1 : vowel;
    return w.slice(0, at + 1) + (w[at] ?? "").repeat(4) + w.slice(at + 1);
  },
  cyrillic: (w) => [...w].map((c) => CYRILLIC_LOOKALIKE[c] ?? c).join(""),
  zero_width: (w) => [...w].join("\u200d"),
  zero_width_space: (w) => [...w].join("\u200b"),
  leetspeak: (w) => [...w].map((c) => LEET[c] ?? c).join(""),
  fullwidth: (w) =>
    [...w].map((c) => (c >= "a" && c <= "z" ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join(""),
  upper_case: (w) => w.toUpperCase(),
  diacritics: (w) => [...w].map((c) => ACCENT[c] ?? c).join(""),
  // Two the whole-word design does not undo, kept so the recall figure is not flattering.
  glued: (w) => `${w}you`,
  star_separated: (w) => [...w].join("*"),
  mixed: (w, random) =>
    [...w]
      .map((c) => {
        const roll = random();
        if (roll < 0.25) return LEET[c] ?? c;
        if (roll < 0.5) return CYRILLIC_LOOKALIKE[c] ?? c;
        if (roll < 0.6) return c.toUpperCase();
        return c;
      })
      .join("\u200b"),
};

/** A chat line of common words with `insert` at a random position. */
export function chatLine(random: () => number, insert?: string): string {
  const length = 4 + Math.floor(random() * 14);
  const words: string[] = [];
  for (let i = 0; i < length; i++) words.push(pick(random, COMMON_WORDS));
  if (insert !== undefined) words.splice(Math.floor(random() * (words.length + 1)), 0, insert);
  let line = words.join(" ");
  if (random() < 0.3) line = line[0]?.toUpperCase() + line.slice(1);
  const ending = random();
  if (ending < 0.3) line += ".";
  else if (ending < 0.4) line += "!!";
  else if (ending < 0.5) line += " 😂";
  else if (ending < 0.55) line += " https://example.com/some/path?x=1";
  return line;
}
