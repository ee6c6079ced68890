// The form that starts a backtest: the candidate rules file (prefilled with the rules in force,
// as written, or with an earlier backtest's candidate), the window and the options. A candidate
// that does not compile is answered with its line, which the form selects in the text.
import { ApiError, api } from "../api.js";
import { fill, formatTime, h } from "../dom.js";
import { requester } from "./backtest-run.js";

const WEEK_MS = 7 * 24 * 3_600_000;

/** A datetime-local field's value for an instant, in the browser's time zone. */
function localInput(date) {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** `from`: a backtest id whose candidate to start from, instead of the rules in force. */
export function backtestForm({ from } = {}) {
  const rules = h("textarea#bt-rules.code", {
    name: "rules",
    rows: 18,
    required: true,
    spellcheck: "false",
    autocomplete: "off",
    "aria-describedby": "bt-rules-help",
  });
  const rulesHelp = h("p#bt-rules-help.muted", {}, "Loading the rules in force…");
  const rulesError = h("div#bt-rules-error.error", { role: "alert" });
  const since = h("input#bt-since", {
    type: "datetime-local",
    name: "since",
    value: localInput(new Date(Date.now() - WEEK_MS)),
  });
  const until = h("input#bt-until", { type: "datetime-local", name: "until" });
  const maxMessages = h("input#bt-max", {
    type: "number",
    name: "max_messages",
    min: 1,
    step: 1,
    inputmode: "numeric",
  });
  const examples = h("input#bt-examples", {
    type: "number",
    name: "examples",
    min: 0,
    max: 50,
    step: 1,
    value: 5,
  });
  const outcome = h("div.start-outcome", { role: "alert" });
  const start = h("button.primary", { type: "submit" }, "Start the backtest");

  const form = h(
    "form.backtest-form",
    { "aria-labelledby": "bt-form-title", onsubmit: (event) => submit(event) },
    h("h2#bt-form-title", {}, "New backtest"),
    h("label", { for: "bt-rules" }, "Candidate rules file (YAML, the whole file as it would be deployed)"),
    rules,
    rulesHelp,
    rulesError,
    h(
      "div.row",
      {},
      h("div.field", {}, h("label", { for: "bt-since" }, "From (inclusive)"), since),
      h("div.field", {}, h("label", { for: "bt-until" }, "Until (exclusive; empty: when it starts)"), until),
      h("div.field", {}, h("label", { for: "bt-max" }, "At most (messages, optional)"), maxMessages),
      h("div.field", {}, h("label", { for: "bt-examples" }, "Examples per kind (0–50)"), examples),
    ),
    start,
    outcome,
  );

  async function prefill() {
    try {
      if (from) {
        const earlier = await api("GET", `/rules/backtest/${encodeURIComponent(from)}`);
        setRules(
          earlier.candidate?.rules ?? "",
          `The candidate of backtest #${from}; edit it and start again.`,
        );
        return;
      }
      const active = await api("GET", "/rules");
      try {
        const version = await api("GET", `/rules/versions/${encodeURIComponent(active.version)}`);
        setRules(
          version.content,
          `The rules in force (version ${active.version}), as written: change them into the candidate. Term list files it names are taken from the rules in force unless the candidate is sent with its own.`,
        );
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
        setRules(
          "",
          `The rules in force (version ${active.version}) are not in the rules history yet, so their text cannot be shown: paste the candidate's.`,
        );
      }
    } catch (error) {
      setRules("", `The starting text could not be loaded (${error.message}); paste the candidate's.`);
    }
  }

  /** Fills the text only if nobody has started typing. */
  function setRules(text, help) {
    if (rules.value === "") rules.value = text;
    rulesHelp.textContent = help;
  }

  function clearErrors() {
    fill(rulesError);
    fill(outcome);
    rules.removeAttribute("aria-invalid");
    rules.setAttribute("aria-describedby", "bt-rules-help");
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    const body = { rules: rules.value };
    if (since.value) body.since = new Date(since.value).toISOString();
    if (until.value) body.until = new Date(until.value).toISOString();
    if (maxMessages.value) body.max_messages = Number(maxMessages.value);
    if (examples.value !== "") body.examples = Number(examples.value);
    start.disabled = true;
    try {
      const started = await api("POST", "/rules/backtest", { body });
      location.hash = `#/backtest/${encodeURIComponent(started.id)}`;
    } catch (error) {
      if (error instanceof ApiError && error.problem?.code === "rules_invalid") showInvalid(error);
      else if (error instanceof ApiError && error.problem?.code === "backtest_busy") await showBusy(error);
      else fill(outcome, h("p.error", {}, error.message));
    } finally {
      start.disabled = false;
    }
  }

  /** Says why the candidate is refused and selects the line it names, scrolled into view. */
  function showInvalid(error) {
    const line = Number(error.problem.line);
    const lines = rules.value.split("\n");
    const known = Number.isInteger(line) && line >= 1 && line <= lines.length;
    fill(
      rulesError,
      h("p", {}, error.message),
      known
        ? h(
            "p",
            {},
            `Line ${line}: `,
            h("code.bad-line", {}, lines[line - 1].trim() === "" ? "(an empty line)" : lines[line - 1]),
          )
        : null,
    );
    rules.setAttribute("aria-invalid", "true");
    rules.setAttribute("aria-describedby", "bt-rules-error bt-rules-help");
    rules.focus();
    if (!known) return;
    const startAt = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    rules.setSelectionRange(startAt, startAt + lines[line - 1].length);
    const lineHeight = Number.parseFloat(getComputedStyle(rules).lineHeight) || 20;
    rules.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }

  /** One backtest at a time per replica: point at the one running. */
  async function showBusy(error) {
    let runningNow = [];
    try {
      runningNow = (await api("GET", "/rules/backtest", { query: { limit: 20 } })).items.filter(
        (item) => item.status === "running",
      );
    } catch {
      // The refusal's own words still say what to do.
    }
    fill(
      outcome,
      h(
        "p.error.busy",
        {},
        runningNow.length === 0
          ? error.message
          : [
              "A backtest is running already: ",
              runningNow.map((item, index) => [
                index > 0 ? ", " : "",
                h("a", { href: `#/backtest/${encodeURIComponent(item.id)}` }, `backtest #${item.id}`),
                ` (started by ${requester(item.requested_by)} at ${formatTime(item.created_at)})`,
              ]),
              ". Wait for it to finish or cancel it, then start this one.",
            ],
      ),
    );
  }

  prefill();
  return form;
}
