import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/service.ts";
import { api, holdMessage, REVIEW_RULES } from "./helpers.ts";

/**
 * Parses Prometheus text into "name{labels}" → value, labels sorted by name: their order in the
 * text carries no meaning (prom-client writes a histogram's `le` first).
 */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(seriesKey(line.slice(0, at)), Number(line.slice(at + 1)));
  }
  return out;
}

/** `name{b="2",a="1"}` → `name{a="1",b="2"}`, so tests may write the labels in any order. */
function seriesKey(series: string): string {
  const open = series.indexOf("{");
  if (open < 0) return series;
  const labels = series.slice(open + 1, -1).match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? [];
  return `${series.slice(0, open)}{${labels.sort().join(",")}}`;
}

describe("GET /metrics", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: REVIEW_RULES });
  });
  afterAll(async () => {
    await h.close();
  });

  const scrape = async () => {
    const answer = await api(h.service, "GET", "/metrics", { token: null });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toContain("text/plain; version=0.0.4");
    return { text: String(answer.body), values: samples(String(answer.body)) };
  };

  it("is Prometheus text: every sample belongs to a declared metric", async () => {
    const payload = h.pending({ message: { text: "hello" } });
    await h.hook("PassOnPendingMessage", payload);
    await h.waitForStatus(payload.message.id, ["committed"]);
    const { text } = await scrape();
    const declared = new Set(
      [...text.matchAll(/^# TYPE (\S+) (counter|gauge|histogram|summary)$/gm)].map((m) => m[1]),
    );
    for (const line of text.split("\n").filter((l) => l && !l.startsWith("#"))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|Nan|\+Inf|-Inf)$/);
      const name = line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)![0].replace(/_(bucket|sum|count)$/, "");
      expect(declared.has(name) || declared.has(line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)![0]), line).toBe(
        true,
      );
    }
  });

  it("changes as messages flow: hooks, decisions, Stream calls, queue depth, latencies", async () => {
    const before = (await scrape()).values;
    const get = (values: Map<string, number>, key: string) => values.get(seriesKey(key)) ?? 0;

    const approved = h.pending({ message: { text: "hello" } });
    await h.hook("PassOnPendingMessage", approved);
    await h.hook("PassOnPendingMessage", approved); // a retry
    const rejected = h.pending({ message: { text: "badword" } });
    await h.hook("PassOnPendingMessage", rejected);
    const held = await holdMessage(h);
    await holdMessage(h);
    await h.hook("PassOnPendingMessage", { message: {} }, {}); // no message.id: 400
    await h.waitForStatus(approved.message.id, ["committed"]);
    await h.waitForStatus(rejected.message.id, ["rejected"]);

    let after = (await scrape()).values;
    const delta = (key: string) => get(after, key) - get(before, key);
    expect(delta('gatehouse_hooks_received_total{hook="PassOnPendingMessage",outcome="new"}')).toBe(4);
    expect(delta('gatehouse_hooks_received_total{hook="PassOnPendingMessage",outcome="duplicate"}')).toBe(1);
    expect(
      delta('gatehouse_hooks_received_total{hook="PassOnPendingMessage",outcome="missing_message_id"}'),
    ).toBe(1);
    expect(delta('gatehouse_decisions_total{source="rules",action="approve"}')).toBe(1);
    expect(delta('gatehouse_decisions_total{source="rules",action="reject"}')).toBe(1);
    expect(delta('gatehouse_decisions_total{source="rules",action="review"}')).toBe(2);
    expect(delta('gatehouse_dispatch_attempts_total{call="commit",outcome="ok"}')).toBe(1);
    expect(delta('gatehouse_dispatch_attempts_total{call="delete",outcome="ok"}')).toBe(1);
    expect(delta('gatehouse_dispatch_results_total{result="committed"}')).toBe(1);
    expect(get(after, "gatehouse_queue_depth")).toBe(2);
    expect(get(after, "gatehouse_queue_earliest_deadline_seconds")).toBeGreaterThan(0);
    expect(delta('gatehouse_decision_latency_seconds_count{source="rules"}')).toBe(4);
    expect(delta('gatehouse_hook_duration_seconds_count{hook="PassOnPendingMessage"}')).toBe(6);

    // A moderator decision moves the queue, the decision counters, and (once settled) commit latency and slack.
    expect((await api(h.service, "POST", `/api/messages/${held}/approve`)).status).toBe(202);
    await h.waitForStatus(held, ["committed"]);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the latency lookup runs after settling
    after = (await scrape()).values;
    expect(get(after, "gatehouse_queue_depth")).toBe(1);
    expect(delta('gatehouse_decisions_total{source="moderator",action="approve"}')).toBe(1);
    expect(delta('gatehouse_review_actions_total{action="approve",result="ok"}')).toBe(1);
    expect(delta("gatehouse_commit_latency_seconds_count")).toBe(2);
    expect(delta('gatehouse_deadline_slack_seconds_count{status="committed"}')).toBe(2);
    expect(delta('gatehouse_deadline_slack_seconds_bucket{status="committed",le="1"}')).toBe(0);
  });

  it("has the Node process metrics operators look for: event-loop lag, heap, GC, open handles", async () => {
    await scrape(); // the event-loop lag is measured from one scrape to the next
    const { text, values } = await scrape();
    for (const name of [
      "nodejs_eventloop_lag_seconds",
      "nodejs_eventloop_lag_p99_seconds",
      "nodejs_heap_size_used_bytes",
      "nodejs_gc_duration_seconds",
      "nodejs_active_handles_total",
      "process_resident_memory_bytes",
      "process_cpu_seconds_total",
    ]) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, "m"));
    }
    expect(values.get("nodejs_heap_size_used_bytes")).toBeGreaterThan(1_000_000);
    expect(values.get("nodejs_active_handles_total")).toBeGreaterThanOrEqual(1);

    expect(values.get("nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(values.get("process_resident_memory_bytes")).toBeGreaterThan(
      values.get("nodejs_heap_size_used_bytes")!,
    );
  });
});
