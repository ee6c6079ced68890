// Stats as pictures: GET /api/stats asked once per time bucket of the chosen window.
import { api } from "../api.js";
import { legend, lines, stackedBars } from "../charts.js";
import { fill, formatTime, h } from "../dom.js";

const WINDOWS = { "15m": 900_000, "1h": 3_600_000, "6h": 21_600_000, "24h": 86_400_000, "7d": 604_800_000 };
const BUCKETS = 12;
const ACTIONS = [
  ["approve", "a-approve"],
  ["reject", "a-reject"],
  ["review", "a-review"],
  ["expire", "a-expire"],
];

export function statsPage(main, { params }) {
  const windowKey = WINDOWS[params.get("window")] ? params.get("window") : "1h";
  const charts = h("div.charts", {}, h("p.muted", {}, "Loading…"));
  const queueNow = h("div.queue-now");
  const select = h(
    "select#stats-window",
    {
      onchange: () => {
        location.hash = `#/stats?window=${select.value}`;
      },
    },
    Object.keys(WINDOWS).map((key) =>
      h("option", { value: key, selected: key === windowKey }, `last ${key}`),
    ),
  );
  fill(
    main,
    h("h1", {}, "Stats"),
    h("div.field.inline", {}, h("label", { for: "stats-window" }, "Window"), select),
    queueNow,
    charts,
  );

  const depthSamples = [];
  async function sampleQueue() {
    const now = new Date();
    const stats = await api("GET", "/stats", {
      query: { since: new Date(now.getTime() - 60_000).toISOString(), until: now.toISOString() },
    });
    depthSamples.push({ at: now, depth: stats.queue.depth, left: stats.queue.seconds_left });
    if (depthSamples.length > 60) depthSamples.shift();
    const labels = depthSamples.map((s) => s.at.toLocaleTimeString(undefined, { timeStyle: "medium" }));
    fill(
      queueNow,
      h("h2", {}, "Queue now"),
      h(
        "p",
        {},
        h("strong", {}, String(stats.queue.depth)),
        " held",
        stats.queue.earliest_deadline_at
          ? `; the earliest deadline is ${formatTime(stats.queue.earliest_deadline_at)} (${stats.queue.seconds_left}s left)`
          : "",
      ),
      h("h3", {}, "Held messages (sampled every 5 s while this page is open)"),
      lines("Queue depth (sampled every 5 s while this page is open)", labels, [
        { name: "held messages", cls: "s-depth", values: depthSamples.map((s) => s.depth) },
      ]),
      h("h3", {}, "Seconds to the earliest deadline"),
      lines("Seconds to the earliest deadline (sampled every 5 s)", labels, [
        { name: "seconds left", cls: "s-left", values: depthSamples.map((s) => s.left) },
      ]),
    );
  }

  async function load() {
    const span = WINDOWS[windowKey];
    const until = Date.now();
    const size = span / BUCKETS;
    const buckets = Array.from({ length: BUCKETS }, (_, i) => ({
      since: new Date(until - span + size * i),
      until: new Date(until - span + size * (i + 1)),
    }));
    try {
      const answers = await Promise.all(
        buckets.map((b) =>
          api("GET", "/stats", { query: { since: b.since.toISOString(), until: b.until.toISOString() } }),
        ),
      );
      const labels = buckets.map((b) =>
        b.until.toLocaleString(
          undefined,
          span > WINDOWS["24h"] ? { month: "short", day: "numeric" } : { timeStyle: "short" },
        ),
      );
      const minutes = size / 60_000;
      const perMinute = ACTIONS.map(([action, cls]) => ({
        name: action,
        cls,
        values: answers.map((a) => (a.decisions_by_action[action] ?? 0) / minutes),
      }));
      const latency = [
        { name: "review p50", cls: "s-review", values: answers.map((a) => sec(a.latency_ms.review.p50)) },
        { name: "review p99", cls: "s-review99", values: answers.map((a) => sec(a.latency_ms.review.p99)) },
        { name: "commit p50", cls: "s-commit", values: answers.map((a) => sec(a.latency_ms.commit.p50)) },
        { name: "commit p99", cls: "s-commit99", values: answers.map((a) => sec(a.latency_ms.commit.p99)) },
      ];
      const slack = [
        { name: "slack p50", cls: "s-review", values: answers.map((a) => sec(a.deadline_slack_ms.p50)) },
        { name: "slack minimum", cls: "s-reject", values: answers.map((a) => sec(a.deadline_slack_ms.min)) },
      ];
      fill(
        charts,
        h("h2", {}, "Decisions per minute, by action"),
        stackedBars("Decisions per minute by action", labels, perMinute, "/min"),
        legend(perMinute),
        h("h2", {}, "Review and commit latency (seconds)"),
        lines("Review and commit latency percentiles", labels, latency, "s"),
        legend(latency),
        h("h2", {}, "Deadline slack (seconds left when a message was finished)"),
        lines("Deadline slack", labels, slack, "s"),
        legend(slack),
      );
    } catch (error) {
      fill(charts, h("p.error", { role: "alert" }, error.message));
    }
  }

  load();
  sampleQueue().catch(() => {});
  const timer = setInterval(() => sampleQueue().catch(() => {}), 5000);
  return () => clearInterval(timer);
}

const sec = (ms) => (ms === null || ms === undefined ? null : ms / 1000);
