// The queue: held messages, earliest deadline first, kept current by the live event stream.
import { ApiError, api, explain } from "../api.js";
import { claim, claimState, liveClaim, mayRelease, release } from "../claiming.js";
import { learnClock, paintCountdown } from "../deadline.js";
import { confirmAndDecide } from "../decide.js";
import { announce, confirmAction, fill, h, isTyping, statusLine } from "../dom.js";
import { listenToQueue } from "../events.js";
import { sampleNote } from "../lifecycle.js";

const PAGE = 200;
const FILTERS = [
  ["cid", "Channel", "messaging:general"],
  ["user_id", "User id", "u42"],
  ["rule_id", "Rule", "swearing"],
];

export function queuePage(main, { params }) {
  const filters = Object.fromEntries(FILTERS.map(([key]) => [key, params.get(key) ?? ""]));
  let items = [];
  let currentId = null;
  const selected = new Set();
  let more = false;

  const { element: status, say } = statusLine();
  const live = h("span.live", { dataset: { state: "connecting" } }, "connecting…");
  const count = h("span.count");
  const tbody = h("tbody");
  const bulkCount = h("span");
  const bulkBar = h(
    "div.bulk",
    { role: "region", "aria-label": "Bulk actions", hidden: true },
    bulkCount,
    h("button", { type: "button", onclick: () => bulk("approve") }, "Approve selected (A)"),
    h("button.danger", { type: "button", onclick: () => bulk("reject") }, "Reject selected (R)"),
    h("button.link", { type: "button", onclick: () => clearSelection() }, "Clear selection"),
  );
  const results = h("section.results", { "aria-label": "Bulk results", hidden: true });
  const filterInputs = FILTERS.map(([key, label, example]) =>
    h(
      "div.field",
      {},
      h("label", { for: `filter-${key}` }, label),
      h("input", {
        id: `filter-${key}`,
        name: key,
        value: filters[key],
        placeholder: example,
        autocomplete: "off",
      }),
    ),
  );
  const filterForm = h(
    "form.filters",
    {
      role: "search",
      "aria-label": "Filter the queue",
      onsubmit: (event) => {
        event.preventDefault();
        const query = new URLSearchParams();
        for (const [key, value] of new FormData(filterForm))
          if (String(value).trim()) query.set(key, String(value).trim());
        location.hash = `#/queue${query.size ? `?${query}` : ""}`;
      },
    },
    filterInputs,
    h("button", { type: "submit" }, "Filter"),
    h("a", { href: "#/queue" }, "Clear filters"),
  );

  fill(
    main,
    h("h1", {}, "Queue ", count, " ", live),
    h("p.muted", {}, "Held messages, the most urgent first. Press ? for the keyboard."),
    filterForm,
    bulkBar,
    status,
    results,
    h(
      "div.table-wrap",
      {},
      h(
        "table.queue",
        { "aria-label": "Held messages" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, h("span.visually-hidden", {}, "Selected")),
            h("th", { scope: "col" }, "Time left"),
            h("th", { scope: "col" }, "Message"),
            h("th", { scope: "col" }, "Rule"),
            h("th", { scope: "col" }, "Sender"),
            h("th", { scope: "col" }, "Channel"),
            h("th", { scope: "col" }, "Claimed by"),
            h("th", { scope: "col" }, "Actions"),
          ),
        ),
        tbody,
      ),
    ),
  );

  // Refetch on every change (coalesced): what is shown is always what the API says now, so
  // counts cannot drift and decided rows cannot linger.
  let inFlight = null;
  let again = false;
  async function refresh() {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        const fetchedAt = Date.now();
        try {
          const page = await api("GET", "/queue", { query: { ...filters, limit: PAGE } });
          learnClock(page.items, fetchedAt);
          items = page.items;
          more = page.next_cursor !== null;
          render();
        } catch (error) {
          say(error instanceof ApiError ? error.message : String(error), true);
        }
      } while (again);
      inFlight = null;
    })();
    return inFlight;
  }

  function claimText(claimed) {
    const state = claimState(claimed);
    if (state === "free") return "—";
    return state === "mine" ? "you" : liveClaim(claimed).moderator_name;
  }

  /** Claim only what nobody holds; a claim of one's own (or, for admins, anyone's) can be released. */
  function actionButtons(item) {
    const state = claimState(item.claim);
    return [
      state === "free"
        ? h("button", { type: "button", onclick: () => claimAndRefresh(item.id) }, "Claim")
        : null,
      mayRelease(item.claim)
        ? h(
            "button",
            {
              type: "button",
              onclick: () => releaseAndRefresh(item.id),
              "aria-label":
                state === "mine" ? "Release your claim" : `Release ${item.claim.moderator_name}'s claim`,
            },
            "Release",
          )
        : null,
      h("button", { type: "button", onclick: () => decideAndRefresh(item.id, "approve") }, "Approve"),
      h("button.danger", { type: "button", onclick: () => decideAndRefresh(item.id, "reject") }, "Reject"),
    ];
  }

  function render() {
    for (const id of [...selected]) if (!items.some((item) => item.id === id)) selected.delete(id);
    if (currentId && !items.some((item) => item.id === currentId)) {
      const previousIndex = Number(tbody.querySelector("tr.current")?.dataset.index ?? 0);
      currentId = items[Math.min(previousIndex, items.length - 1)]?.id ?? null;
    }
    count.textContent = `(${items.length}${more ? "+" : ""})`;
    fill(
      tbody,
      items.length === 0
        ? h("tr", {}, h("td.empty", { colspan: 8 }, "Nothing is waiting for review."))
        : items.map((item, index) => row(item, index)),
    );
    updateBulkBar();
    tick();
  }

  function row(item, index) {
    const rules = [...new Set(item.matches.map((match) => match.rule_id))].join(", ") || "—";
    const text = item.text ?? "";
    const checkbox = h("input", {
      type: "checkbox",
      "aria-label": `Select message from ${item.user.name ?? item.user.id ?? "unknown"}`,
      checked: selected.has(item.id),
      onchange: (event) => {
        if (event.target.checked) selected.add(item.id);
        else selected.delete(item.id);
        updateBulkBar();
      },
    });
    return h(
      "tr",
      {
        class: item.id === currentId ? "current" : undefined,
        dataset: {
          id: item.id,
          index: String(index),
          deadline: item.deadline_at,
          claimUntil: item.claim?.expires_at ?? "",
        },
        onclick: (event) => {
          if (event.target.closest("a,button,input")) return;
          setCurrent(item.id);
        },
      },
      h("td", {}, checkbox),
      h("td", {}, h("span.countdown", { dataset: { deadline: item.deadline_at } })),
      h(
        "td.text",
        {},
        h(
          "a",
          { href: `#/message/${encodeURIComponent(item.id)}`, class: "open" },
          text.length > 140 ? `${text.slice(0, 140)}…` : text || "(no text)",
        ),
      ),
      h("td", {}, rules, sampleNote(item) ? [" ", sampleNote(item)] : null),
      h(
        "td",
        {},
        item.user.name ?? item.user.id ?? "—",
        item.user.name && item.user.id ? h("span.muted", {}, ` ${item.user.id}`) : null,
      ),
      h("td", {}, item.cid ?? "—"),
      h(claimState(item.claim) === "mine" ? "td.claim.mine" : "td.claim", {}, claimText(item.claim)),
      h("td.actions", {}, actionButtons(item)),
    );
  }

  function tick() {
    for (const element of tbody.querySelectorAll(".countdown"))
      paintCountdown(element, element.dataset.deadline);
    // A claim that runs out frees the message here too, without waiting for the next refetch.
    for (const tr of tbody.querySelectorAll("tr[data-claim-until]")) {
      const until = tr.dataset.claimUntil;
      if (until && Date.parse(until) <= Date.now()) {
        tr.dataset.claimUntil = "";
        const item = items.find((candidate) => candidate.id === tr.dataset.id);
        if (!item) continue;
        item.claim = null;
        const cell = tr.querySelector(".claim");
        cell.classList.remove("mine");
        cell.textContent = claimText(null);
        fill(tr.querySelector(".actions"), actionButtons(item));
      }
    }
  }

  function setCurrent(id, focus = true) {
    currentId = id;
    for (const tr of tbody.querySelectorAll("tr[data-id]")) {
      const isCurrent = tr.dataset.id === id;
      tr.classList.toggle("current", isCurrent);
      if (isCurrent && focus) {
        tr.querySelector("a.open")?.focus();
        tr.scrollIntoView({ block: "nearest" });
      }
    }
  }

  function move(step) {
    if (items.length === 0) return;
    const index = items.findIndex((item) => item.id === currentId);
    const next = index === -1 ? 0 : Math.max(0, Math.min(items.length - 1, index + step));
    setCurrent(items[next].id);
  }

  function updateBulkBar() {
    bulkBar.hidden = selected.size === 0;
    bulkCount.textContent = `${selected.size} selected `;
  }

  function clearSelection() {
    selected.clear();
    for (const box of tbody.querySelectorAll("input[type=checkbox]")) box.checked = false;
    updateBulkBar();
  }

  async function claimAndRefresh(id) {
    await claim(id, say);
    refresh();
  }

  async function releaseAndRefresh(id) {
    await release(id, say);
    refresh();
  }

  async function decideAndRefresh(id, action) {
    const item = items.find((candidate) => candidate.id === id);
    const message = { text: item?.text, user: item?.user };
    await confirmAndDecide({ id, action, message, say });
    refresh();
  }

  async function bulk(action) {
    const chosen = items.filter((item) => selected.has(item.id));
    const ids = chosen.map((item) => item.id);
    if (ids.length === 0) return;
    // Taken now: while the confirmation is open the queue may move on without these messages.
    const texts = new Map(chosen.map((item) => [item.id, item.text ?? item.id]));
    const answer = await confirmAction({
      title: `${action === "approve" ? "Approve" : "Reject"} ${ids.length} message${ids.length === 1 ? "" : "s"}?`,
      text:
        action === "approve"
          ? "Every selected message will be published."
          : "Every selected message will be deleted.",
      confirmLabel: action === "approve" ? "Approve all" : "Reject all",
    });
    if (!answer) return;
    try {
      const outcome = await api("POST", `/messages/${action}`, { body: { ids, ...answer } });
      fill(
        results,
        h("h2", {}, `${outcome.summary.ok} done, ${outcome.summary.refused} refused`),
        h(
          "ul",
          {},
          outcome.results.map((result) =>
            h(
              "li",
              { class: result.ok ? "ok" : "refused" },
              h("strong", {}, result.ok ? "done" : "refused"),
              ` “${String(texts.get(result.id) ?? result.id).slice(0, 60)}”: `,
              result.ok
                ? `now ${result.status}`
                : explain(result.http_status, {
                    code: result.code,
                    detail: result.detail,
                    current_status: result.status,
                  }),
            ),
          ),
        ),
      );
      results.hidden = false;
      clearSelection();
      announce(`${outcome.summary.ok} done, ${outcome.summary.refused} refused`);
    } catch (error) {
      say(error.message, true);
    }
    refresh();
  }

  function onKey(event) {
    if (isTyping(event)) return;
    // Enter on a link or button does what it says (a focused row's link opens the message).
    if (event.key === "Enter" && event.target.closest?.("a,button")) return;
    const current = items.find((item) => item.id === currentId);
    const keys = {
      j: () => move(1),
      k: () => move(-1),
      ArrowDown: () => move(1),
      ArrowUp: () => move(-1),
      Enter: () => {
        if (current) location.hash = `#/message/${encodeURIComponent(current.id)}`;
      },
      c: () => current && claimAndRefresh(current.id),
      a: () => current && decideAndRefresh(current.id, "approve"),
      r: () => current && decideAndRefresh(current.id, "reject"),
      x: () => {
        if (!current) return;
        if (selected.has(current.id)) selected.delete(current.id);
        else selected.add(current.id);
        const box = tbody.querySelector(`tr.current input[type=checkbox]`);
        if (box) box.checked = selected.has(current.id);
        updateBulkBar();
      },
      A: () => bulk("approve"),
      R: () => bulk("reject"),
      "/": () => filterInputs[0].querySelector("input").focus(),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  document.addEventListener("keydown", onKey);
  const ticker = setInterval(tick, 250);
  const stopEvents = listenToQueue(
    () => refresh(),
    (state) => {
      live.dataset.state = state;
      live.textContent = state === "live" ? "live" : "reconnecting…";
    },
  );
  refresh();
  return () => {
    document.removeEventListener("keydown", onKey);
    clearInterval(ticker);
    stopEvents();
  };
}
