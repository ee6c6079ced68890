import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { outbox } from "../../src/db/schema/index.ts";
import { OutboxStore } from "../../src/dispatch/outbox-store.ts";
import { createStreamClient } from "../../src/dispatch/stream-client.ts";
import { appliedCommits, attemptsOf, streamCalls } from "../support/counts.ts";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/service.ts";
import { pendingMessagePayload } from "../support/sign.ts";

/** GET /api/readiness (admin): every check with its detail. */
async function readinessDetail(h: Harness) {
  const answer = await h.service.app.request("/api/readiness", {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  // 503 when not ready, with the details all the same.
  expect([200, 503]).toContain(answer.status);
  return (await answer.json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
}

// What a commit came to when its answer is missing, misleading or refused: the record must say
// what Stream holds, never a guess.

describe("commit outcomes that are not plain answers", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("a dispatcher killed after its commit landed, its lease running out past the deadline: committed, not expired", async () => {
    h = await startHarness({ startWorkers: false, env: { PENDING_TIMEOUT_MS: "3000" } });
    const payload = h.pending({ message: { created_at: new Date().toISOString() } });
    expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);
    const id = payload.message.id;

    // The dying dispatcher claims the row under a lease longer than the time left, sends the
    // commit (Stream applies it), and is killed before it records the answer.
    const dying = new OutboxStore(h.db.database.db, "killed-dispatcher", 5000);
    expect((await dying.claimDueWithAttempts(10, 0)).map((w) => w.messageId)).toEqual([id]);
    const itsClient = createStreamClient({
      apiKey: h.stream.apiKey,
      secret: h.stream.apiSecret,
      baseUrl: h.stream.url,
      timeoutMs: 1000,
    });
    expect(await itsClient.commitMessage(id)).toMatchObject({ kind: "ok", status: 201 });

    // The lease runs out after the deadline; whoever takes the row over must look the message up.
    h.service.startWorkers();
    expect(await h.waitForStatus(id, ["committed", "expired", "deleted"], 20_000)).toBe("committed");
    expect(appliedCommits(h.stream, id)).toHaveLength(1);
    expect(streamCalls(h.stream, id, "commit")).toHaveLength(1);
    expect(streamCalls(h.stream, id, "get").length).toBeGreaterThan(0);
  });

  it("a commit refused with 400 while Stream still holds the message pending is tried again, not recorded committed", async () => {
    h = await startHarness();
    // A 400 in Stream's shape that did not commit anything: the GET after it shows
    // pending_message_metadata, so the message is still pending.
    h.stream.faults.enqueue({ kind: "serverError", status: 400, code: 4, match: { operation: "commit" } });
    const payload = h.pending();
    await h.hook("PassOnPendingMessage", payload);
    const id = payload.message.id;
    expect(await h.waitForStatus(id, ["committed", "expired", "deleted"])).toBe("committed");
    expect(h.stream.sim.get(id)?.state).toBe("committed");
    expect(appliedCommits(h.stream, id)).toHaveLength(1);
    const calls = (await attemptsOf(h.db.database.db, id)).map((a) => [a.call, a.outcome, a.httpStatus]);
    expect(calls).toEqual([
      ["commit", "rejected", 400],
      ["get", "ok", 200],
      ["commit", "ok", 201],
    ]);
  });

  it("without metadata a GET cannot tell pending from committed: the commit is tried again, the record says why", async () => {
    h = await startHarness();
    h.stream.faults.enqueue({ kind: "serverError", status: 400, code: 4, match: { operation: "commit" } });
    // A slow second commit, so the row's reason can be read while it waits.
    h.stream.faults.enqueue({
      kind: "delay",
      ms: 1500,
      phase: "beforeEffect",
      match: { operation: "commit" },
    });
    // Sent without pending_message_metadata: Stream's GET shows none, pending or not.
    const payload = pendingMessagePayload({ metadata: {} });
    h.stream.sim.addPending(payload.message);
    await h.hook("PassOnPendingMessage", payload);
    const id = payload.message.id;
    await h.stream.waitForCall(
      (call) => call.messageId === id && call.operation === "commit" && call.seq > 2,
    );
    const [row] = await h.db.database.db.select().from(outbox).where(eq(outbox.messageId, id));
    expect(row?.lastError).toMatch(/GET cannot tell committed from pending/);
    expect(row?.outcomeUnknown).toBe(1);
    expect(await h.waitForStatus(id, ["committed", "expired", "deleted"])).toBe("committed");
    expect(h.stream.sim.get(id)?.state).toBe("committed");
  });

  it("a STREAM_BASE_URL that answers 404 pages is no proof of deletion: the message stays committing and the calls count as not_stream", async () => {
    h = await startHarness({ startWorkers: false });
    const lost = await startHarness({
      startWorkers: true,
      env: { STREAM_BASE_URL: `${h.stream.url}/no-such-prefix` },
    });
    try {
      const payload = lost.pending();
      await lost.hook("PassOnPendingMessage", payload);
      const id = payload.message.id;
      // Wait until the dispatcher has tried (and failed) at least twice.
      const until = Date.now() + 10_000;
      while ((await attemptsOf(lost.db.database.db, id)).filter((a) => a.finishedAt).length < 2) {
        if (Date.now() > until) throw new Error("no finished commit attempts");
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await lost.status(id)).toBe("committing");
      const attempts = await attemptsOf(lost.db.database.db, id);
      expect(attempts[0]).toMatchObject({ call: "commit", outcome: "unknown", httpStatus: 404 });
      expect(attempts[0]?.error).toMatch(/without Stream's JSON error/);
      const metrics = await (await lost.service.app.request("/metrics")).text();
      expect(metrics).toMatch(
        /gatehouse_dispatch_attempts_total\{call="commit",outcome="not_stream"\} [1-9]/,
      );
      // ...and readiness fails on it, saying why to an admin.
      expect((await lost.service.app.request("/readyz")).status).toBe(503);
      const body = await readinessDetail(lost);
      expect(body.checks.find((c) => c.name === "stream")).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/STREAM_BASE_URL does not answer like Stream/),
      });
    } finally {
      await lost.close();
    }
  });

  it("readiness names wrong credentials, and passes against Stream", async () => {
    h = await startHarness({ startWorkers: false, env: { STREAM_API_SECRET: "not-the-secret" } });
    expect((await h.service.app.request("/readyz")).status).toBe(503);
    const stream = (await readinessDetail(h)).checks.find((c) => c.name === "stream");
    expect(stream?.detail).toMatch(
      /Stream refused our credentials \(HTTP 401.*check STREAM_API_KEY and STREAM_API_SECRET/,
    );
    expect(stream?.detail).not.toContain("not-the-secret");
    await h.close();
    h = await startHarness({ startWorkers: false });
    expect((await h.service.app.request("/readyz")).status).toBe(200);
  });

  it("lookups that keep failing are bounded: the message ends expired with the reason, and the metric counts it", async () => {
    h = await startHarness({ env: { DISPATCH_LOOKUP_LIMIT: "3" } });
    // Every commit is refused as "not pending" and every lookup forbidden (a credential change).
    h.stream.faults.setRule((call) =>
      call.operation === "commit"
        ? { kind: "serverError", status: 400, code: 4 }
        : call.operation === "get"
          ? { kind: "serverError", status: 403, code: 17 }
          : undefined,
    );
    const payload = h.pending();
    await h.hook("PassOnPendingMessage", payload);
    const id = payload.message.id;
    expect(await h.waitForStatus(id, ["committed", "expired", "deleted"], 20_000)).toBe("expired");
    expect(streamCalls(h.stream, id, "get")).toHaveLength(3);
    const record = await (
      await h.service.app.request(`/api/messages/${encodeURIComponent(id)}`, {
        headers: { authorization: "Bearer test-admin-token-0123456789" },
      })
    ).json();
    expect(JSON.stringify(record)).toMatch(
      /commit outcome never resolved: 3 lookups failed, the last with 403/,
    );
    const metrics = await (await h.service.app.request("/metrics")).text();
    expect(metrics).toMatch(/gatehouse_unresolved_outcomes_total\{last="refused"\} 1/);
  });
});

