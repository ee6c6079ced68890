import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../support/api.ts";
import { type Harness, startHarness } from "../support/service.ts";

const RULES = `
default_action: approve
evaluation_budget_ms: 10000 # the counts below are about matching, not a busy machine's clock
rules:
  - id: trial-scam
    action: reject
    mode: shadow
    when: { text_has_any: [scam] }
  - id: trial-caps
    action: review
    mode: shadow
    when: { caps_ratio_over: { ratio: 0.8, min_length: 4 } }
  - id: fraud
    action: reject
    sample_for_review: 1
    when: { text_has_any: [fraud] }
`;

interface DecisionEntry {
  message_id: string;
  action: string;
  matches: Array<{ rule_id: string }>;
  shadow_matches: Array<{ rule_id: string; action: string }>;
  shadow: string | null;
  sampled_rules: string[] | null;
}

describe("shadow rules and calibration samples over HTTP", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES });
  });
  afterAll(async () => {
    await h.close();
  });

  const record = async (id: string) =>
    (await api<{ status: string; decisions: DecisionEntry[] }>(h.service, "GET", `/api/messages/${id}`)).body;

  it("a shadow match is recorded next to what was done, and changes nothing", async () => {
    const payload = h.pending({ message: { text: "THIS IS A SCAM" } });
    const answer = await h.hook("PassOnPendingMessage", payload);
    expect(await answer.json()).toMatchObject({ status: "committing" });
    await h.waitForStatus(payload.message.id, ["committed"]);

    const [decision] = (await record(payload.message.id)).decisions;
    expect(decision).toMatchObject({ action: "approve", matches: [], sampled_rules: null });
    expect(decision!.shadow_matches.map((m) => [m.rule_id, m.action])).toEqual([
      ["trial-scam", "reject"],
      ["trial-caps", "review"],
    ]);
    expect(decision!.shadow).toBe("shadow: would have rejected (trial-scam), would have held (trial-caps)");
  });

  it("the decision log filters on shadow matches, apart from enforced ones", async () => {
    const quiet = h.pending({ message: { text: "a quiet message" } });
    const scam = h.pending({ message: { text: "what a scam" } });
    for (const payload of [quiet, scam])
      expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);

    const shadowed = await api<{ items: DecisionEntry[] }>(
      h.service,
      "GET",
      "/api/decisions?shadow_rule=trial-scam",
    );
    expect(shadowed.status).toBe(200);
    const ids = shadowed.body.items.map((d) => d.message_id);
    expect(ids).toContain(scam.message.id);
    expect(ids).not.toContain(quiet.message.id);
    for (const d of shadowed.body.items)
      expect(d.shadow).toMatch(/^shadow: would have rejected \(trial-scam/);

    const enforced = await api<{ items: DecisionEntry[] }>(
      h.service,
      "GET",
      "/api/decisions?rule_id=trial-scam",
    );
    expect(enforced.body.items).toEqual([]);
  });

  it("a calibration sample is held instead of rejected, and marked as a sample", async () => {
    const payload = h.pending({ message: { text: "obvious fraud" } });
    expect(await (await h.hook("PassOnPendingMessage", payload)).json()).toMatchObject({ status: "held" });
    const body = await record(payload.message.id);
    expect(body.status).toBe("held");
    expect(body.decisions[0]).toMatchObject({
      action: "review",
      sampled_rules: ["fraud"],
      matches: [{ rule_id: "fraud", action: "reject" }],
    });

    const probe = await api(h.service, "POST", "/api/rules/test", {
      body: { message: { id: payload.message.id, text: "obvious fraud" } },
    });
    expect(probe.body).toMatchObject({ action: "review", sampled_rules: ["fraud"] });
  });
});
