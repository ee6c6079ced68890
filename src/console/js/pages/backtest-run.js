// One backtest: its live progress and a Cancel button while it runs (polled about once a
// second), then its result; its candidate can be taken back into the form.
import { ApiError, api } from "../api.js";
import { backtestResult } from "../backtest-result.js";
import { announce, fill, formatTime, h, statusLine } from "../dom.js";
import { count, percent } from "../numbers.js";

/** The service writes a running backtest's progress every second: polling faster shows nothing new. */
const POLL_MS = 1000;

const STATUS_WORDS = {
  running: "running",
  done: "done",
  cancelled: "cancelled: the figures cover what was replayed before it stopped",
  failed: "failed",
};

/** Who started it: "moderator:Dana" reads "Dana". */
export function requester(requestedBy) {
  return requestedBy.slice(requestedBy.indexOf(":") + 1) || requestedBy;
}

/** Follows backtest `id` in `main`; answers the function that stops following it. */
export function backtestRunPage(main, id) {
  const { element: status, say } = statusLine();
  const title = h("h1", { tabindex: "-1" }, `Backtest #${id}`);
  const facts = h("div", {}, h("p.muted", {}, "Loading…"));
  const progressText = h("p#bt-progress-text");
  const bar = h("progress#bt-progress", {
    "aria-label": "Backtest progress",
    "aria-describedby": "bt-progress-text",
  });
  const cancelButton = h("button.danger", { type: "button", onclick: () => cancel() }, "Cancel the backtest");
  const running = h(
    "section.backtest-running",
    { "aria-label": "Progress", hidden: true },
    bar,
    progressText,
    cancelButton,
  );
  const candidate = h("div");
  const result = h("div");
  fill(
    main,
    h("p", {}, h("a", { href: "#/backtest" }, "← Backtests")),
    title,
    status,
    facts,
    running,
    result,
    candidate,
  );

  let timer = null;
  let stopped = false;
  let shown = null;

  async function poll() {
    timer = null;
    try {
      const view = await api("GET", `/rules/backtest/${encodeURIComponent(id)}`);
      if (stopped) return;
      show(view);
      if (view.status === "running") timer = setTimeout(poll, POLL_MS);
    } catch (error) {
      if (stopped) return;
      say(error.message, true);
      // The service not answering for a moment does not end a backtest: keep following it.
      if (error instanceof ApiError && (error.status === 0 || error.status >= 500))
        timer = setTimeout(poll, POLL_MS);
    }
  }

  function show(view) {
    fill(facts, factList(view));
    if (!shown) fill(candidate, candidateSection(view));
    if (view.status === "running") {
      running.hidden = false;
      paintProgress(view.progress);
    } else if (shown !== view.status) {
      // Finished: the controls of a running backtest go, and whoever was using them lands on the title.
      const hadFocus = running.contains(document.activeElement);
      running.hidden = true;
      fill(
        result,
        view.error ? h("p.error", { role: "alert" }, view.error) : null,
        view.result ? backtestResult(view.result) : null,
      );
      if (shown === "running") announce(`Backtest ${id} ${view.status}`);
      if (hadFocus) title.focus();
    }
    shown = view.status;
  }

  function paintProgress({ processed, total }) {
    // Until the window is counted the total is unknown (the first report may say 0).
    if (total === null || (total === 0 && processed === 0)) {
      bar.removeAttribute("value");
      progressText.textContent = "Counting the messages of the window…";
      return;
    }
    bar.max = Math.max(1, total);
    bar.value = processed;
    progressText.textContent = `${count(processed)} of ${count(total)} messages replayed (${percent(processed / Math.max(1, total))})`;
  }

  let cancelling = false;
  async function cancel() {
    // Not disabled while asking: a disabled button would drop the keyboard focus on the page.
    if (cancelling) return;
    cancelling = true;
    try {
      await api("POST", `/rules/backtest/${encodeURIComponent(id)}/cancel`);
      say("Cancelling: the replay stops at once and keeps the figures of what it replayed.");
    } catch (error) {
      say(error.message, true);
    } finally {
      cancelling = false;
    }
    // See the outcome now rather than at the next tick.
    if (timer !== null) {
      clearTimeout(timer);
      poll();
    }
  }

  poll();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
}

function factList(view) {
  const options = view.options ?? {};
  return h(
    "dl.facts.backtest-facts",
    {},
    h("dt", {}, "Status"),
    h(
      "dd.backtest-status",
      {},
      h("strong", { class: `bt-${view.status}` }, STATUS_WORDS[view.status] ?? view.status),
    ),
    h("dt", {}, "Started by"),
    h("dd", {}, requester(view.requested_by)),
    h("dt", {}, "Window"),
    h("dd", {}, `${formatTime(view.window.since)} – ${formatTime(view.window.until)}`),
    h("dt", {}, "Started"),
    h("dd", {}, formatTime(view.created_at)),
    view.finished_at ? [h("dt", {}, "Finished"), h("dd", {}, formatTime(view.finished_at))] : null,
    h("dt", {}, "Candidate version"),
    h("dd", {}, h("code", {}, view.candidate_version)),
    options.max_messages
      ? [h("dt", {}, "At most"), h("dd", {}, `${count(options.max_messages)} messages`)]
      : null,
    h("dt", {}, "Examples per kind"),
    h("dd", {}, String(options.examples ?? 5)),
  );
}

function candidateSection(view) {
  if (!view.candidate) return null;
  return h(
    "section.backtest-candidate",
    { "aria-labelledby": "bt-candidate-title" },
    h("h2#bt-candidate-title", {}, "Candidate"),
    h(
      "p",
      {},
      h(
        "a",
        { href: `#/backtest?from=${encodeURIComponent(view.id)}` },
        "Edit this candidate and run it again",
      ),
    ),
    h(
      "details",
      {},
      h("summary", {}, "The candidate rules file"),
      h("pre.rules-content", { tabindex: "0", "aria-label": "Candidate rules file" }, view.candidate.rules),
    ),
  );
}
