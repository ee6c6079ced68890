// Stats as pictures, from one GET /api/stats for the chosen window: its step-by-step series
// (decisions by action, queue depth, earliest deadline) over time, and its latency and deadline
// slack percentiles side by side.
import { api } from "../api.js";
import { horizontalBars, legend, lines, stackedBars } from "../charts.js";
import { fill, formatTime, h } from "../dom.js";
import { durationUnit, groupSeries } from "../stats-series.js";

const HOUR = 3_600_000;
const WINDOWS = {
  "15m": { ms: 900_000, label: "last 15 minutes" },
  "1h": { ms: HOUR, label: "last hour" },
  "6h": { ms: 6 * HOUR, label: "last 6 hours" },
  "24h": { ms: 24 * HOUR, label: "last 24 hours" },
  "7d": { ms: 7 * 24 * HOUR, label: "last 7 days" },
  "30d": { ms: 30 * 24 * HOUR, label: "last 30 days" },
};
/** The series gains a point a minute at most: refetching more often would redraw the same. */
const REFRESH_MS = 30_000;
const ACTIONS = [
  ["approve", "a-approve"],
  ["reject", "a-reject"],
  ["review", "a-review"],
  ["expire", "a-expire"],
];

export function statsPage(main, { params }) {
  const windowKey = WINDOWS[params.get("window")] ? params.get("window") : "1h";
  const span = WINDOWS[windowKey].ms;
  const queueNow = h("div.queue-now");
  const charts = h("div.charts", {}, h("p.muted", {}, "Loading…"));
  const select = h(
    "select#stats-window",
    {
      onchange: () => {
        location.hash = `#/stats?window=${select.value}`;
      },
    },
    Object.entries(WINDOWS).map(([key, { label }]) =>
      h("option", { value: key, selected: key === windowKey }, label),
    ),
  );
  fill(
    main,
    h("h1", {}, "Stats"),
    h("div.field.inline", {}, h("label", { for: "stats-window" }, "Window"), select),
    queueNow,
    charts,
  );

  async function load() {
    const until = new Date();
    // The service rounds the window out to whole minutes: starting at the next whole minute keeps
    // it exactly as long as chosen (24 hours and a minute would be drawn in hours).
    const since = new Date(Math.ceil((until.getTime() - span) / 60_000) * 60_000);
    try {
      const stats = await api("GET", "/stats", {
        query: { since: since.toISOString(), until: until.toISOString() },
      });
      drawQueueNow(stats.queue);
      drawCharts(stats);
    } catch (error) {
      fill(charts, h("p.error", { role: "alert" }, error.message));
    }
  }

  function drawQueueNow(queue) {
    fill(
      queueNow,
      h("h2", {}, "Queue now"),
      h(
        "p",
        {},
        h("strong", {}, String(queue.depth)),
        " held",
        queue.earliest_deadline_at
          ? `; the earliest deadline is ${formatTime(queue.earliest_deadline_at)} (${queue.seconds_left}s left)`
          : "",
      ),
    );
  }

  function drawCharts(stats) {
    const bars = groupSeries(stats.series);
    if (bars.length === 0) return fill(charts, h("p.muted", {}, "No data in this window."));
    const labels = bars.map((bar) => label(bar.start));
    const minutesEach = bars[0].minutes;
    const per = minutesEach === 1 ? "each minute" : `each bar: ${describeMinutes(minutesEach)}`;
    const perMinute = ACTIONS.map(([action, cls]) => ({
      name: action,
      cls,
      values: bars.map((bar) => (bar.decisions[action] ?? 0) / bar.minutes),
    }));
    const depth = [
      { name: "held messages (most at once)", cls: "s-depth", values: bars.map((b) => b.depth) },
    ];
    const left = bars.map((bar) => bar.secondsLeft);
    const leftUnit = durationUnit(Math.max(0, ...left.filter((v) => v !== null)));
    const earliest = [
      {
        name: `time left to the earliest deadline (${leftUnit.name})`,
        cls: "s-left",
        values: left.map((v) => (v === null ? null : v / leftUnit.seconds)),
      },
    ];
    const latency = stats.latency_ms;
    const slack = stats.deadline_slack_ms;
    const latencyUnit = durationUnit(Math.max(0, latency.review.p99 ?? 0, latency.commit.p99 ?? 0) / 1000);
    const inUnit = (ms) => (ms === null || ms === undefined ? null : ms / 1000 / latencyUnit.seconds);
    const slackUnit = durationUnit(Math.max(0, Math.abs(slack.p50 ?? 0), Math.abs(slack.min ?? 0)) / 1000);
    const inSlackUnit = (ms) => (ms === null || ms === undefined ? null : ms / 1000 / slackUnit.seconds);
    fill(
      charts,
      h("h2", {}, "Decisions per minute, by action"),
      h("p.muted", {}, `${WINDOWS[windowKey].label}; ${per}.`),
      stackedBars("Decisions per minute by action", labels, perMinute, "/min"),
      legend(perMinute),
      h("h2", {}, "Queue depth"),
      lines("Queue depth: the most messages held at once", labels, depth),
      legend(depth),
      h("h2", {}, "Earliest deadline"),
      h(
        "p.muted",
        {},
        "How close the most urgent held message came to its deadline; a gap means the queue was empty.",
      ),
      lines("Time left to the earliest deadline", labels, earliest, leftUnit.unit),
      legend(earliest),
      h("h2", {}, `Review and commit latency (${latencyUnit.name})`),
      h(
        "p.muted",
        {},
        `Over the whole window: ${latency.review.count} messages reviewed, ${latency.commit.count} committed.`,
      ),
      horizontalBars(
        "Review and commit latency percentiles",
        [
          {
            name: "review p50",
            cls: "s-review",
            value: inUnit(latency.review.p50),
          },
          { name: "review p99", cls: "s-review99", value: inUnit(latency.review.p99) },
          {
            name: "commit p50",
            cls: "s-commit",
            value: inUnit(latency.commit.p50),
          },
          { name: "commit p99", cls: "s-commit99", value: inUnit(latency.commit.p99) },
        ],
        latencyUnit.unit,
      ),
      h("h2", {}, `Deadline slack (${slackUnit.name} left when a message was finished)`),
      h("p.muted", {}, `Over the whole window: ${slack.count} messages finished.`),
      horizontalBars(
        "Deadline slack",
        [
          { name: "median", cls: "s-review", value: inSlackUnit(slack.p50) },
          { name: "least", cls: "s-reject", value: inSlackUnit(slack.min) },
        ],
        slackUnit.unit,
      ),
    );
  }

  function label(date) {
    if (span > 7 * 24 * HOUR) return date.toLocaleString(undefined, { month: "short", day: "numeric" });
    if (span > 24 * HOUR)
      return date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit" });
    return date.toLocaleTimeString(undefined, { timeStyle: "short" });
  }

  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}

function describeMinutes(minutes) {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? "" : "s"}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? "" : "s"}`;
  return `${minutes} minutes`;
}
