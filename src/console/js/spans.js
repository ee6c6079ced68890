// The text of a message with what the rules matched highlighted and labelled, so a moderator
// sees which word of a list fired, as written and as the matcher read it.
import { h } from "./dom.js";

/** Every span of a list of rule matches, with the rule that matched it. */
export function spansOf(matches, field = "text") {
  const spans = [];
  for (const match of matches ?? []) {
    for (const condition of match.conditions ?? []) {
      for (const span of condition.spans ?? []) {
        if (span.field === field) spans.push({ ...span, rule: match.rule_id, key: condition.key });
      }
    }
  }
  return spans.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** The text with each span in a <mark>, followed by its label "rule: normalized". */
export function highlighted(text, matches, field = "text") {
  const spans = spansOf(matches, field).filter(
    (s) => s.start >= 0 && s.end <= text.length && s.end > s.start,
  );
  // Overlapping spans (two rules, or a term inside a phrase) become one mark with every label.
  const groups = [];
  for (const span of spans) {
    const last = groups.at(-1);
    if (last && span.start < last.end) {
      last.end = Math.max(last.end, span.end);
      last.spans.push(span);
    } else groups.push({ start: span.start, end: span.end, spans: [span] });
  }
  const parts = [];
  let at = 0;
  for (const group of groups) {
    if (group.start > at) parts.push(text.slice(at, group.start));
    const label = group.spans.map((s) => `${s.rule}: ${s.normalized}`).join("; ");
    parts.push(
      h("mark.span", { title: label }, text.slice(group.start, group.end)),
      h("span.span-label", {}, ` [${label}]`),
    );
    at = group.end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return h("p.message-text", {}, parts);
}

/** A list of every matched rule and condition, spans in other fields included. */
export function matchList(matches) {
  if (!matches?.length) return h("p.muted", {}, "No rule matched.");
  return h(
    "ul.matches",
    {},
    matches.map((match) =>
      h(
        "li",
        {},
        h("strong", {}, match.rule_id),
        ` (${match.action}) `,
        h(
          "ul",
          {},
          (match.conditions ?? []).map((condition) =>
            h(
              "li",
              {},
              h("code", {}, condition.key),
              ` ${condition.detail}`,
              (condition.spans ?? []).length
                ? h(
                    "ul",
                    {},
                    condition.spans.map((span) =>
                      h(
                        "li",
                        {},
                        `${span.field} ${span.start}-${span.end}: “${span.text}” read as “${span.normalized}”`,
                      ),
                    ),
                  )
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}
