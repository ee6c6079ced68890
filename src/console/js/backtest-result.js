// A backtest's answer, drawn: how decisions would move (changed ones first), each rule's hits
// then and now, how the candidate agrees with what moderators decided, examples, and what the
// replay could not reproduce.
import { backtestExamples } from "./backtest-examples.js";
import { formatTime, h } from "./dom.js";
import { count, percent } from "./numbers.js";

const ACTIONS = ["approve", "review", "reject"];

/** A table box that may scroll sideways on a narrow screen: keyboard users must reach it too. */
const scrollable = (label) => ({ tabindex: "0", role: "region", "aria-label": label });

/** Every section of a done (or cancelled: partial) backtest's result. */
export function backtestResult(result) {
  return h(
    "div.backtest-result",
    {},
    transitionsSection(result),
    rulesSection(result.rules),
    agreementSection(result.agreement),
    backtestExamples(result),
    fidelitySection(result),
  );
}

function transitionsSection(result) {
  const changed = result.transitions.filter((t) => t.changed);
  const replayed = result.messages.replayed;
  return h(
    "section.transitions",
    { "aria-labelledby": "bt-transitions-title" },
    h("h2#bt-transitions-title", {}, "What would change"),
    h(
      "p.changed-summary",
      {},
      replayed === 0
        ? "No message of the window was replayed."
        : `${count(result.changed)} of ${count(replayed)} replayed decisions would change (${percent(result.changed / replayed)}); ${count(result.unchanged)} would not.`,
    ),
    changed.length ? changeBars(changed) : null,
    matrix(result.transitions),
  );
}

/**
 * One bar per kind of change, most first, coloured by the candidate's action. Drawn in HTML so
 * its words stay readable on a phone, where a scaled picture would shrink them.
 */
function changeBars(changed) {
  const most = Math.max(...changed.map((t) => t.count));
  return h(
    "ul.change-bars",
    { "aria-label": "Decisions that would change, recorded → candidate" },
    changed.map((t) =>
      h(
        "li",
        { dataset: { from: t.from, to: t.to } },
        h("span.bar-name", {}, `${t.from} → ${t.to}`),
        h(
          "span.bar-track",
          { "aria-hidden": "true" },
          h(`span.bar.a-${t.to}`, { style: `width: ${Math.max(1, (t.count / most) * 100)}%` }),
        ),
        h("span.bar-count", {}, count(t.count)),
      ),
    ),
  );
}

/** Recorded action (rows) against the candidate's (columns), every count. */
function matrix(transitions) {
  const countOf = (from, to) => transitions.find((t) => t.from === from && t.to === to)?.count ?? 0;
  return h(
    "div.table-wrap",
    scrollable("Decisions, recorded against the candidate's"),
    h(
      "table.transition-matrix",
      { "aria-label": "Decisions: recorded (rows) against the candidate's (columns)" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Recorded ↓ / candidate →"),
          ACTIONS.map((to) => h("th", { scope: "col" }, to)),
        ),
      ),
      h(
        "tbody",
        {},
        ACTIONS.map((from) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, from),
            ACTIONS.map((to) => {
              const n = countOf(from, to);
              const kind = from === to ? "same" : n > 0 ? "changed" : "none";
              return h("td", { dataset: { from, to }, class: `num ${kind}` }, count(n));
            }),
          ),
        ),
      ),
    ),
  );
}

