import { SpecError } from "../errors.ts";
import { allowListWith, builtInAllowList } from "../text/allow-list.ts";
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

  const slot = env.terms.register(terms, env.normalization, path, allowListFor(block, path));
  return termCondition("text_has_any", slot, (index) => `'${terms[index]}'`);
}

/** The allow-list of a block's text conditions: the built-in one, extended by `text_allow`. */
export function allowListFor(block: Record<string, unknown>, path: Path): ReadonlySet<string> {
  if (block.text_allow === undefined) return builtInAllowList();
  return allowListWith(expectStringList(block.text_allow, [...path.slice(0, -1), "text_allow"]));
}

/** The compiled form shared by the term conditions: hits of `slot`, described by `describe`. */
export function termCondition(
  key: string,
  slot: number,
  describe: (term: number) => string,
): CompiledCondition {
  // Each term's description, made once: a rule matches message after message on the same terms.
  const described: string[] = [];
  return {
    key,
    test(ctx) {
      const hits = ctx.termHits(slot);
      if (hits.length === 0) return null;
      const spans: MatchedSpan[] = [];
      // The terms matched, each once, in the order of their first hit (at most 50 hits).
      const terms: number[] = [];
      for (const hit of hits) {
        spans.push({
          field: hit.field,
          start: hit.start,
          end: hit.end,
          text: hit.original,
          normalized: hit.normalized,
        });
        if (!terms.includes(hit.term)) terms.push(hit.term);
      }
      let detail = terms.length > 1 ? "terms " : "term ";
      terms.forEach((term, i) => {
        described[term] ??= describe(term);
        detail += i === 0 ? described[term] : `, ${described[term]}`;
      });
      return { key, detail, spans };
    },
  };
}

/**
 * `text_allow`: innocent words the text conditions of the same block never flag as whole words,
 * added to the built-in allow-list. Compiled by those conditions; alone it is an error.
 */
export const textAllow: ConditionDefinition = {
  key: "text_allow",
  compile(raw, path, _env, block) {
    expectStringList(raw, path);
    if (!("text_has_any" in block || "text_has_any_file" in block || "text_has_category" in block)) {
      throw new SpecError(
        path,
        "text_allow extends the allow-list of text_has_any or text_has_category in the same block",
      );
    }
    return null;
  },
};

export const textHasAny: ConditionDefinition = {
  key: "text_has_any",
  compile: (raw, path, env, block) => compileTermCondition("text_has_any", raw, path, env, block),
};

export const textHasAnyFile: ConditionDefinition = {
  key: "text_has_any_file",
  compile: (raw, path, env, block) => compileTermCondition("text_has_any_file", raw, path, env, block),
};
