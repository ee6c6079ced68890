import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { claims, messages } from "../../src/db/schema/index.ts";
import type { Service } from "../../src/service.ts";
import { appliedCommits, streamCalls } from "../support/counts.ts";
import { type Harness, startHarness } from "../support/service.ts";
import { anotherReplica, api, createModerator, holdMessage, REVIEW_RULES, sleep } from "./helpers.ts";

describe("approve, reject, claims and bulk", () => {
  let h: Harness;
  let dana: { id: string; token: string; name: string };
  let sam: { id: string; token: string; name: string };
  beforeEach(async () => {
    h = await startHarness({ rulesYaml: REVIEW_RULES });
    dana = await createModerator(h.service, "Dana");
    sam = await createModerator(h.service, "Sam");
  });
  afterEach(async () => {
    await h.close();
  });

  it("approve: 202 committing, then committed once at Stream; a second approve or a reject gets 409 naming the status", async () => {
    const id = await holdMessage(h);
    const approved = await api(h.service, "POST", `/api/messages/${id}/approve`, {
      token: dana.token,
      body: { reason: "looks fine" },
    });
    expect(approved.status).toBe(202);
    expect(approved.body).toEqual({ message_id: id, status: "committing" });
    await h.waitForStatus(id, ["committed"]);
    expect(appliedCommits(h.stream, id)).toHaveLength(1);

    const again = await api(h.service, "POST", `/api/messages/${id}/approve`, { token: sam.token });
    expect(again.status).toBe(409);
    expect(again.contentType).toContain("application/problem+json");
    expect(again.body).toMatchObject({ code: "already_decided", current_status: "committed", status: 409 });
    const reject = await api(h.service, "POST", `/api/messages/${id}/reject`, { token: sam.token });
    expect(reject.status).toBe(409);
    expect(reject.body.current_status).toBe("committed");
    expect(streamCalls(h.stream, id, "delete")).toHaveLength(0);

    // The record tells the whole story: the rules held it, Dana approved it, Stream committed it.
    const record = await api<{
      decisions: {
        source: string;
        action: string;
        actor: string;
        reason: string | null;
        matches: unknown[];
      }[];
      actions: { actor_name: string; action: string; result: string; reason: string | null }[];
      dispatch: { calls: { call: string; outcome: string }[] };
    }>(h.service, "GET", `/api/messages/${id}`);
    expect(record.body.decisions.map((d) => [d.source, d.action])).toEqual([
      ["rules", "review"],
      ["moderator", "approve"],
    ]);
    expect(record.body.decisions[0]!.matches).toEqual([
      expect.objectContaining({
        rule_id: "needs-a-look",
        conditions: [expect.objectContaining({ spans: [expect.objectContaining({ text: "maybe" })] })],
      }),
    ]);
    expect(record.body.decisions[1]).toMatchObject({ actor: dana.id, reason: "looks fine" });
    expect(record.body.actions).toEqual([
      expect.objectContaining({
        actor_name: "Dana",
        action: "approve",
        result: "committing",
        reason: "looks fine",
      }),
      expect.objectContaining({
        actor_name: "Sam",
        action: "approve",
        result: "refused: message is committed",
      }),
      expect.objectContaining({
        actor_name: "Sam",
        action: "reject",
        result: "refused: message is committed",
      }),
    ]);
    expect(record.body.dispatch.calls).toEqual([expect.objectContaining({ call: "commit", outcome: "ok" })]);
  });

  it("reject: 202 rejecting, hard-deleted at Stream, never committed", async () => {
    const id = await holdMessage(h);
    const rejected = await api(h.service, "POST", `/api/messages/${id}/reject`, { token: dana.token });
    expect(rejected.status).toBe(202);
    expect(rejected.body.status).toBe("rejecting");
    await h.waitForStatus(id, ["rejected"]);
    expect(streamCalls(h.stream, id, "delete")).toHaveLength(1);
    expect(streamCalls(h.stream, id, "commit")).toHaveLength(0);
  });

  it("410 after DeletedPendingMessage, for approve, reject and claim; nothing sent to Stream", async () => {
    const id = await holdMessage(h);
    const deleted = h.pending({ message: { id } });
    expect((await h.hook("DeletedPendingMessage", deleted)).status).toBe(200);
    for (const verb of ["approve", "reject", "claim"]) {
      const answer = await api(h.service, "POST", `/api/messages/${id}/${verb}`, { token: dana.token });
      expect(answer.status, verb).toBe(410);
      expect(answer.body).toMatchObject({ code: "message_deleted", current_status: "deleted" });
    }
    expect(streamCalls(h.stream, id)).toHaveLength(0);
  });

  it("410 after expiry, and approving a held message whose deadline passed closes it as expired without a Stream call", async () => {
    const id = await holdMessage(h);
    // The deadline passes while nobody (not even the sweeper) has acted on it.
    await h.db.database.db
      .update(messages)
      .set({ deadlineAt: new Date(Date.now() - 1000) })
      .where(eq(messages.id, id));
    const late = await api(h.service, "POST", `/api/messages/${id}/approve`, { token: dana.token });
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ code: "message_expired", current_status: "expired" });
    expect(late.body.detail).toContain("deadline");
    expect(await h.status(id)).toBe("expired");
    const again = await api(h.service, "POST", `/api/messages/${id}/reject`, { token: sam.token });
    expect(again.status).toBe(410);
    expect(again.body.current_status).toBe("expired");
    await sleep(200);
    expect(streamCalls(h.stream, id)).toHaveLength(0);
  });

  it("404 for an unknown message", async () => {
    const answer = await api(h.service, "POST", "/api/messages/no-such-message/approve", {
      token: dana.token,
    });
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe("message_not_found");
  });

  it("claims: a second moderator gets 409 naming the holder and cannot decide; the holder and an admin can", async () => {
    const id = await holdMessage(h);
    const claimed = await api<{ claim: { moderator_name: string; expires_at: string } }>(
      h.service,
      "POST",
      `/api/messages/${id}/claim`,
      { token: dana.token },
    );
    expect(claimed.status).toBe(200);
    expect(claimed.body.claim.moderator_name).toBe("Dana");
    const expiresIn = Date.parse(claimed.body.claim.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(1_000);

    const queue = await api<{ items: { id: string; claim: { moderator_name: string } | null }[] }>(
      h.service,
      "GET",
      "/api/queue",
    );
    expect(queue.body.items.find((item) => item.id === id)?.claim?.moderator_name).toBe("Dana");

    const samClaims = await api(h.service, "POST", `/api/messages/${id}/claim`, { token: sam.token });
    expect(samClaims.status).toBe(409);
    expect(samClaims.body).toMatchObject({
      code: "claimed",
      claimed_by: { moderator_id: dana.id, moderator_name: "Dana" },
    });
    expect(samClaims.body.detail).toContain("Dana");

    for (const verb of ["approve", "reject"]) {
      const answer = await api(h.service, "POST", `/api/messages/${id}/${verb}`, { token: sam.token });
      expect(answer.status, verb).toBe(409);
      expect(answer.body).toMatchObject({ code: "claimed", claimed_by: { moderator_name: "Dana" } });
    }
    const samReleases = await api(h.service, "POST", `/api/messages/${id}/release`, { token: sam.token });
    expect(samReleases.status).toBe(409);
    expect(await h.status(id)).toBe("held");

    // Renewing one's own claim is fine; the admin overrides a live claim.
    expect((await api(h.service, "POST", `/api/messages/${id}/claim`, { token: dana.token })).status).toBe(
      200,
    );
    const admin = await api(h.service, "POST", `/api/messages/${id}/reject`, {
      body: { reason: "override" },
    });
    expect(admin.status).toBe(202);
    expect((await h.db.database.db.select().from(claims).where(eq(claims.messageId, id))).length).toBe(0);
  });

  it("the holder decides its claimed message; release lets others in", async () => {
    const first = await holdMessage(h);
    const second = await holdMessage(h);
    expect((await api(h.service, "POST", `/api/messages/${first}/claim`, { token: dana.token })).status).toBe(
      200,
    );
    expect(
      (await api(h.service, "POST", `/api/messages/${first}/approve`, { token: dana.token })).status,
    ).toBe(202);

    expect(
      (await api(h.service, "POST", `/api/messages/${second}/claim`, { token: dana.token })).status,
    ).toBe(200);
    const released = await api(h.service, "POST", `/api/messages/${second}/release`, { token: dana.token });
    expect(released.body).toEqual({ message_id: second, released: true });
    expect(
      (await api(h.service, "POST", `/api/messages/${second}/release`, { token: dana.token })).body.released,
    ).toBe(false);
    expect(
      (await api(h.service, "POST", `/api/messages/${second}/approve`, { token: sam.token })).status,
    ).toBe(202);
  });

  it("a claim expires on its own", async () => {
    const shortClaims: Service = await anotherReplica(h, { claimTtlMs: 300 });
    try {
      const id = await holdMessage(h);
      expect(
        (await api(shortClaims, "POST", `/api/messages/${id}/claim`, { token: dana.token })).status,
      ).toBe(200);
      expect((await api(shortClaims, "POST", `/api/messages/${id}/claim`, { token: sam.token })).status).toBe(
        409,
      );
      await sleep(400);
      const queue = await api<{ items: { id: string; claim: unknown }[] }>(shortClaims, "GET", "/api/queue");
      expect(queue.body.items.find((item) => item.id === id)?.claim).toBeNull();
      const samClaims = await api<{ claim: { moderator_name: string } }>(
        shortClaims,
        "POST",
        `/api/messages/${id}/claim`,
        {
          token: sam.token,
        },
      );
      expect(samClaims.status).toBe(200);
      expect(samClaims.body.claim.moderator_name).toBe("Sam");
      expect(
        (await api(shortClaims, "POST", `/api/messages/${id}/approve`, { token: dana.token })).status,
      ).toBe(409);
    } finally {
      await shortClaims.shutdown();
    }
  });

  it("bulk approve and reject answer one result per id, with mixed outcomes", async () => {
    const fresh = await holdMessage(h);
    const claimedBySam = await holdMessage(h);
    const decided = await holdMessage(h);
    const deletedUpstream = await holdMessage(h);
    expect(
      (await api(h.service, "POST", `/api/messages/${claimedBySam}/claim`, { token: sam.token })).status,
    ).toBe(200);
    expect(
      (await api(h.service, "POST", `/api/messages/${decided}/reject`, { token: sam.token })).status,
    ).toBe(202);
    await h.hook("DeletedPendingMessage", h.pending({ message: { id: deletedUpstream } }));

    const bulk = await api<{
      results: { id: string; ok: boolean; http_status: number; status: string | null; code: string | null }[];
      summary: { ok: number; refused: number };
    }>(h.service, "POST", "/api/messages/approve", {
      token: dana.token,
      body: { ids: [fresh, claimedBySam, decided, deletedUpstream, "unknown-id", fresh], reason: "batch" },
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results).toEqual([
      { id: fresh, ok: true, http_status: 202, status: "committing", code: null, detail: null },
      expect.objectContaining({
        id: claimedBySam,
        ok: false,
        http_status: 409,
        code: "claimed",
        status: "held",
      }),
      expect.objectContaining({
        id: decided,
        ok: false,
        http_status: 409,
        code: "already_decided",
        status: expect.stringMatching(/^reject/),
      }),
      expect.objectContaining({
        id: deletedUpstream,
        ok: false,
        http_status: 410,
        code: "message_deleted",
        status: "deleted",
      }),
      expect.objectContaining({
        id: "unknown-id",
        ok: false,
        http_status: 404,
        code: "message_not_found",
        status: null,
      }),
    ]);
    expect(bulk.body.summary).toEqual({ ok: 1, refused: 4 });
    await h.waitForStatus(fresh, ["committed"]);
    expect(appliedCommits(h.stream, fresh)).toHaveLength(1);

    const bulkReject = await api<{ results: { id: string; ok: boolean }[] }>(
      h.service,
      "POST",
      "/api/messages/reject",
      {
        token: sam.token,
        body: { ids: [claimedBySam, fresh] },
      },
    );
    expect(bulkReject.body.results.map((r) => [r.id, r.ok])).toEqual([
      [claimedBySam, true],
      [fresh, false],
    ]);

    const empty = await api(h.service, "POST", "/api/messages/approve", {
      token: sam.token,
      body: { ids: [] },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe("invalid_request");
  });
});
