// The rules in force, the dry-run tester (what the rules would decide about a message), how
// each rule performs, and every rule set that was ever in force.
import { api } from "../api.js";
import { fill, h } from "../dom.js";
import { highlighted, matchList } from "../spans.js";
import { ruleHistorySection } from "./rules-history.js";
import { ruleQualitySection } from "./rules-quality.js";

export function rulesPage(main) {
  const summary = h("div", {}, h("p.muted", {}, "Loading…"));
  const result = h("div.result", { "aria-live": "polite" });
  const text = h("textarea#dry-text", { rows: 4, required: true });
  const userId = h("input#dry-user", { autocomplete: "off" });
  const role = h("input#dry-role", { autocomplete: "off", placeholder: "user" });
  const ip = h("input#dry-ip", { autocomplete: "off", placeholder: "203.0.113.7" });
  const form = h(
    "form.dry-run",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const message = {
          id: "dry-run",
          text: text.value,
          type: "regular",
          ...(userId.value || role.value
            ? { user: { id: userId.value || "dry-run-user", role: role.value || "user" } }
            : {}),
        };
        try {
          const answer = await api("POST", "/rules/test", {
            body: { message, ...(ip.value ? { request_info: { ip: ip.value.trim() } } : {}) },
          });
          fill(
            result,
            h("h3", {}, "Decision: ", h("strong", { class: `action-${answer.action}` }, answer.action)),
            answer.error ? h("p.error", {}, answer.error) : null,
            highlighted(text.value, answer.matches),
            matchList(answer.matches),
          );
        } catch (error) {
          fill(result, h("p.error", { role: "alert" }, error.message));
        }
      },
    },
    h("h2", {}, "Try a message"),
    h("label", { for: "dry-text" }, "Message text"),
    text,
    h(
      "div.row",
      {},
      h("div.field", {}, h("label", { for: "dry-user" }, "User id"), userId),
      h("div.field", {}, h("label", { for: "dry-role" }, "User role"), role),
      h("div.field", {}, h("label", { for: "dry-ip" }, "IP"), ip),
    ),
    h("button.primary", { type: "submit" }, "Test (nothing is stored or sent)"),
    result,
  );
  const backtest = h(
    "p.backtest-link",
    {},
    h("a", { href: "#/backtest" }, "Backtest a candidate rules file"),
    ": replay it over last week's messages and compare with what was decided, before it goes live.",
  );
  fill(main, h("h1", {}, "Rules"), summary, backtest, form, ruleQualitySection(), ruleHistorySection());

  api("GET", "/rules")
    .then((rules) => {
      // Version and source are shown above; the rules get a table of their own.
      const settings = Object.entries(rules.rules ?? {}).filter(
        ([key]) => !["rules", "version", "source"].includes(key),
      );
      fill(
        summary,
        h("p", {}, "Version ", h("code", {}, rules.version), " from ", h("code", {}, rules.source)),
        rules.last_reload_error
          ? h(
              "p.error",
              { role: "alert" },
              `The last reload failed, so these earlier rules are still in force: ${rules.last_reload_error}`,
            )
          : null,
        h(
          "dl.facts",
          {},
          settings.map(([key, value]) => [
            h("dt", {}, key),
            h("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value)),
          ]),
        ),
        h(
          "div.table-wrap",
          {},
          h(
            "table",
            { "aria-label": "Rules in force" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Rule", "Action", "When", "Unless"].map((title) => h("th", { scope: "col" }, title)),
              ),
            ),
            h(
              "tbody",
              {},
              (rules.rules?.rules ?? []).map((rule) =>
                h(
                  "tr",
                  {},
                  h(
                    "td",
                    {},
                    h("strong", {}, rule.id),
                    rule.mode === "shadow" ? [" ", h("span.shadow", {}, "shadow")] : null,
                    rule.sample_for_review
                      ? [
                          " ",
                          h("span.sample", {}, `samples ${Math.round(rule.sample_for_review * 1000) / 10} %`),
                        ]
                      : null,
                    rule.description ? h("div.muted", {}, rule.description) : null,
                  ),
                  h("td", {}, rule.action),
                  h("td", {}, h("code", {}, JSON.stringify(rule.when ?? {}))),
                  h("td", {}, rule.unless ? h("code", {}, JSON.stringify(rule.unless)) : "—"),
                ),
              ),
            ),
          ),
        ),
      );
    })
    .catch((error) => fill(summary, h("p.error", { role: "alert" }, error.message)));
}
