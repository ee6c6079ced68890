// Word boundaries for scripts written without spaces. Chinese, Japanese, Thai, Lao, Khmer and
// Myanmar run words together, so "a whole word" there is what ICU's dictionary-based word
// segmentation (Intl.Segmenter, built into Node) finds, not what lies between spaces.

const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });

/** Offsets (relative to `text`) where ICU puts a word boundary, both ends included. */
export function wordBoundaries(text: string): Set<number> {
  const boundaries = new Set<number>([0, text.length]);
  for (const { index, segment } of segmenter.segment(text)) {
    boundaries.add(index);
    boundaries.add(index + segment.length);
  }
  return boundaries;
}
