import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appliedCommits, attemptsOf, streamCalls } from "../support/counts.ts";
import { type Harness, startHarness } from "../support/service.ts";

describe("Stream faults during commit", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("two 500s then success: committed, three commit calls, each attempt recorded with its outcome", async () => {
    h.stream.faults.enqueue(
      { kind: "serverError", status: 500, match: { operation: "commit" } },
      { kind: "serverError", status: 500, match: { operation: "commit" } },
    );
    const payload = h.pending();
    await h.hook("PassOnPendingMessage", payload);
    await h.waitForStatus(payload.message.id, ["committed"]);
    expect(streamCalls(h.stream, payload.message.id, "commit")).toHaveLength(3);
    expect(appliedCommits(h.stream, payload.message.id)).toHaveLength(1);
    const attempts = await attemptsOf(h.db.database.db, payload.message.id);
    expect(attempts.map((a) => [a.call, a.outcome, a.httpStatus])).toEqual([
      ["commit", "unknown", 500],
      ["commit", "unknown", 500],
      ["commit", "ok", 201],
    ]);
    expect(attempts.every((a) => a.finishedAt && a.finishedAt >= a.startedAt)).toBe(true);
  });

  it("a plain-text 429 waits for X-RateLimit-Reset, then commits", async () => {
    const resetAt = Math.ceil(Date.now() / 1000) + 1;
    h.stream.faults.enqueue({ kind: "rateLimited", resetAt, match: { operation: "commit" } });
    const payload = h.pending();
    await h.hook("PassOnPendingMessage", payload);
    await h.waitForStatus(payload.message.id, ["committed"], 10_000);
    const commits = streamCalls(h.stream, payload.message.id, "commit");
    expect(commits).toHaveLength(2);
    expect(commits[0]?.clientSaw).toEqual({ kind: "response", status: 429 });
    // The retry did not come before the reset time Stream gave.
    expect(commits[1]!.at).toBeGreaterThanOrEqual(resetAt * 1000 - 5);
    expect((await attemptsOf(h.db.database.db, payload.message.id))[0]?.outcome).toBe("rate_limited");
  });

  it("commit applied but its response lost (connection reset): exactly one successful commit, final status committed", async () => {
    h.stream.faults.enqueue({ kind: "reset", applyEffect: true, match: { operation: "commit" } });
    const payload = h.pending();
    await h.hook("PassOnPendingMessage", payload);
    await h.waitForStatus(payload.message.id, ["committed"]);
    expect(appliedCommits(h.stream, payload.message.id)).toHaveLength(1);
    expect(h.stream.sim.get(payload.message.id)?.state).toBe("committed");
    // The retry was refused as "not pending" and resolved by looking the message up.
    const attempts = await attemptsOf(h.db.database.db, payload.message.id);
    expect(attempts.map((a) => [a.call, a.outcome])).toEqual([
      ["commit", "unknown"],
      ["commit", "rejected"],
      ["get", "ok"],
    ]);
  });

  it("the app's other pending hook committed first: committed, without an error", async () => {
    const payload = h.pending();
    h.stream.sim.commitExternally(payload.message.id);
    await h.hook("PassOnPendingMessage", payload);
    expect(await h.waitForStatus(payload.message.id, ["committed", "deleted", "expired"])).toBe("committed");
    expect(appliedCommits(h.stream, payload.message.id)).toHaveLength(0);
  });

  it("deleted at Stream before we commit: 404 makes it deleted, and nothing more is sent", async () => {
    const payload = h.pending();
    h.stream.sim.deleteExternally(payload.message.id);
    await h.hook("PassOnPendingMessage", payload);
    expect(await h.waitForStatus(payload.message.id, ["committed", "deleted", "expired"])).toBe("deleted");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(streamCalls(h.stream, payload.message.id, "commit")).toHaveLength(1);
  });

  it("a response slower than the client timeout after the commit applied: one commit, committed", async () => {
    h.stream.faults.enqueue({
      kind: "delay",
      ms: 1500,
      phase: "afterEffect",
      match: { operation: "commit" },
    });
    const payload = h.pending();
    await h.hook("PassOnPendingMessage", payload);
    await h.waitForStatus(payload.message.id, ["committed"]);
    expect(appliedCommits(h.stream, payload.message.id)).toHaveLength(1);
  });
});
