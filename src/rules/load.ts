import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";
import { compileRulesDocument } from "./compile.ts";
import { RulesLoadError, SpecError } from "./errors.ts";
import { CompiledRuleSet, type RuleSetOptions } from "./evaluate.ts";
import type { Path } from "./validate.ts";
import { warmUpOnce } from "./warm-up.ts";

export interface ParseOptions extends RuleSetOptions {
  /** Directory that relative `text_has_any_file` paths resolve against; default: the source's. */
  baseDir?: string;
  /** Reads list files (injectable for tests); default: fs.readFileSync as UTF-8. */
  readFile?: (absolutePath: string) => string;
  /**
   * Whether messages made of words already judged take the short way (see known-words.ts);
   * default true. Off, every message is read the full way: for comparisons.
   */
  knownWords?: boolean;
}

/** Parses and compiles rules YAML; throws RulesLoadError naming file, line, rule id and field. */
export function parseRuleSet(yamlText: string, source: string, opts: ParseOptions = {}): CompiledRuleSet {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = firstError.pos[0];
    throw new RulesLoadError({
      file: source,
      line: lineCounter.linePos(pos).line,
      reason: `invalid YAML: ${firstError.message.split("\n")[0]}`,
    });
  }

  const baseDir = opts.baseDir ?? (source === "built-in" ? process.cwd() : dirname(resolve(source)));
  const readFile = opts.readFile ?? ((file: string) => readFileSync(file, "utf8"));
  const hash = createHash("sha256").update(yamlText);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml library refuses alias bombs (and the like) with a plain ReferenceError.
    throw new RulesLoadError({ file: source, reason: `invalid YAML: ${(error as Error).message}` });
  }
  const listFiles: string[] = [];
  const lists: Record<string, string> = {};

  try {
    const spec = compileRulesDocument(raw, {
      knownWords: opts.knownWords ?? true,
      readListFile(relativePath, path) {
        const file = isAbsolute(relativePath) ? relativePath : resolve(baseDir, relativePath);
        if (!listFiles.includes(file)) listFiles.push(file);
        let content: string;
        try {
          content = readFile(file);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code ?? String(error);
          throw new SpecError(path, `cannot read term list file "${relativePath}" (${code})`);
        }
        // The list is part of what the rules mean, so it is part of their version.
        hash.update(`\0${relativePath}\0`).update(content);
        lists[relativePath] = content;
        return content;
      },
    });
    const version = hash.digest("hex").slice(0, 16);
    const ruleSet = new CompiledRuleSet(spec, version, source, {
      ...opts,
      listFiles,
      content: { text: yamlText, lists },
    });
    // Rules without terms leave the text engine (and its dictionaries) unloaded: nothing to warm.
    // The warm-up reads text as the rules do, with dictionaries already loaded for them.
    for (const normalization of [...spec.terms.normalizations, ...spec.shadowTerms.normalizations])
      warmUpOnce(normalization);
    return ruleSet;
  } catch (error) {
    if (error instanceof SpecError) throw toLoadError(error, raw, doc.contents, lineCounter, source);
    throw error;
  }
}

/** Reads and compiles a rules file; list files resolve relative to its directory. */
export function loadRuleSetFile(path: string, opts: Omit<ParseOptions, "baseDir"> = {}): CompiledRuleSet {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new RulesLoadError({ file: path, reason: `cannot read rules file (${code})` });
  }
  return parseRuleSet(text, path, { ...opts, baseDir: dirname(resolve(path)) });
}

function toLoadError(
  error: SpecError,
  raw: unknown,
  root: unknown,
  lineCounter: LineCounter,
  source: string,
): RulesLoadError {
  const { path } = error;
  let ruleId: string | undefined;
  let field: string | undefined;
  if (path[0] === "rules" && typeof path[1] === "number") {
    const rule = (raw as { rules?: unknown[] }).rules?.[path[1]];
    const id = (rule as { id?: unknown } | undefined)?.id;
    if (typeof id === "string" || typeof id === "number") ruleId = String(id);
    else ruleId = `#${path[1] + 1}`;
    field = formatField(path.slice(2));
  } else {
    field = formatField(path);
  }
  const offset = offsetOf(root, path, error.atKey);
  const line = offset === undefined ? undefined : lineCounter.linePos(offset).line;
  return new RulesLoadError({
    file: source,
    reason: error.message,
    ...(line !== undefined ? { line } : {}),
    ...(ruleId !== undefined ? { ruleId } : {}),
    ...(field ? { field } : {}),
  });
}

/** "when.text_has_any[2]" from ["when", "text_has_any", 2]. */
function formatField(path: Path): string | undefined {
  if (path.length === 0) return undefined;
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  return out;
}

/** Source offset of the node at `path` (or of its key), falling back to the nearest ancestor. */
function offsetOf(root: unknown, path: Path, atKey: boolean): number | undefined {
  let node = root as YamlNode | undefined;
  let best = node?.range?.[0];
  for (let i = 0; i < path.length && node; i++) {
    const part = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(part),
      );
      if (!pair) break;
      const key = pair.key as YamlNode;
      if (last && atKey) return key.range?.[0] ?? best;
      best = key.range?.[0] ?? best;
      node = (pair.value as YamlNode | null) ?? undefined;
      if (node?.range) best = node.range[0];
    } else if (isSeq(node) && typeof part === "number") {
      node = node.items[part] as YamlNode | undefined;
      if (node?.range) best = node.range[0];
    } else {
      break;
    }
  }
  return best;
}
