import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageRecord } from "../../src/review/message-record.ts";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/service.ts";

const RULES = `
default_action: approve
rules:
  - id: slurs
    action: reject
    when: { text_has_any: [badword] }
  - id: flood
    action: review
    when: { rate: { max: 2, per: 1m, by: ip } }
`;

const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe("rules over HTTP", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ rulesYaml: RULES });
  });
  afterEach(async () => {
    await h.close();
  });

  it("a rejected message's decision names the rule, the original span and its normalized form", async () => {
    const payload = h.pending({ message: { text: "you are a B.A.D.W.O.R.D, really" } });
    expect(await (await h.hook("PassOnPendingMessage", payload)).json()).toMatchObject({
      status: "rejecting",
    });
    const record = (await (
      await h.service.app.request(`/api/messages/${payload.message.id}`, { headers: auth })
    ).json()) as MessageRecord;
    const [decision] = record.decisions;
    expect(decision).toMatchObject({
      action: "reject",
      source: "rules",
      ruleset_version: h.service.rules.current.version,
    });
    const [match] = decision!.matches as Array<{
      rule_id: string;
      conditions: Array<{ key: string; spans: Array<Record<string, unknown>> }>;
    }>;
    expect(match?.rule_id).toBe("slurs");
    expect(match?.conditions[0]?.key).toBe("text_has_any");
    const span = match!.conditions[0]!.spans[0]!;
    expect(span).toMatchObject({ field: "text", text: "B.A.D.W.O.R.D", normalized: "badword" });
    expect(payload.message.text?.toString().slice(span.start as number, span.end as number)).toBe(
      "B.A.D.W.O.R.D",
    );
  });

  it("GET /api/rules shows the active rules and their version", async () => {
    const response = await h.service.app.request("/api/rules", { headers: auth });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      version: string;
      source: string;
      last_reload_error: null;
      rules: { rules: Array<{ id: string }> };
    };
    expect(body.version).toBe(h.service.rules.current.version);
    expect(body.source).toMatch(/rules\.yaml$/);
    expect(body.last_reload_error).toBeNull();
    expect(body.rules.rules.map((rule) => rule.id)).toEqual(["slurs", "flood"]);
  });

  it("POST /api/rules/test answers the decision with no side effect", async () => {
    const response = await h.service.app.request("/api/rules/test", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({
        message: { id: "probe", text: "a badword here" },
        request_info: { ip: "198.51.100.1" },
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { action: string; matches: Array<{ rule_id: string }> };
    expect(body.action).toBe("reject");
    expect(body.matches.map((m) => m.rule_id)).toEqual(["slurs"]);
    expect(await h.status("probe")).toBeUndefined();
    // No call for the message (the start-up GET /app is the service's own).
    expect(h.stream.ledger.filter((call) => call.messageId === "probe")).toHaveLength(0);
  });

  it("POST /api/rules/test refuses a body without message.id, naming the field", async () => {
    const response = await h.service.app.request("/api/rules/test", {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ message: { text: "no id" } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/message\.id/);
  });

  it("a rate rule by IP ignores a malformed IP instead of failing the hook", async () => {
    const payload = h.pending({ request_info: { ip: "not-an-address" } });
    const response = await h.hook("PassOnPendingMessage", payload);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "committing" });
  });

  it("the rules need a token", async () => {
    expect((await h.service.app.request("/api/rules")).status).toBe(401);
  });
});
