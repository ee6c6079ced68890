import { SpecError } from "../errors.ts";
import {
  CATEGORIES,
  type CatalogTerm,
  type Category,
  LDNOOBW_LANGUAGES,
  SEVERITIES,
  type Severity,
  termCatalog,
} from "../terms/catalog.ts";
import { expectOneOf, expectStringList, isPlainObject, type Path, rejectUnknownKeys } from "../validate.ts";
import { allowListFor, termCondition } from "./text-terms.ts";
import type { ConditionDefinition } from "./types.ts";

const OPTION_KEYS = ["categories", "min_severity", "languages"] as const;
const LANGUAGES: readonly string[] = LDNOOBW_LANGUAGES;

/**
 * `text_has_category`: the built-in term data, chosen by category, severity and language.
 *
 *   text_has_category: [slur, insult]                 # any severity, every language
 *   text_has_category: { categories: [profanity], min_severity: moderate, languages: [en, de] }
 *   text_has_category: any                             # every category
 */
function selection(
  raw: unknown,
  path: Path,
): { categories: Category[] | "any"; minSeverity: Severity; languages: string[] | "any" } {
  const options = isPlainObject(raw) ? raw : { categories: raw };
  rejectUnknownKeys(options, OPTION_KEYS, path);
  const rawCategories = options.categories ?? "any";
  const categories =
    rawCategories === "any"
      ? "any"
      : expectStringList(rawCategories, [...path, "categories"]).map((c, i) =>
          expectOneOf(c, CATEGORIES, [...path, "categories", i]),
        );
  const minSeverity =
    options.min_severity === undefined
      ? "mild"
      : expectOneOf(options.min_severity, SEVERITIES, [...path, "min_severity"]);
  const rawLanguages = options.languages ?? "any";
  const languages =
    rawLanguages === "any"
      ? "any"
      : expectStringList(rawLanguages, [...path, "languages"]).map((language, i) => {
          if (!LANGUAGES.includes(language)) {
            throw new SpecError(
              [...path, "languages", i],
              `unknown language "${language}" (known: ${LANGUAGES.join(", ")})`,
            );
          }
          return language;
        });
  return { categories, minSeverity, languages };
}

export const textHasCategory: ConditionDefinition = {
  key: "text_has_category",
  compile(raw, path, env, block) {
    const { categories, minSeverity, languages } = selection(raw, path);
    const floor = SEVERITIES.indexOf(minSeverity);
    const chosen: CatalogTerm[] = termCatalog().filter(
      (term) =>
        (categories === "any" || categories.includes(term.category)) &&
        SEVERITIES.indexOf(term.severity) >= floor &&
        (languages === "any" || languages.includes(term.language)),
    );
    if (chosen.length === 0)
      throw new SpecError(path, "no built-in term has this category, severity and language");
    const allow = allowListFor(block, path);
    const slot = env.terms.register(
      chosen.map((term) => ({
        text: term.text,
        language: term.language,
        strong: term.severity === "severe",
      })),
      env.normalization,
      path,
      allow,
    );
    return termCondition("text_has_category", slot, (index) => {
      const term = chosen[index] as CatalogTerm;
      return `'${term.text}' (${term.category}, ${term.severity}, ${term.language})`;
    });
  },
};
