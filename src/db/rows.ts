/**
 * `db.execute()` answers with an array on postgres.js and with `{ rows }` on PGlite; raw SQL
 * call sites read rows through this so they work on both drivers.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
