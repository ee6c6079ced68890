import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BacktestResult } from "../../src/rule-lifecycle/backtest/report.ts";
import type { BacktestView } from "../../src/rule-lifecycle/backtest/store.ts";
import { api } from "../support/api.ts";
import { PATIENCE_MS } from "../support/patience.ts";
import { type Harness, startHarness } from "../support/service.ts";

const ACTIVE = `
default_action: approve
evaluation_budget_ms: 10000
rules:
  - id: scam
    action: reject
    when: { text_has_any: [scam] }
`;

// The candidate drops the scam rule and holds anything about crypto instead.
const CANDIDATE = `
default_action: approve
evaluation_budget_ms: 10000
rules:
  - id: crypto
    action: review
    when: { text_has_any: [crypto] }
`;

describe("POST /api/rules/backtest over the hooks' own records", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: ACTIVE });
    for (const text of ["a scam", "buy crypto", "hello", "crypto scam"]) {
      const payload = h.pending({ message: { text } });
      expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);
      await h.waitForStatus(payload.message.id, ["committed", "rejected"]);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  async function finished(id: string): Promise<BacktestView> {
    const until = Date.now() + PATIENCE_MS;
    for (;;) {
      const { status, body } = await api<BacktestView>(h.service, "GET", `/api/rules/backtest/${id}`);
      expect(status).toBe(200);
      if (body.status !== "running") return body;
      if (Date.now() > until)
        throw new Error(`backtest ${id} still running: ${JSON.stringify(body.progress)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it("starts a job, reports progress, and answers what would have changed", async () => {
    const started = await api<BacktestView>(h.service, "POST", "/api/rules/backtest", {
      body: { rules: CANDIDATE },
    });
    expect(started.status).toBe(202);
    expect(started.headers.get("location")).toBe(`/api/rules/backtest/${started.body.id}`);
    expect(started.body).toMatchObject({ status: "running", requested_by: "admin:admin" });

    const done = await finished(started.body.id);
    expect(done.status).toBe("done");
    expect(done.progress).toEqual({ processed: 4, total: 4, fraction: 1 });
    const result = done.result as BacktestResult;
    const transitions = Object.fromEntries(result.transitions.map((t) => [`${t.from}→${t.to}`, t.count]));
    expect(transitions).toEqual({
      "reject→approve": 1,
      "approve→review": 1,
      "reject→review": 1,
      "approve→approve": 1,
    });
    expect(result.rules.find((r) => r.rule_id === "scam")).toMatchObject({
      recorded_hits: 2,
      candidate_hits: 0,
    });
    expect(result.rules.find((r) => r.rule_id === "crypto")).toMatchObject({
      recorded_hits: 0,
      candidate_hits: 2,
    });
    expect(done.candidate?.rules).toBe(CANDIDATE);

    const listed = await api<{ items: BacktestView[] }>(h.service, "GET", "/api/rules/backtest");
    expect(listed.body.items[0]).toMatchObject({ id: started.body.id, status: "done" });
    expect(listed.body.items[0]).not.toHaveProperty("result");

    const cancelLate = await api(h.service, "POST", `/api/rules/backtest/${started.body.id}/cancel`);
    expect(cancelLate.status).toBe(409);
    expect(cancelLate.body).toMatchObject({ code: "backtest_finished" });
  });

  it("refuses a candidate that does not compile, saying where", async () => {
    const answer = await api(h.service, "POST", "/api/rules/backtest", {
      body: { rules: "rules:\n  - id: x\n    action: explode\n    when: { text_has_any: [a] }\n" },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: "rules_invalid", line: 3, ruleId: "x", field: "action" });
    expect(String(answer.body.detail)).toMatch(/candidate:3: rule "x": field "action"/);
  });

  it("refuses an empty window and unknown ids with what to do", async () => {
    const window = await api(h.service, "POST", "/api/rules/backtest", {
      body: { rules: CANDIDATE, since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z" },
    });
    expect(window.status).toBe(400);
    expect(String(window.body.detail)).toMatch(/since .* must be earlier than until/);
    const unknown = await api(h.service, "GET", "/api/rules/backtest/999999");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: "backtest_not_found" });
    const malformed = await api(h.service, "GET", "/api/rules/backtest/abc");
    expect(malformed.status).toBe(400);
  });

  it("takes a candidate larger than the API's body limit, up to its own", async () => {
    const padding = `# ${"x".repeat(100_000)}\n`;
    const answer = await api<BacktestView>(h.service, "POST", "/api/rules/backtest", {
      body: { rules: padding + CANDIDATE },
    });
    expect(answer.status).toBe(202);
    expect((await finished(answer.body.id)).status).toBe("done");
    const tooLarge = await api(h.service, "POST", "/api/rules/backtest", {
      body: { rules: `# ${"x".repeat(5_000_000)}\n${CANDIDATE}` },
    });
    expect(tooLarge.status).toBe(413);
    expect(String(tooLarge.body.detail)).toMatch(/BACKTEST_BODY_LIMIT_BYTES/);
  });

  it("is for signed-in users only", async () => {
    const answer = await api(h.service, "POST", "/api/rules/backtest", {
      token: null,
      body: { rules: CANDIDATE },
    });
    expect(answer.status).toBe(401);
  });
});
