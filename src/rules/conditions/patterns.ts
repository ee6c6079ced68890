import { RE2JS, RE2Set } from "re2js";
import { SpecError } from "../errors.ts";
import { messageTextFields } from "../message-fields.ts";
import { countWork } from "../text/work.ts";
import type { EvaluationInput, MatchedSpan } from "../types.ts";
import { expectStringList, type Path } from "../validate.ts";
import type { ConditionDefinition } from "./types.ts";

/** Compiled size above which a pattern is refused: big programs cost time on every message. */
const MAX_PROGRAM_SIZE = 20_000;
/**
 * Combined size above which a condition's patterns are tested one by one rather than as one set:
 * a larger set takes long to compile and outgrows the lazy DFA's state cache.
 */
export const MAX_SET_PROGRAM_SIZE = 100_000;

/**
 * Compiles with re2js, a linear-time engine: no pattern can backtrack catastrophically. What it
 * cannot run (backreferences, lookaround) is refused at load, with the rule id and field.
 */
export function compilePatterns(raw: unknown, path: Path): Array<{ source: string; regex: RE2JS }> {
  return expectStringList(raw, path).map((source, index) => {
    let regex: RE2JS;
    try {
      regex = RE2JS.compile(source);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SpecError([...path, index], `pattern ${JSON.stringify(source)} is not supported: ${reason}`);
    }
    if (regex.programSize() > MAX_PROGRAM_SIZE) {
      throw new SpecError(
        [...path, index],
        `pattern ${JSON.stringify(source)} is too large to run on every message`,
      );
    }
    return { source, regex };
  });
}

/**
 * The patterns of one condition as a single re2js set: which of them occur in a text is answered
 * by one pass of one lazy DFA, however many patterns there are, where testing them one by one
 * reads the text once per pattern. Null for a single pattern or a set too large (see
 * MAX_SET_PROGRAM_SIZE): the patterns are then tested one by one.
 */
function patternSet(patterns: ReadonlyArray<{ source: string; regex: RE2JS }>): RE2Set | null {
  if (patterns.length < 2) return null;
  const size = patterns.reduce((sum, { regex }) => sum + regex.programSize(), 0);
  if (size > MAX_SET_PROGRAM_SIZE) return null;
  const set = new RE2Set();
  for (const { source } of patterns) set.add(source);
  set.compile();
  return set;
}

export const textMatches: ConditionDefinition = {
  key: "text_matches",
  compile(raw, path) {
    const patterns = compilePatterns(raw, path);
    const set = patternSet(patterns);
    const everyPattern = patterns.map((_, index) => index);
    const occurringIn = (text: string): number[] =>
      set ? set.match(text) : everyPattern.filter((index) => patterns[index]?.regex.test(text));
    return {
      key: "text_matches",
      test(ctx) {
        const spans: MatchedSpan[] = [];
        const matched: string[] = [];
        for (const { field, text } of messageTextFields(ctx.input.message)) {
          // Counted like the other text work: it tells the evaluator this rule read the text.
          countWork(text.length * (set ? 1 : patterns.length));
          // Whether a pattern occurs at all is answered by re2js's lazy DFA (after its literal
          // prefilter), several times faster than the search that tracks where: only a pattern
          // that occurs is searched again for its span. Both are linear in the text.
          for (const index of occurringIn(text)) {
            const { source, regex } = patterns[index] as { source: string; regex: RE2JS };
            countWork(text.length);
            const matcher = regex.matcher(text);
            if (!matcher.find()) continue;
            const start = matcher.start();
            const end = matcher.end();
            const found = text.slice(start, end);
            spans.push({ field, start, end, text: found, normalized: found });
            if (!matched.includes(source)) matched.push(source);
          }
        }
        if (spans.length === 0) return null;
        return { key: "text_matches", detail: `pattern ${matched.map((p) => `/${p}/`).join(", ")}`, spans };
      },
    };
  },
};

/** A `*_matches` key over one request_info field. */
function requestFieldMatches(
  key: string,
  label: string,
  read: (input: EvaluationInput) => string | null | undefined,
): ConditionDefinition {
  return {
    key,
    compile(raw, path) {
      const patterns = compilePatterns(raw, path);
      return {
        key,
        test(ctx) {
          const value = read(ctx.input);
          if (typeof value !== "string") return null;
          for (const { source, regex } of patterns) {
            if (regex.test(value))
              return { key, detail: `${label} ${JSON.stringify(value)} matches /${source}/` };
          }
          return null;
        },
      };
    },
  };
}

export const userAgentMatches = requestFieldMatches(
  "user_agent_matches",
  "user agent",
  (i) => i.requestInfo?.user_agent,
);
export const sdkMatches = requestFieldMatches("sdk_matches", "sdk", (i) => i.requestInfo?.sdk);
export const extMatches = requestFieldMatches("ext_matches", "ext", (i) => i.requestInfo?.ext);

/** Parses request_info.ext's usual "k=v,k2=v2" form (whitespace around items is ignored). */
export function parseExtPairs(ext: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const item of ext.split(",")) {
    const trimmed = item.trim();
    if (trimmed === "") continue;
    const eq = trimmed.indexOf("=");
    if (eq === -1) pairs.set(trimmed, "");
    else pairs.set(trimmed.slice(0, eq).trim(), trimmed.slice(eq + 1).trim());
  }
  return pairs;
}

/** `ext_has: ["app=web", "beta"]`: a listed `k=v` pair is present, or a bare `k` with any value. */
export const extHas: ConditionDefinition = {
  key: "ext_has",
  compile(raw, path) {
    const wanted = expectStringList(raw, path).map((item, index) => {
      const eq = item.indexOf("=");
      const name = (eq === -1 ? item : item.slice(0, eq)).trim();
      if (name === "")
        throw new SpecError([...path, index], `expected "key=value" or "key", got ${JSON.stringify(item)}`);
      return { item, name, value: eq === -1 ? undefined : item.slice(eq + 1).trim() };
    });
    return {
      key: "ext_has",
      test(ctx) {
        const ext = ctx.input.requestInfo?.ext;
        if (typeof ext !== "string" || ext === "") return null;
        const pairs = parseExtPairs(ext);
        for (const { item, name, value } of wanted) {
          const present = pairs.get(name);
          if (present !== undefined && (value === undefined || present === value)) {
            return { key: "ext_has", detail: `ext has ${item}` };
          }
        }
        return null;
      },
    };
  },
};
