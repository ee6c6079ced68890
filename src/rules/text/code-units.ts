// A long text's UTF-16 code units in a typed array, for the loops that read every character.
//
// `text.charCodeAt(i)` compiles to a load only while a loop has seen one kind of string; the
// loops here see flat, sliced and concatenated strings of both widths, and then each call takes
// V8's generic path, about 20 ns a character against 5 for a typed array. Node copies a string's
// code units natively (Buffer.from with "utf16le"), which pays off from a few hundred characters.

/** Texts at least this long are read from a copy of their code units; shorter ones directly. */
export const LONG_TEXT = 512;

/** The code units of `text` when it is long (see LONG_TEXT), else null: read it directly. */
export function codeUnitsOf(text: string): Uint16Array | null {
  if (text.length < LONG_TEXT) return null;
  const bytes = Buffer.from(text, "utf16le");
  // Buffer's pool hands out slices at multiples of 8 bytes: the view is always aligned.
  return new Uint16Array(bytes.buffer, bytes.byteOffset, text.length);
}
