// A backtest's examples: a few messages of every kind of change and of disagreement with
// moderators, each with what the candidate matched highlighted the way the message page does.
import { h } from "./dom.js";
import { sampleNote } from "./lifecycle.js";
import { highlighted } from "./spans.js";

const DISAGREEMENTS = {
  missed_rejection: "Missed rejections: moderators rejected these, the candidate approves them",
  blocked_approval: "Blocked approvals: moderators approved these, the candidate rejects them",
};

/** "approve→reject" → "approve → reject: approved then, rejected by the candidate". */
function kindTitle(kind) {
  if (DISAGREEMENTS[kind]) return DISAGREEMENTS[kind];
  const [from, to] = kind.split("→");
  return `${from} → ${to}: ${PAST[from] ?? from} then, ${PAST[to] ?? to} by the candidate`;
}
const PAST = { approve: "approved", review: "held", reject: "rejected" };

/** The kinds in the order the transitions are drawn (changed, most first), then disagreements. */
function kindsInOrder(result) {
  const kinds = Object.keys(result.examples ?? {});
  const order = [
    ...result.transitions.filter((t) => t.changed).map((t) => `${t.from}→${t.to}`),
    ...Object.keys(DISAGREEMENTS),
  ];
  return [
    ...order.filter((kind) => kinds.includes(kind)),
    ...kinds.filter((kind) => !order.includes(kind)),
  ].filter((kind) => result.examples[kind].length > 0);
}

export function backtestExamples(result) {
  const kinds = kindsInOrder(result);
  return h(
    "section.backtest-examples",
    { "aria-labelledby": "bt-examples-title" },
    h("h2#bt-examples-title", {}, "Examples"),
    kinds.length === 0
      ? h("p.muted", {}, "Nothing changed and no moderator disagrees: there is nothing to show.")
      : [
          h(
            "p.muted",
            {},
            "A few messages of each kind, the same sample on every run. Highlighted: what the candidate's rules matched.",
          ),
          kinds.map((kind) =>
            h(
              "section.example-kind",
              { dataset: { kind } },
              h("h3", {}, kindTitle(kind)),
              h(
                "ul.examples",
                {},
                result.examples[kind].map((example) => exampleItem(example)),
              ),
            ),
          ),
        ],
  );
}

function exampleItem(example) {
  const candidate = example.candidate;
  const recordedRules = example.recorded.rule_ids.join(", ");
  const shadow = candidate.shadow_matches ?? [];
  return h(
    "li.example",
    { dataset: { id: example.message_id } },
    h(
      "p.example-head",
      {},
      h("a", { href: `#/message/${encodeURIComponent(example.message_id)}` }, example.message_id),
      " · recorded ",
      h("strong", { class: `action-${example.recorded.action}` }, example.recorded.action),
      recordedRules ? ` (${recordedRules})` : "",
      " → candidate ",
      h("strong", { class: `action-${candidate.action}` }, candidate.action),
      candidate.matches.length
        ? ` (${[...new Set(candidate.matches.map((m) => m.rule_id))].join(", ")})`
        : "",
      example.moderator_action
        ? [" · moderator ", h("strong", {}, example.moderator_action === "approve" ? "approved" : "rejected")]
        : null,
    ),
    highlighted(example.text, candidate.matches),
    shadow.length
      ? h(
          "p",
          {},
          h("span.shadow", {}, `shadow: ${shadow.map((m) => `${m.rule_id} would ${m.action}`).join(", ")}`),
        )
      : null,
    sampleNote(candidate) ? h("p", {}, sampleNote(candidate)) : null,
    candidate.error ? h("p.error", {}, `Evaluation failed: ${candidate.error}`) : null,
  );
}
