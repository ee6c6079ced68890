// The decision log with every filter of GET /api/decisions, paged, with a CSV export.
import { api } from "../api.js";
import { fill, formatTime, h, statusLine } from "../dom.js";
import { sampleNote, shadowNote } from "../lifecycle.js";

const TEXT_FILTERS = [
  ["ip", "IP or CIDR", "203.0.113.0/24"],
  ["user_id", "User id", ""],
  ["cid", "Channel", "messaging:general"],
  ["rule_id", "Rule", ""],
  ["shadow_rule", "Shadow rule", ""],
  ["message_id", "Message id", ""],
];
const CHOICES = [
  ["action", "Action", ["approve", "reject", "review", "expire"]],
  ["source", "Decided by", ["rules", "moderator", "system"]],
];
const CSV_LIMIT = 50_000;

export function searchPage(main, { params }) {
  const query = Object.fromEntries([...params].filter(([, value]) => value !== ""));
  const { element: status, say } = statusLine();
  const tbody = h("tbody");
  const pager = h("div.pager");
  const localInput = (key) => {
    // since/until travel as ISO instants; the field shows local time.
    const iso = query[key];
    if (!iso) return "";
    const date = new Date(iso);
    return Number.isNaN(date.getTime())
      ? ""
      : new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  };
  const form = h(
    "form.filters",
    {
      role: "search",
      "aria-label": "Search decisions",
      onsubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams();
        for (const [key, value] of new FormData(form)) {
          const text = String(value).trim();
          if (!text) continue;
          next.set(key, key === "since" || key === "until" ? new Date(text).toISOString() : text);
        }
        location.hash = `#/search?${next}`;
      },
    },
    TEXT_FILTERS.map(([key, label, example]) =>
      h(
        "div.field",
        {},
        h("label", { for: `search-${key}` }, label),
        h("input", {
          id: `search-${key}`,
          name: key,
          value: query[key] ?? "",
          placeholder: example,
          autocomplete: "off",
        }),
      ),
    ),
    CHOICES.map(([key, label, options]) =>
      h(
        "div.field",
        {},
        h("label", { for: `search-${key}` }, label),
        h(
          "select",
          { id: `search-${key}`, name: key },
          h("option", { value: "" }, "any"),
          options.map((option) => h("option", { value: option, selected: query[key] === option }, option)),
        ),
      ),
    ),
    h(
      "div.field",
      {},
      h("label", { for: "search-since" }, "From (inclusive)"),
      h("input#search-since", { type: "datetime-local", name: "since", value: localInput("since") }),
    ),
    h(
      "div.field",
      {},
      h("label", { for: "search-until" }, "Until (exclusive)"),
      h("input#search-until", { type: "datetime-local", name: "until", value: localInput("until") }),
    ),
    h("button.primary", { type: "submit" }, "Search"),
    h("button", { type: "button", onclick: () => exportCsv() }, "Export CSV"),
  );
  fill(
    main,
    h("h1", {}, "Search decisions"),
    form,
    status,
    h(
      "div.table-wrap",
      {},
      h(
        "table",
        { "aria-label": "Decisions" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["When", "Action", "Decided by", "Rules", "User", "Channel", "IP", "Message"].map((title) =>
              h("th", { scope: "col" }, title),
            ),
          ),
        ),
        tbody,
      ),
    ),
    pager,
  );

  const cursors = [undefined];

  async function load(pageIndex) {
    try {
      const page = await api("GET", "/decisions", {
        query: { ...query, cursor: cursors[pageIndex], limit: 50 },
      });
      cursors[pageIndex + 1] = page.next_cursor ?? undefined;
      say(
        page.items.length === 0
          ? "No decision matches."
          : `Page ${pageIndex + 1}: ${page.items.length} decisions.`,
      );
      fill(
        tbody,
        page.items.map((d) =>
          h(
            "tr",
            {},
            h("td", {}, formatTime(d.created_at)),
            // What the shadow rules would have done, and the sample mark, next to what was done.
            h(
              "td",
              {},
              d.action,
              sampleNote(d) ? [h("br"), sampleNote(d)] : null,
              shadowNote(d) ? [h("br"), shadowNote(d)] : null,
            ),
            h("td", {}, d.source, d.actor ? ` (${d.actor})` : ""),
            h("td", {}, ruleIds(d).join(", ") || "—"),
            h("td", {}, d.user_id ?? "—"),
            h("td", {}, d.cid ?? "—"),
            h("td", {}, d.request_info.ip ?? "—"),
            h("td", {}, h("a", { href: `#/message/${encodeURIComponent(d.message_id)}` }, d.message_id)),
          ),
        ),
      );
      fill(
        pager,
        pageIndex > 0
          ? h("button", { type: "button", onclick: () => load(pageIndex - 1) }, "Previous page")
          : null,
        page.next_cursor
          ? h("button", { type: "button", onclick: () => load(pageIndex + 1) }, "Next page")
          : null,
      );
    } catch (error) {
      say(error.message, true);
    }
  }

  async function exportCsv() {
    const rows = [
      [
        "created_at",
        "message_id",
        "action",
        "source",
        "actor",
        "reason",
        "rules",
        "user_id",
        "cid",
        "ip",
        "user_agent",
        "sdk",
        "ext",
        "ruleset_version",
        "shadow",
        "sampled_rules",
      ],
    ];
    let cursor;
    try {
      do {
        const page = await api("GET", "/decisions", { query: { ...query, cursor, limit: 500 } });
        for (const d of page.items) {
          const info = d.request_info;
          rows.push([
            d.created_at,
            d.message_id,
            d.action,
            d.source,
            d.actor,
            d.reason,
            ruleIds(d).join(" "),
            d.user_id,
            d.cid,
            info.ip,
            info.user_agent,
            info.sdk,
            info.ext,
            d.ruleset_version,
            d.shadow,
            (d.sampled_rules ?? []).join(" "),
          ]);
        }
        cursor = page.next_cursor;
        say(`Exporting… ${rows.length - 1} decisions`);
      } while (cursor && rows.length <= CSV_LIMIT);
    } catch (error) {
      return say(error.message, true);
    }
    const csv = rows.map((row) => row.map(csvCell).join(",")).join("\r\n");
    const link = h("a", {
      href: URL.createObjectURL(new Blob([csv], { type: "text/csv" })),
      download: "gatehouse-decisions.csv",
    });
    link.click();
    URL.revokeObjectURL(link.href);
    say(
      `Exported ${rows.length - 1} decisions${cursor ? ` (stopped at ${CSV_LIMIT}: narrow the search for the rest)` : ""}.`,
    );
  }

  load(0);
}

const ruleIds = (decision) => [
  ...new Set((Array.isArray(decision.matches) ? decision.matches : []).map((m) => m.rule_id)),
];

function csvCell(value) {
  const text = value === null || value === undefined ? "" : String(value);
  // A leading = + - @ would make a spreadsheet run the cell as a formula.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
