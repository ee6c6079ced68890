/**
 * JSON may escape characters Postgres cannot store: U+0000 (refused by text and jsonb) and lone
 * UTF-16 surrogates (not valid Unicode, refused by jsonb). A signed hook carrying one, in the
 * message text or any custom field a sender controls, would fail its receipt on every retry and
 * be answered 503 until Stream gave up: the message would never be moderated. They become U+FFFD,
 * the replacement character, before parsing. Raw (unescaped) forms cannot occur: a raw control
 * character is invalid JSON, and invalid UTF-8 already decodes to U+FFFD.
 */
const SUSPECT = /\\u(?:0000|[dD][89a-fA-F])/;
const ESCAPES =
  /\\(?:\\|u0000|u[dD][89abAB][0-9a-fA-F]{2}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?|u[dD][c-fC-F][0-9a-fA-F]{2})/g;

/**
 * Postgres refuses jsonb nested deeper than its stack allows (a few thousand levels), so such a
 * body could never be stored: it is refused up front. Far deeper than any real message.
 */
export const MAX_JSON_DEPTH = 512;

/** True when arrays/objects nest deeper than `max`; strings are skipped, brackets in them are text. */
export function jsonDepthExceeds(jsonText: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < jsonText.length; i++) {
    const c = jsonText.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export function withStorableEscapes(jsonText: string): string {
  if (!SUSPECT.test(jsonText)) return jsonText; // the common case: nothing to scan for
  // Escapes are matched pairwise from the left, so an escaped backslash followed by "u0000" is
  // kept as the literal text it is, and a valid surrogate pair is kept whole.
  return jsonText.replace(ESCAPES, (sequence) =>
    sequence === "\\\\" || sequence.length === 12 ? sequence : "\\ufffd",
  );
}