describe("our own hard delete", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("reported by DeletedPendingMessage before the delete's answer arrives: the record ends rejected", async () => {
    h = await startHarness({
      rulesYaml: "rules:\n  - id: bad\n    action: reject\n    when:\n      text_has_any: [badword]\n",
    });
    // Stream applies the delete at once, sends its DeletedPendingMessage, and answers us late
    // (within the client's 1 s timeout).
    h.stream.faults.enqueue({ kind: "delay", ms: 700, phase: "afterEffect", match: { operation: "delete" } });
    const payload = h.pending({ message: { text: "a badword here" } });
    await h.hook("PassOnPendingMessage", payload);
    const id = payload.message.id;
    await h.stream.waitForCall(
      (call) => call.messageId === id && call.operation === "delete" && call.effectApplied,
    );
    const deleted = await h.hook("DeletedPendingMessage", payload);
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as { status: string }).status).toBe("rejected");
    await h.stream.waitForCall(
      (call) => call.messageId === id && call.operation === "delete" && call.clientSaw.kind !== "inFlight",
    );
    expect(await h.waitForStatus(id, ["rejected", "deleted", "expired"])).toBe("rejected");
    const [row] = await h.db.database.db.select().from(outbox).where(eq(outbox.messageId, id));
    expect(row?.state).toBe("done");
  });

  it("a DeletedPendingMessage for a rejected message whose delete was never sent still ends deleted", async () => {
    h = await startHarness({
      startWorkers: false,
      rulesYaml: "rules:\n  - id: bad\n    action: reject\n    when:\n      text_has_any: [badword]\n",
    });
    const payload = h.pending({ message: { text: "a badword here" } });
    await h.hook("PassOnPendingMessage", payload);
    h.stream.sim.deleteExternally(payload.message.id);
    await h.hook("DeletedPendingMessage", payload);
    expect(await h.status(payload.message.id)).toBe("deleted");
  });
});
