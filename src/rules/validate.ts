import { SpecError } from "./errors.ts";

// Small typed checks shared by the top-level schema and every condition key. Each throws a
// SpecError carrying the path of the offending value, so the loader can name file, line and field.

export type Path = ReadonlyArray<string | number>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function expectObject(raw: unknown, path: Path, what = "a mapping"): Record<string, unknown> {
  if (!isPlainObject(raw)) throw new SpecError(path, `expected ${what}`);
  return raw;
}

export function rejectUnknownKeys(
  obj: Record<string, unknown>,
  allowed: readonly string[],
  path: Path,
): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new SpecError([...path, key], `unknown key "${key}" (allowed: ${allowed.join(", ")})`, true);
    }
  }
}

export function expectString(raw: unknown, path: Path): string {
  if (typeof raw !== "string" || raw.length === 0) throw new SpecError(path, "expected a non-empty string");
  return raw;
}

export function expectOneOf<T extends string>(raw: unknown, allowed: readonly T[], path: Path): T {
  if (typeof raw !== "string" || !(allowed as readonly string[]).includes(raw)) {
    throw new SpecError(path, `expected one of ${allowed.join(" | ")}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

/** A list of non-empty strings; a single string is accepted as a one-item list. */
export function expectStringList(raw: unknown, path: Path, opts: { allowSingle?: boolean } = {}): string[] {
  if (typeof raw === "string" && opts.allowSingle !== false && raw.length > 0) return [raw];
  if (!Array.isArray(raw) || raw.length === 0) throw new SpecError(path, "expected a list of strings");
  return raw.map((item, index) => {
    // Numbers are accepted and stringified: YAML reads `[12345]` (a user id) as a number.
    if (typeof item === "number" && Number.isFinite(item)) return String(item);
    if (typeof item !== "string" || item.length === 0) {
      throw new SpecError([...path, index], "expected a list of strings");
    }
    return item;
  });
}

export function expectNonNegativeInteger(raw: unknown, path: Path): number {
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < 0) {
    throw new SpecError(path, "expected a non-negative integer");
  }
  return raw;
}

export function expectPositiveInteger(raw: unknown, path: Path): number {
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw <= 0) {
    throw new SpecError(path, "expected a positive integer");
  }
  return raw;
}

export function expectBoolean(raw: unknown, path: Path): boolean {
  if (typeof raw !== "boolean") throw new SpecError(path, "expected true or false");
  return raw;
}
