import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { plainForm } from "./plain-form.ts";

const FILE = fileURLToPath(new URL("../data/allow-list.txt", import.meta.url));

/**
 * Reads an allow-list: one word or phrase per line (a phrase is an idiom, see allowed-phrases.ts);
 * blank lines and lines starting with '#' are ignored.
 */
export function parseAllowList(content: string): string[] {
  return content
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith("#"));
}

let builtIn: ReadonlySet<string> | undefined;

/** The curated allow-list shipped with Gatehouse (src/rules/data/allow-list.txt), in plain form. */
export function builtInAllowList(): ReadonlySet<string> {
  builtIn ??= new Set(parseAllowList(readFileSync(FILE, "utf8")).map(plainForm));
  return builtIn;
}

/** The built-in allow-list extended with a rule's own words. */
export function allowListWith(extra: readonly string[]): ReadonlySet<string> {
  if (extra.length === 0) return builtInAllowList();
  return new Set([...builtInAllowList(), ...extra.map(plainForm)]);
}
