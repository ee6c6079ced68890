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

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "string" &&
      /^-?\d{1,19}$/.test(parsed[0]) &&
      typeof parsed[1] === "string"
    ) {
      return { us: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidCursorError(
    "The cursor is not one this service issued; pass next_cursor from the previous page unchanged, or omit it to start over.",
  );
}
