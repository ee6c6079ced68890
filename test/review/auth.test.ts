import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/service.ts";
import { api, createModerator, holdMessage, REVIEW_RULES } from "./helpers.ts";

describe("review API authentication and moderators", () => {
  let h: Harness;
  let messageId: string;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: REVIEW_RULES });
    messageId = await holdMessage(h);
  });
  afterAll(async () => {
    await h.close();
  });

  const protectedRoutes = () => [
    ["GET", "/api/queue"],
    ["GET", `/api/messages/${messageId}`],
    ["POST", `/api/messages/${messageId}/claim`],
    ["POST", `/api/messages/${messageId}/release`],
    ["POST", `/api/messages/${messageId}/approve`],
    ["POST", `/api/messages/${messageId}/reject`],
    ["POST", "/api/messages/approve"],
    ["POST", "/api/messages/reject"],
    ["GET", "/api/decisions"],
    ["GET", "/api/stats"],
    ["GET", "/api/moderators"],
    ["POST", "/api/moderators"],
    ["POST", "/api/moderators/1/disable"],
  ];

  it("answers 401 problem+json with no token, a malformed header, or an unknown token, on every route", async () => {
    for (const [method, path] of protectedRoutes()) {
      for (const token of [null, "", "not-a-real-token"]) {
        const answer = await api(h.service, method!, path!, {
          token,
          body: method === "POST" ? {} : undefined,
        });
        expect(answer.status, `${method} ${path} with token ${JSON.stringify(token)}`).toBe(401);
        expect(answer.contentType).toContain("application/problem+json");
        expect(answer.body.code).toBe(token ? "invalid_token" : "unauthenticated");
        expect(answer.headers.get("www-authenticate")).toContain("Bearer");
      }
    }
    // Nothing was decided by any of those calls.
    expect(await h.status(messageId)).toBe("held");
  });

  it("creates a moderator whose token is shown once and stored only as a hash", async () => {
    const created = await api<{ id: string; token: string; name: string; role: string }>(
      h.service,
      "POST",
      "/api/moderators",
      {
        body: { name: "Dana", role: "moderator" },
      },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Dana", role: "moderator", disabled_at: null });
    expect(created.body.token).toMatch(/^gh_[A-Za-z0-9_-]{40,}$/);

    const listed = await api<{ items: Record<string, unknown>[] }>(h.service, "GET", "/api/moderators");
    expect(listed.status).toBe(200);
    const dana = listed.body.items.find((m) => m.id === created.body.id);
    expect(dana).toMatchObject({ name: "Dana", role: "moderator" });
    expect(dana).not.toHaveProperty("token");
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);

    const { moderators } = await import("../../src/db/schema/index.ts");
    const rows = await h.db.database.db.select().from(moderators);
    expect(rows.map((r) => r.tokenHash)).not.toContain(created.body.token);

    const me = await api(h.service, "GET", "/api/queue", { token: created.body.token });
    expect(me.status).toBe(200);
  });

  it("refuses a moderator token on admin routes with 403, and accepts an admin moderator's", async () => {
    const moderator = await createModerator(h.service, "Sam");
    const admin = await createModerator(h.service, "Alex", "admin");
    for (const [method, path] of [
      ["GET", "/api/moderators"],
      ["POST", "/api/moderators"],
      ["POST", `/api/moderators/${moderator.id}/disable`],
    ] as const) {
      const answer = await api(h.service, method, path, {
        token: moderator.token,
        body: method === "POST" ? { name: "x" } : undefined,
      });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.code).toBe("forbidden");
    }
    expect((await api(h.service, "GET", "/api/moderators", { token: admin.token })).status).toBe(200);
    expect(
      (await api(h.service, "POST", "/api/moderators", { token: admin.token, body: { name: "Kim" } })).status,
    ).toBe(201);
  });

  it("a disabled moderator's token stops working at once", async () => {
    const moderator = await createModerator(h.service, "Robin");
    expect((await api(h.service, "GET", "/api/queue", { token: moderator.token })).status).toBe(200);
    const disabled = await api(h.service, "POST", `/api/moderators/${moderator.id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled_at).toEqual(expect.any(String));
    const refused = await api(h.service, "GET", "/api/queue", { token: moderator.token });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("invalid_token");
    expect((await api(h.service, "POST", "/api/moderators/999999/disable")).status).toBe(404);
  });

  it("validates bodies with a problem naming the field", async () => {
    const answer = await api(h.service, "POST", "/api/moderators", { body: { name: "x", role: "owner" } });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("invalid_request");
    expect(answer.body.detail).toContain("role");
  });
});

describe("readiness: public answers say ready or not, details only to admins", () => {
  const RULES = `
rules:
  - id: secret-pattern-rule
    action: reject
    when: { text_matches: ["launch-code-[0-9]+"] }
`;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES, startWorkers: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("after a failed reload /readyz names no file, rule or pattern; /api/readiness does, for admins", async () => {
    const file = h.service.config.rulesFile!;
    writeFileSync(
      file,
      `${RULES}  - id: broken-rule\n    action: reject\n    when: { text_matches: ["(a)\\\\1"] }\n`,
    );
    expect(h.service.rules.reload().ok).toBe(false);

    const ready = await api(h.service, "GET", "/readyz", { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: "ready",
      checks: [
        { name: "database", ok: true },
        { name: "migrations", ok: true },
        { name: "stream", ok: true },
        { name: "rules", ok: true },
        { name: "accepting_hooks", ok: true },
      ],
    });
    const publicText = JSON.stringify(ready.body);
    for (const secret of [file, "broken-rule", "secret-pattern-rule", "launch-code", "rules.yaml"]) {
      expect(publicText).not.toContain(secret);
    }

    const detail = await api<{ checks: { name: string; detail?: string }[] }>(
      h.service,
      "GET",
      "/api/readiness",
    );
    expect(detail.status).toBe(200);
    const rules = detail.body.checks.find((check) => check.name === "rules");
    expect(rules?.detail).toContain("the last reload failed");
    expect(rules?.detail).toContain("broken-rule");

    const moderator = await createModerator(h.service, "Quinn");
    expect((await api(h.service, "GET", "/api/readiness", { token: moderator.token })).status).toBe(403);
    expect((await api(h.service, "GET", "/api/readiness", { token: null })).status).toBe(401);
  });

  it("on a database failure /readyz says which check failed, not the driver's error", async () => {
    const other = await startHarness({ startWorkers: false });
    try {
      await other.db.database.close();
      const ready = await api<{ status: string; checks: { name: string; ok: boolean; reason?: string }[] }>(
        other.service,
        "GET",
        "/readyz",
        { token: null },
      );
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe("not_ready");
      const database = ready.body.checks.find((check) => check.name === "database");
      expect(database).toEqual({
        name: "database",
        ok: false,
        reason: "check failed; the service log and GET /api/readiness (admin) say why",
      });
      const detail = await api<{ checks: { name: string; detail?: string }[] }>(
        other.service,
        "GET",
        "/api/readiness",
      );
      expect(detail.status).toBe(503);
      const error = detail.body.checks.find((check) => check.name === "database")?.detail;
      expect(error).toEqual(expect.any(String));
      expect(error!.length).toBeGreaterThan(0);
      expect(JSON.stringify(ready.body)).not.toContain(error!);
    } finally {
      await other.close().catch(() => {});
    }
  });
});

describe("security headers", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ startWorkers: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  const policyOf = (headers: Headers) =>
    new Map(
      (headers.get("content-security-policy") ?? "")
        .split(";")
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...values]) => [name!, values] as const),
    );

  it("every answer a browser may render forbids sniffing and framing and carries a content security policy", async () => {
    for (const [method, path, token] of [
      ["GET", "/docs", null],
      ["GET", "/openapi.json", null],
      ["GET", "/readyz", null],
      ["GET", "/metrics", null],
      ["GET", "/api/queue", undefined],
      ["GET", "/api/queue", null],
      ["GET", "/no-such-route", null],
    ] as const) {
      const answer = await api(h.service, method, path, { token });
      const where = `${method} ${path} (${answer.status})`;
      expect(answer.headers.get("x-content-type-options"), where).toBe("nosniff");
      expect(answer.headers.get("x-frame-options"), where).toBe("DENY");
      const policy = policyOf(answer.headers);
      expect(policy.get("frame-ancestors"), where).toEqual(["'none'"]);
      expect(policy.get("default-src"), where).toEqual(["'self'"]);
      expect(policy.get("object-src"), where).toEqual(["'none'"]);
      // No script from anywhere else, and no inline script without this answer's nonce.
      const scripts = policy.get("script-src") ?? [];
      expect(
        scripts.filter((source) => !source.startsWith("'nonce-")),
        where,
      ).toEqual(["'self'"]);
      expect(scripts, where).not.toContain("'unsafe-inline'");
    }
  });

  it("/docs still works under the policy: each inline script carries this answer's nonce", async () => {
    const first = await api<string>(h.service, "GET", "/docs", { token: null });
    const second = await api<string>(h.service, "GET", "/docs", { token: null });
    const nonceOf = (headers: Headers) =>
      policyOf(headers)
        .get("script-src")
        ?.find((source) => source.startsWith("'nonce-"))
        ?.slice("'nonce-".length, -1);
    const nonce = nonceOf(first.headers);
    expect(nonce).toMatch(/^[A-Za-z0-9+/=]{16,}$/);
    expect(nonceOf(second.headers)).not.toBe(nonce);
    const scripts = [...first.body.matchAll(/<script([^>]*)>/g)].map((match) => match[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attributes of scripts) {
      if (!/\bsrc=/.test(attributes)) expect(attributes).toContain(`nonce="${nonce}"`);
    }
    // Inline event handlers cannot carry a nonce: the page must have none.
    expect(first.body).not.toMatch(/<[^>]+\son[a-z]+=/i);
  });

  it("a refusal before any route (an oversized body) carries them too", async () => {
    const answer = await h.service.app.request("/api/rules/test", {
      method: "POST",
      headers: { "Content-Length": String(10 * 1024 * 1024), "Content-Type": "application/json" },
      body: "{}",
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(policyOf(answer.headers).get("frame-ancestors")).toEqual(["'none'"]);
  });
});
