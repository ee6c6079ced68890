import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../support/api.ts";
import { type Harness, startHarness } from "../support/service.ts";

const RULES = `
default_action: approve
evaluation_budget_ms: 10000 # the counts below are about matching, not a busy machine's clock
rules:
  - id: hold-links
    action: review
    when: { text_has_any: [link] }
  - id: fraud
    action: reject
    sample_for_review: 1
    when: { text_has_any: [fraud] }
  - id: slurword
    action: reject
    when: { text_has_any: [slurword] }
  - id: trial
    action: reject
    mode: shadow
    when: { text_has_any: [spam] }
  - id: quiet
    action: review
    when: { text_has_any: [neverwritten] }
`;

interface Quality {
  rule_id: string;
  mode: string;
  in_force: boolean;
  [key: string]: unknown;
}

describe("per-rule quality", () => {
  let h: Harness;
  let before: string;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES });
    before = new Date(Date.now() - 1000).toISOString();
    // text → what a moderator then does with it (undefined: nothing)
    const log: Array<[string, "approve" | "reject" | undefined]> = [
      ["a link one", "approve"],
      ["a link two", "reject"],
      ["a link three", undefined],
      ["fraud a", "reject"],
      ["fraud b", "approve"],
      ["slurword", undefined],
      ["spam link", "reject"],
      ["hello", undefined],
    ];
    for (const [text, verdict] of log) {
      const payload = h.pending({ message: { text } });
      expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);
      if (verdict) {
        const answer = await api(h.service, "POST", `/api/messages/${payload.message.id}/${verdict}`, {
          body: {},
        });
        expect(answer.status).toBe(202);
      }
    }
  });
  afterAll(async () => {
    await h.close();
  });

  const stats = async (query = "") => {
    const answer = await api<{ rules: Quality[]; window: { since: string } }>(
      h.service,
      "GET",
      `/api/rules/stats${query}`,
    );
    expect(answer.status).toBe(200);
    return new Map(answer.body.rules.map((rule) => [rule.rule_id, rule]));
  };

  it("counts what each rule did and how moderators judged it", async () => {
    const rules = await stats();
    expect(rules.get("hold-links")).toMatchObject({
      mode: "enforce",
      in_force: true,
      fired: 4,
      held: 4,
      rejected: 0,
      reviewed: 3,
      reversed: 1,
      reversal_rate: 1 / 3,
      samples: 0,
      precision: null,
    });
    expect(rules.get("fraud")).toMatchObject({
      fired: 2,
      held: 0,
      samples: 2,
      samples_reviewed: 2,
      samples_confirmed: 1,
      precision: 0.5,
      reviewed: 2,
      reversed: 1,
      reversal_rate: 0.5,
    });
    expect(rules.get("slurword")).toMatchObject({ fired: 1, rejected: 1, reviewed: 0, reversal_rate: null });
    expect(rules.get("trial")).toMatchObject({
      mode: "shadow",
      fired: 1,
      held: 0,
      rejected: 0,
      moderators_rejected: 1,
      moderators_approved: 0,
    });
    // A rule in force that never fired is listed with zeros.
    expect(rules.get("quiet")).toMatchObject({ fired: 0, reviewed: 0, reversal_rate: null });
  });

  it("counts only the rules' decisions inside the window", async () => {
    const empty = await stats(`?since=2020-01-01T00:00:00Z&until=${encodeURIComponent(before)}`);
    expect(empty.get("hold-links")).toMatchObject({ fired: 0, reviewed: 0 });
    const rules = await stats(`?since=${encodeURIComponent(before)}`);
    expect(rules.get("hold-links")).toMatchObject({ fired: 4 });
  });

  it("a window that ends before it starts is refused, saying which way round", async () => {
    const answer = await api(
      h.service,
      "GET",
      "/api/rules/stats?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z",
    );
    expect(answer.status).toBe(400);
    expect(String(answer.body.detail)).toMatch(/since .* must be earlier than until/);
  });

  it("exports a series per rule in the metrics", async () => {
    const text = await (await h.service.app.request("/metrics")).text();
    // The value of the one series of `name` carrying every label given, in whatever order.
    const value = (name: string, labels: Record<string, string>) => {
      const lines = text.split("\n").filter((line) => {
        if (!line.startsWith(`${name}{`)) return false;
        return Object.entries(labels).every(([label, v]) => line.includes(`${label}="${v}"`));
      });
      expect(lines).toHaveLength(1);
      return Number(lines[0]!.split(" ").at(-1));
    };
    expect(
      value("gatehouse_rule_matches_total", { rule_id: "hold-links", mode: "enforce", action: "review" }),
    ).toBe(4);
    expect(
      value("gatehouse_rule_matches_total", { rule_id: "trial", mode: "shadow", action: "reject" }),
    ).toBe(1);
    expect(value("gatehouse_rule_samples_total", { rule_id: "fraud" })).toBe(2);
  });
});
