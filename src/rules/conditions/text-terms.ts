import { SpecError } from "../errors.ts";
import type { MatchedSpan } from "../types.ts";
import { expectString, expectStringList, type Path } from "../validate.ts";
import type { CompiledCondition, ConditionDefinition } from "./types.ts";

/** Reads a term list file: one term per line; blank lines and lines starting with '#' are ignored. */
export function parseTermListFile(content: string): string[] {
  const terms: string[] = [];
  for (const line of content.split(/\r?\n/)) {
    const term = line.trim();
    if (term.length > 0 && !term.startsWith("#")) terms.push(term);
  }
  return terms;
}

/**
 * `text_has_any` and `text_has_any_file` form one condition: the file's terms are added to the
 * inline list (OR), so a rule can keep a few extra terms next to a shared list.
 */
function compileTermCondition(
  key: "text_has_any" | "text_has_any_file",
  raw: unknown,
  path: Path,
  env: Parameters<ConditionDefinition["compile"]>[2],
  block: Record<string, unknown>,
): CompiledCondition | null {
  // When both keys are present the condition is compiled once, under text_has_any.
  if (key === "text_has_any_file" && "text_has_any" in block) return null;

  const terms: string[] = [];
  const inline = key === "text_has_any" ? raw : undefined;
  if (inline !== undefined) terms.push(...expectStringList(inline, path));
  const fileKey = "text_has_any_file";
  if (fileKey in block) {
    const filePath = [...path.slice(0, -1), fileKey];
    const names = expectStringList(block[fileKey], filePath);
    for (const name of names) {
      const content = env.readListFile(expectString(name, filePath), filePath);
      const fromFile = parseTermListFile(content);
      if (fromFile.length === 0) throw new SpecError(filePath, `term list file "${name}" has no terms`);
      terms.push(...fromFile);
    }
  }

  const slot = env.terms.register(terms, env.normalization, path);
  return {
    key: "text_has_any",
    test(ctx) {
      const hits = ctx.termHits(slot);
      if (hits.length === 0) return null;
      const spans: MatchedSpan[] = hits.map((hit) => ({
        field: hit.field,
        start: hit.start,
        end: hit.end,
        text: hit.original,
        normalized: hit.normalized,
      }));
      const matchedTerms = [...new Set(hits.map((hit) => terms[hit.term]))];
      return {
        key: "text_has_any",
        detail: `term${matchedTerms.length > 1 ? "s" : ""} ${matchedTerms.map((t) => `'${t}'`).join(", ")}`,
        spans,
      };
    },
  };
}

export const textHasAny: ConditionDefinition = {
  key: "text_has_any",
  compile: (raw, path, env, block) => compileTermCondition("text_has_any", raw, path, env, block),
};

export const textHasAnyFile: ConditionDefinition = {
  key: "text_has_any_file",
  compile: (raw, path, env, block) => compileTermCondition("text_has_any_file", raw, path, env, block),
};
