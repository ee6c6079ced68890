import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { cuss as cussEn } from "cuss";
import { cuss as cussEs } from "cuss/es";
import { cuss as cussFr } from "cuss/fr";
import { cuss as cussIt } from "cuss/it";
import { cuss as cussPt } from "cuss/pt";
import { parse } from "yaml";
import { builtInAllowList } from "../text/allow-list.ts";
import { dictionary, englishWords } from "../text/lexicon.ts";
import { plainForm } from "../text/plain-form.ts";

// The built-in term data: terms from npm packages made for it, with a category and a severity
// from the project's own curation (src/rules/data/term-curation.yaml).

export const CATEGORIES = ["profanity", "sexual", "insult", "slur", "violence"] as const;
export type Category = (typeof CATEGORIES)[number];
export const SEVERITIES = ["mild", "moderate", "severe"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface CatalogTerm {
  text: string;
  /** ISO 639-1 code of the list the term comes from ("en", "de", ...). */
  language: string;
  category: Category;
  severity: Severity;
  /** Where the term comes from: "naughty-words", "cuss" or "gatehouse" (the curation file). */
  source: string;
}

const require = createRequire(import.meta.url);
const CURATION_FILE = fileURLToPath(new URL("../data/term-curation.yaml", import.meta.url));

/** LDNOOBW languages shipped (the `naughty-words` package), without constructed languages. */
export const LDNOOBW_LANGUAGES = [
  "ar",
  "cs",
  "da",
  "de",
  "en",
  "eo",
  "es",
  "fa",
  "fi",
  "fil",
  "fr",
  "hi",
  "hu",
  "it",
  "ja",
  "ko",
  "nl",
  "no",
  "pl",
  "pt",
  "ru",
  "sv",
  "th",
  "tr",
  "zh",
] as const;
const CUSS_LISTS: Array<[language: string, list: Record<string, number>]> = [
  ["en", cussEn],
  ["es", cussEs],
  ["fr", cussFr],
  ["it", cussIt],
  ["pt", cussPt],
];

interface Curation {
  roots: Partial<Record<Category, Partial<Record<Severity, string[]>>>>;
  terms: Partial<Record<Category, Partial<Record<Severity, string[]>>>>;
  defaults: Record<string, { category: Category; severity: Severity }>;
  /** Terms that are ordinary English words first, with the senses that make them so: shipped mild. */
  needs_context?: Record<string, string>;
  exclude: string[];
}

interface Root {
  root: string;
  category: Category;
  severity: Severity;
}

/** The category and severity of the strongest root a term contains, the longest among equals. */
function classifier(roots: readonly Root[]): (plain: string) => Root | undefined {
  const strength = (root: Root) => SEVERITIES.indexOf(root.severity);
  const sorted = [...roots].sort((a, b) => strength(b) - strength(a) || b.root.length - a.root.length);
  return (plain) =>
    sorted.find(({ root }) =>
      root.length > 3 ? plain.includes(root) : plain.split(/[\s-]+/).includes(root),
    );
}

function entries(table: Curation["roots"]): Array<{ text: string; category: Category; severity: Severity }> {
  const out: Array<{ text: string; category: Category; severity: Severity }> = [];
  for (const [category, bySeverity] of Object.entries(table)) {
    for (const [severity, texts] of Object.entries(bySeverity ?? {})) {
      for (const text of texts ?? [])
        out.push({ text: String(text), category: category as Category, severity: severity as Severity });
    }
  }
  return out;
}

let catalog: readonly CatalogTerm[] | undefined;

/** Every built-in term, once per (term, language). Built once per process. */
export function termCatalog(): readonly CatalogTerm[] {
  catalog ??= buildCatalog(readFileSync(CURATION_FILE, "utf8"));
  return catalog;
}

/** The catalog that a curation file's content makes (`termCatalog` reads the shipped one). */
export function buildCatalog(curationYaml: string): CatalogTerm[] {
  const curation = parse(curationYaml) as Curation;
  const classify = classifier(
    entries(curation.roots).map(({ text, category, severity }) => ({
      root: plainForm(text),
      category,
      severity,
    })),
  );
  // An allow-listed word is innocent as a whole word: it is no term either ("niggle").
  const excluded = new Set([...curation.exclude.map(plainForm), ...builtInAllowList()]);
  // Any English word, however rare: a foreign term spelled like one is no term here.
  const english = englishWords();
  const needsContext = new Set(Object.keys(curation.needs_context ?? {}).map(plainForm));
  for (const word of needsContext) {
    if (!english.has(word)) {
      throw new Error(
        `term curation: needs_context lists "${word}", which is no English dictionary word: only an ordinary word can need context; list it under exclude, or remove it`,
      );
    }
  }
  // The common words of the dictionary's other languages: "dix" is ten in French.
  const common = dictionary();
  const out = new Map<string, CatalogTerm>();
  const add = (
    text: string,
    language: string,
    source: string,
    fallback: { category: Category; severity: Severity },
  ) => {
    const trimmed = text.trim();
    const plain = plainForm(trimmed);
    if (plain === "" || excluded.has(plain)) return;
    const key = `${language}\u0000${plain}`;
    if (out.has(key)) return;
    const root = classify(plain);
    // Very short Latin-script terms collide with ordinary words across languages ("fu", the
    // Swedish "sås" read in English "sas"): English ones of two letters ship only as roots
    // ("mf"), other languages' only from four letters.
    if (
      /^\p{Script=Latin}+$/u.test(plain) &&
      plain.length < (language === "en" ? 3 : 4) &&
      root?.root !== plain
    )
      return;
    out.set(key, {
      text: trimmed,
      language,
      category: root?.category ?? fallback.category,
      // An ordinary word first: held only by a rule that asks for mild terms (see needs_context).
      severity: needsContext.has(plain) ? "mild" : (root?.severity ?? fallback.severity),
      source,
    });
  };

  for (const language of LDNOOBW_LANGUAGES) {
    const list = require(`naughty-words/${language}.json`) as string[];
    const fallback = curation.defaults[
      language === "en" ? "ldnoobw-en" : "ldnoobw"
    ] as Curation["defaults"][string];
    for (const term of list) {
      // A term of another language that is an ordinary English word ("am", "gift") is no term here.
      if (language !== "en" && english.has(plainForm(term.trim()))) continue;
      add(term, language, "naughty-words", fallback);
    }
  }
  const cussFallback = curation.defaults.cuss as Curation["defaults"][string];
  for (const [language, list] of CUSS_LISTS) {
    for (const [term, rating] of Object.entries(list)) {
      const plain = plainForm(term);
      const root = classify(plain);
      // cuss rates how sure it is that a word is profane: "likely" (2) words ship, ordinary
      // dictionary words among them only when a curated root says what they are; a less sure
      // word only when it is a root itself ("shit" and "cock" are rated 1, "cocktail" 0).
      if (rating < 2 ? root?.root !== plain : !root && (english.has(plain) || common.has(plain))) continue;
      if (language !== "en" && english.has(plain)) continue;
      add(term, language, "cuss", cussFallback);
    }
  }
  for (const { text, category, severity } of entries(curation.terms)) {
    add(text, "en", "gatehouse", { category, severity });
  }
  return [...out.values()];
}
