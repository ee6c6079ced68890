// How each rule performs over a chosen window (GET /api/rules/stats): what it fired, what
// moderators reversed, the precision its calibration samples measured, and for shadow rules how
// moderators decided what it matched.
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { percent } from "../numbers.js";

const HOUR = 3_600_000;
const WINDOWS = {
  "24h": { ms: 24 * HOUR, label: "last 24 hours" },
  "1h": { ms: HOUR, label: "last hour" },
  "7d": { ms: 7 * 24 * HOUR, label: "last 7 days" },
  "30d": { ms: 30 * 24 * HOUR, label: "last 30 days" },
};
const COLUMNS = [
  "Rule",
  "Action",
  "Fired",
  "Held",
  "Rejected",
  "Reviewed",
  "Reversed",
  "Reversal rate",
  "Precision (samples)",
  "Moderators on its matches",
];

/** The section, loading the last 24 hours at once; another window reloads it in place. */
export function ruleQualitySection() {
  const body = h("div", {}, h("p.muted", {}, "Loading…"));
  const select = h(
    "select#quality-window",
    { onchange: () => load(select.value) },
    Object.entries(WINDOWS).map(([key, { label }]) => h("option", { value: key }, label)),
  );
  const section = h(
    "section.rule-quality",
    { "aria-labelledby": "quality-title" },
    h("h2#quality-title", {}, "How each rule performs"),
    h(
      "p.muted",
      {},
      "The rules' decisions in the window, and what moderators later decided about those messages: reversed means a moderator approved what the rule held or sampled.",
    ),
    h("div.field.inline", {}, h("label", { for: "quality-window" }, "Window"), select),
    body,
  );

  async function load(key) {
    const until = new Date();
    try {
      const answer = await api("GET", "/rules/stats", {
        query: {
          since: new Date(until.getTime() - WINDOWS[key].ms).toISOString(),
          until: until.toISOString(),
        },
      });
      fill(body, table(answer.rules));
    } catch (error) {
      fill(body, h("p.error", { role: "alert" }, error.message));
    }
  }
  load("24h");
  return section;
}

function table(rules) {
  if (rules.length === 0) return h("p.muted", {}, "No rule is in force and none fired in this window.");
  return h(
    "div.table-wrap",
    {},
    h(
      "table.quality",
      { "aria-label": "Rule quality" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          COLUMNS.map((title) => h("th", { scope: "col" }, title)),
        ),
      ),
      h(
        "tbody",
        {},
        rules.map((rule) =>
          h(
            "tr",
            { dataset: { rule: rule.rule_id, mode: rule.mode } },
            h(
              "th",
              { scope: "row" },
              rule.rule_id,
              rule.mode === "shadow" ? [" ", h("span.shadow", {}, "shadow")] : null,
              rule.in_force ? null : h("div.muted", {}, "not in force now"),
            ),
            h("td", {}, rule.action ?? "—"),
            h("td.num", {}, String(rule.fired)),
            h("td.num", {}, String(rule.held)),
            h("td.num", {}, String(rule.rejected)),
            h("td.num", {}, String(rule.reviewed)),
            h("td.num", {}, String(rule.reversed)),
            h("td.num.reversal-rate", {}, percent(rule.reversal_rate)),
            h("td", {}, precision(rule)),
            h(
              "td",
              {},
              rule.mode === "shadow"
                ? `approved ${rule.moderators_approved}, rejected ${rule.moderators_rejected}`
                : "—",
            ),
          ),
        ),
      ),
    ),
  );
}

/** What its calibration samples measured: "91.7 % (11 of 12 reviewed rejected too)". */
function precision(rule) {
  if (rule.samples === 0) return "—";
  if (rule.samples_reviewed === 0) return `${rule.samples} sampled, none reviewed yet`;
  return `${percent(rule.precision)} (${rule.samples_confirmed} of ${rule.samples_reviewed} reviewed rejected too)`;
}