function rulesSection(rules) {
  // The rules whose hits move most first: that is what the candidate changes.
  const sorted = [...rules].sort(
    (a, b) =>
      Math.abs(b.candidate_hits - b.recorded_hits) - Math.abs(a.candidate_hits - a.recorded_hits) ||
      a.rule_id.localeCompare(b.rule_id),
  );
  return h(
    "section.rule-hits",
    { "aria-labelledby": "bt-rules-title" },
    h("h2#bt-rules-title", {}, "Rule hits: recorded and under the candidate"),
    sorted.length === 0
      ? h("p.muted", {}, "No rule matched anything, then or now.")
      : h(
          "div.table-wrap",
          scrollable("Rule hits"),
          h(
            "table",
            { "aria-label": "Rule hits" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Rule", "In the candidate", "Recorded hits", "Candidate hits", "Difference"].map((title) =>
                  h("th", { scope: "col" }, title),
                ),
              ),
            ),
            h(
              "tbody",
              {},
              sorted.map((rule) => {
                const difference = rule.candidate_hits - rule.recorded_hits;
                return h(
                  "tr",
                  { dataset: { rule: rule.rule_id } },
                  h("th", { scope: "row" }, rule.rule_id),
                  h(
                    "td",
                    {},
                    rule.candidate_mode === null
                      ? "dropped"
                      : rule.candidate_mode === "shadow"
                        ? h("span.shadow", {}, "shadow")
                        : "enforced",
                  ),
                  h("td.num", {}, count(rule.recorded_hits)),
                  h("td.num", {}, count(rule.candidate_hits)),
                  h("td.num", {}, `${difference > 0 ? "+" : ""}${count(difference)}`),
                );
              }),
            ),
          ),
        ),
  );
}

function agreementSection(agreement) {
  const rejected = agreement.moderator_rejected;
  const approved = agreement.moderator_approved;
  return h(
    "section.agreement",
    { "aria-labelledby": "bt-agreement-title" },
    h("h2#bt-agreement-title", {}, "Agreement with moderators"),
    agreement.labelled === 0
      ? h(
          "p.muted",
          {},
          "No held message of the window was decided by a moderator: there is nothing to compare with.",
        )
      : [
          h(
            "p.muted",
            {},
            `What moderators decided on ${count(agreement.labelled)} held messages, taken as the right answer.`,
          ),
          h(
            "dl.facts",
            {},
            h("dt", {}, "Their rejections caught"),
            h(
              "dd.caught",
              {},
              h("strong", {}, percent(rejected.caught_rate)),
              ` (${count(rejected.candidate_rejects + rejected.candidate_holds)} of ${count(rejected.total)}: ${count(rejected.candidate_rejects)} rejected, ${count(rejected.candidate_holds)} held; ${count(rejected.candidate_approves)} approved)`,
            ),
            h("dt", {}, "Their approvals blocked"),
            h(
              "dd.blocked",
              {},
              h("strong", {}, percent(approved.blocked_rate)),
              ` (${count(approved.candidate_rejects)} of ${count(approved.total)} rejected; ${count(approved.candidate_holds)} held, ${count(approved.candidate_approves)} approved)`,
            ),
          ),
        ],
  );
}

function fidelitySection(result) {
  const { messages, fidelity, timing } = result;
  const versions = Object.entries(fidelity.recorded_versions ?? {});
  return h(
    "section.fidelity",
    { "aria-labelledby": "bt-fidelity-title" },
    h("h2#bt-fidelity-title", {}, "How faithful the replay is"),
    h(
      "dl.facts",
      {},
      h("dt", {}, "Messages in the window"),
      h("dd", {}, count(messages.in_window)),
      h("dt", {}, "Replayed"),
      h("dd", {}, count(messages.replayed)),
      h("dt", {}, "Retired by retention"),
      h("dd", {}, count(messages.retired)),
      h("dt", {}, "Without a recorded decision"),
      h("dd", {}, count(messages.without_recorded_decision)),
      h("dt", {}, "Rate rules"),
      h(
        "dd",
        {},
        fidelity.rate_rules === "replayed"
          ? `replayed against the stored history from ${formatTime(fidelity.rate_history_from)}`
          : "the candidate has none",
      ),
      h("dt", {}, "Evaluation errors"),
      h("dd", {}, count(fidelity.evaluation_errors)),
      h("dt", {}, "Recorded by rule versions"),
      h(
        "dd",
        {},
        versions.length === 0
          ? "—"
          : h(
              "ul.plain",
              {},
              versions.map(([version, n]) => h("li", {}, h("code", {}, version), `: ${count(n)} decisions`)),
            ),
      ),
      timing
        ? [
            h("dt", {}, "Replay time"),
            h(
              "dd.timing",
              {},
              `${(timing.replay_ms / 1000).toFixed(1)} s, ${count(timing.messages_per_second)} messages/s`,
            ),
          ]
        : null,
    ),
    fidelity.notes?.length
      ? h(
          "ul.notes",
          {},
          fidelity.notes.map((note) => h("li", {}, note)),
        )
      : null,
  );
}
