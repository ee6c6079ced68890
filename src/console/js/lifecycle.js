// What the rules' lifecycle adds to a decision: the shadow rules' would-be action (never acted
// on) and the calibration sample mark, worded the same on every page that shows a decision.
import { h } from "./dom.js";

/** "shadow: would have rejected (rule)", marked as such; null when no shadow rule matched. */
export function shadowNote(decision) {
  if (!decision?.shadow) return null;
  return h(
    "span.shadow",
    { title: "A shadow rule (mode: shadow) matched: recorded only, never acted on" },
    decision.shadow,
  );
}

/** "calibration sample (rule, …)": a rejection sent to review to measure the rule; null otherwise. */
export function sampleNote(decision) {
  const rules = decision?.sampled_rules ?? [];
  if (rules.length === 0) return null;
  return h(
    "span.sample",
    {
      title:
        "These reject rules' rejection was sent to review as a calibration sample: its decision measures their precision",
    },
    `calibration sample (${rules.join(", ")})`,
  );
}
