import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CompiledRuleSet } from "./evaluate.ts";
import { parseRuleSet } from "./load.ts";

const DATA_DIR = fileURLToPath(new URL("./data/", import.meta.url));

/** YAML of the built-in rules (documented in data/builtin-rules.yaml itself). */
export function builtInRulesYaml(): string {
  return readFileSync(`${DATA_DIR}builtin-rules.yaml`, "utf8");
}

let cached: CompiledRuleSet | undefined;

/** The rules used when no rules file is configured; compiled once per process. */
export function builtInRuleSet(): CompiledRuleSet {
  cached ??= parseRuleSet(builtInRulesYaml(), "built-in", { baseDir: DATA_DIR });
  return cached;
}
