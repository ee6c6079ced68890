// Every rule set that was ever in force (GET /api/rules/versions): when and how each was put in
// force, any one of them as written, and the diff between two.
import { api } from "../api.js";
import { fill, formatTime, h } from "../dom.js";

export function ruleHistorySection() {
  const list = h("div", {}, h("p.muted", {}, "Loading…"));
  const shown = h("div.version-shown", { "aria-live": "polite" });
  const section = h(
    "section.rule-history",
    { "aria-labelledby": "history-title" },
    h("h2#history-title", {}, "Rules history"),
    list,
    shown,
  );

  async function load() {
    try {
      const { items } = await api("GET", "/rules/versions");
      fill(
        list,
        items.length === 0
          ? h("p.muted", {}, "No rule set is recorded yet.")
          : [versions(items), compare(items)],
      );
    } catch (error) {
      fill(list, h("p.error", { role: "alert" }, error.message));
    }
  }

  function versions(items) {
    return h(
      "div.table-wrap",
      {},
      h(
        "table",
        { "aria-label": "Rule set versions, most recently activated first" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Version", "Source", "First in force", "Last in force", "Activations", ""].map((title) =>
              h("th", { scope: "col" }, title),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          items.map((item) =>
            h(
              "tr",
              {},
              h("td", {}, h("code", {}, item.version)),
              h("td", {}, h("code", {}, item.source)),
              h("td", {}, formatTime(item.first_active_at)),
              h("td", {}, formatTime(item.last_active_at)),
              h("td.num", {}, String(item.activations)),
              h(
                "td",
                {},
                h(
                  "button",
                  {
                    type: "button",
                    onclick: () => show(item.version),
                    "aria-label": `Show version ${item.version}`,
                  },
                  "Show",
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function compare(items) {
    if (items.length < 2)
      return h("p.muted", {}, "Only one version is recorded: there is nothing to compare yet.");
    const picker = (id, label, selected) =>
      h(
        "div.field",
        {},
        h("label", { for: id }, label),
        h(
          `select#${id}`,
          {},
          items.map((item) =>
            h(
              "option",
              { value: item.version, selected: item.version === selected },
              `${item.version} (${formatTime(item.first_active_at)})`,
            ),
          ),
        ),
      );
    const form = h(
      "form.row.compare",
      {
        onsubmit: (event) => {
          event.preventDefault();
          diff(form.querySelector("#diff-from").value, form.querySelector("#diff-to").value);
        },
      },
      picker("diff-from", "From (older)", items[1].version),
      picker("diff-to", "To (newer)", items[0].version),
      h("button", { type: "submit" }, "Show the diff"),
    );
    return form;
  }

  async function show(version) {
    try {
      const answer = await api("GET", `/rules/versions/${encodeURIComponent(version)}`);
      fill(
        shown,
        h("h3", {}, "Version ", h("code", {}, answer.version), " from ", h("code", {}, answer.source)),
        h(
          "ul",
          {},
          answer.activations.map((a) =>
            h("li", {}, `${formatTime(a.activated_at)}: ${a.trigger} on ${a.replica}`),
          ),
        ),
        h(
          "pre.rules-content",
          { tabindex: "0", "aria-label": `Rules file of version ${answer.version}` },
          answer.content,
        ),
      );
    } catch (error) {
      fill(shown, h("p.error", { role: "alert" }, error.message));
    }
  }

  async function diff(from, to) {
    try {
      const answer = await api("GET", `/rules/versions/${encodeURIComponent(to)}`, { query: { diff: from } });
      const lines = answer.diff.unified.split("\n");
      fill(
        shown,
        h("h3", {}, "Changes from ", h("code", {}, answer.diff.from), " to ", h("code", {}, answer.diff.to)),
        answer.diff.unified.trim() === ""
          ? h("p.muted", {}, "The two versions are the same.")
          : h(
              "pre.diff",
              {
                tabindex: "0",
                "aria-label": "Unified diff: lines starting with + were added, with - removed",
              },
              lines.map((line) => h(`span.${lineKind(line)}`, {}, `${line}\n`)),
            ),
      );
    } catch (error) {
      fill(shown, h("p.error", { role: "alert" }, error.message));
    }
  }

  load();
  return section;
}

function lineKind(line) {
  if (line.startsWith("+++") || line.startsWith("---")) return "file";
  if (line.startsWith("@@")) return "hunk";
  if (line.startsWith("+")) return "added";
  if (line.startsWith("-")) return "removed";
  return "same";
}
