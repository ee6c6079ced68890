/**
 * Opaque keyset cursors. A page ends at a (timestamp, id) position rather than an offset, so rows
 * that leave the list between two requests (a decided message, say) never shift the next page.
 * Timestamps travel as whole microseconds since the epoch, Postgres' own precision, so the
 * position is exact even for rows whose time the database stamped.
 */
export interface CursorPosition {
  /** Microseconds since the epoch, as a decimal string (beyond Number's exact range). */
  us: string;
  id: string;
}

export class InvalidCursorError extends Error {
  override name = "InvalidCursorError";
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.us, position.id])).toString("base64url");
}

/**
 * Every position this service issues lies in years 1-9999 (deadlines never pass receipt plus the
 * pending timeout); outside them Postgres' bigint and interval arithmetic overflow.
 */
const MIN_US = -62_135_596_800_000_000n; // 0001-01-01T00:00:00Z
const MAX_US = 253_402_300_799_999_999n; // 9999-12-31T23:59:59.999999Z
const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** What a list's rows are ordered by after the time: a bigint key, or any text (a message id). */
export type CursorIdKind = "bigint" | "text";

export function decodeCursor(cursor: string, idKind: CursorIdKind): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "string" &&
      /^-?\d{1,18}$/.test(parsed[0]) &&
      BigInt(parsed[0]) >= MIN_US &&
      BigInt(parsed[0]) <= MAX_US &&
      typeof parsed[1] === "string" &&
      (idKind === "text" || (/^\d{1,19}$/.test(parsed[1]) && BigInt(parsed[1]) <= BIGINT_MAX))
    ) {
      return { us: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidCursorError(
    "cursor: not one this service issued; pass next_cursor from the previous page unchanged, or omit it to start over.",
  );
}
