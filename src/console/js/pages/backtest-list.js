// Recent backtests (GET /api/rules/backtest), newest first: status, who, window, when; each opens.
import { api } from "../api.js";
import { fill, formatTime, h } from "../dom.js";
import { percent } from "../numbers.js";
import { requester } from "./backtest-run.js";

const SHOWN = 50;

export function backtestListSection() {
  const body = h("div", {}, h("p.muted", {}, "Loading…"));
  const section = h(
    "section.backtest-list",
    { "aria-labelledby": "bt-list-title" },
    h("h2#bt-list-title", {}, "Recent backtests"),
    h("button", { type: "button", onclick: () => load() }, "Refresh the list"),
    body,
  );

  async function load() {
    try {
      const { items } = await api("GET", "/rules/backtest", { query: { limit: SHOWN } });
      fill(
        body,
        items.length === 0 ? h("p.muted", {}, "No backtest has been run (or kept) yet.") : table(items),
      );
    } catch (error) {
      fill(body, h("p.error", { role: "alert" }, error.message));
    }
  }
  load();
  return section;
}

function table(items) {
  return h(
    "div.table-wrap",
    {},
    h(
      "table.backtests",
      { "aria-label": "Recent backtests, newest first" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Backtest", "Status", "Started by", "Window", "Started", "Candidate version"].map((title) =>
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
            { dataset: { id: item.id } },
            h("td", {}, h("a", { href: `#/backtest/${encodeURIComponent(item.id)}` }, `#${item.id}`)),
            h(
              "td",
              {},
              h("strong", { class: `bt-${item.status}` }, item.status),
              item.status === "running" && item.progress.fraction !== null
                ? ` ${percent(item.progress.fraction)}`
                : "",
            ),
            h("td", {}, requester(item.requested_by)),
            h("td", {}, `${formatTime(item.window.since)} – ${formatTime(item.window.until)}`),
            h("td", {}, formatTime(item.created_at)),
            h("td", {}, h("code", {}, item.candidate_version)),
          ),
        ),
      ),
    ),
  );
}
