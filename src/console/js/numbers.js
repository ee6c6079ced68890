// Figures as moderators read them, worded the same on every page.

/** "25.9 %"; "—" when there is nothing to divide (null: nothing was counted). */
export function percent(share) {
  return share === null || share === undefined ? "—" : `${Math.round(share * 1000) / 10} %`;
}

/** A count with the reader's digit grouping: "412,304". */
export function count(value) {
  return Number(value ?? 0).toLocaleString();
}
