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
