import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createStreamClient, type StreamClient } from "../../src/dispatch/stream-client.ts";
import { type FakeStream, startFakeStream } from "../support/fake-stream.ts";

describe("Stream client against the fake Stream", () => {
  let fake: FakeStream;
  let client: StreamClient;
  beforeEach(async () => {
    fake = await startFakeStream({ pendingHooks: [{ timeout_ms: 60_000 }] });
    client = createStreamClient({
      apiKey: fake.apiKey,
      secret: fake.apiSecret,
      baseUrl: fake.url,
      timeoutMs: 500,
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  it("commit, get, hard delete and get app pass the fake's auth and hit its routes", async () => {
    fake.sim.addPending({ id: "a/b c", text: "hi" });
    expect(await client.commitMessage("a/b c")).toMatchObject({ kind: "ok", status: 201 });
    expect(await client.getMessage("a/b c")).toMatchObject({ kind: "ok", status: 200 });
    fake.sim.addPending({ id: "m2" });
    expect(await client.hardDeleteMessage("m2")).toMatchObject({ kind: "ok", status: 200 });
    const app = await client.getApp();
    expect(app).toMatchObject({ kind: "ok", status: 200 });
    expect(fake.ledger.map((call) => [call.operation, call.messageId, call.simulated?.status])).toEqual([
      ["commit", "a/b c", 201],
      ["get", "a/b c", 200],
      ["delete", "m2", 200],
      ["app", undefined, 200],
    ]);
    // The id is URL-encoded in the path.
    expect(fake.ledger[0]?.path).toBe("/messages/a%2Fb%20c/commit");
    expect(fake.ledger[2]?.simulated?.query.hard).toBe("true");
  });

  it("no message id can change the path of a call: dot segments are refused unsent", async () => {
    for (const id of ["..", "."]) {
      for (const call of [client.commitMessage, client.hardDeleteMessage, client.getMessage]) {
        const outcome = await call(id);
        expect(outcome).toMatchObject({ kind: "refused", status: 400 });
        expect(outcome.kind === "refused" && outcome.message).toContain("cannot be sent in a URL path");
      }
    }
    expect(fake.ledger).toEqual([]);
    // Slashes and dots inside an id stay inside its one segment.
    fake.sim.addPending({ id: "../commit" });
    expect(await client.commitMessage("../commit")).toMatchObject({ kind: "ok" });
    expect(fake.ledger.map((call) => [call.operation, call.path])).toEqual([
      ["commit", "/messages/..%2Fcommit/commit"],
    ]);
  });

  it("a refused call carries Stream's status, code and message", async () => {
    fake.sim.addPending({ id: "m" });
    await client.commitMessage("m");
    const again = await client.commitMessage("m");
    expect(again).toMatchObject({ kind: "refused", status: 400, code: 4 });
    expect(again.kind === "refused" && again.message).toMatch(/CommitMessage failed/);
    expect(await client.commitMessage("unknown")).toMatchObject({ kind: "refused", status: 404, code: 16 });
  });

  it("a wrong secret is refused by the fake (so the fake really checks our JWT)", async () => {
    const wrong = createStreamClient({
      apiKey: fake.apiKey,
      secret: "nope",
      baseUrl: fake.url,
      timeoutMs: 500,
    });
    expect(await wrong.getApp()).toMatchObject({ kind: "refused", status: 401 });
  });

  it("5xx, 408, resets and timeouts are unknown outcomes", async () => {
    fake.sim.addPending({ id: "m" });
    fake.faults.enqueue({ kind: "serverError", status: 502 });
    expect(await client.commitMessage("m")).toMatchObject({ kind: "unknown", status: 502 });
    fake.faults.enqueue({ kind: "serverError", status: 408 });
    expect(await client.commitMessage("m")).toMatchObject({ kind: "unknown", status: 408 });
    fake.faults.enqueue({ kind: "reset", applyEffect: false });
    expect(await client.commitMessage("m")).toMatchObject({ kind: "unknown", status: undefined });
    fake.faults.enqueue({ kind: "blackhole" });
    const timedOut = await client.commitMessage("m", { timeoutMs: 100 });
    expect(timedOut).toMatchObject({ kind: "unknown", message: "no answer within 100 ms" });
  });

  it("a plain-text 429 is rate_limited until X-RateLimit-Reset", async () => {
    const resetAt = Math.floor(Date.now() / 1000) + 7;
    fake.faults.enqueue({ kind: "rateLimited", resetAt });
    const outcome = await client.getApp();
    expect(outcome).toMatchObject({ kind: "rate_limited", status: 429, retryAt: resetAt * 1000 });
  });
});
