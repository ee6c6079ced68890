import { afterEach, describe, expect, it } from "vitest";
import { createStreamClient } from "../../src/dispatch/stream-client.ts";
import { computeDeadline, resolvePendingTimeout, timeoutFromAppHooks } from "../../src/hooks/deadline.ts";
import { openTestDatabase } from "../support/db.ts";
import { type FakeStream, startFakeStream } from "../support/fake-stream.ts";
import { type Harness, startHarness, startTestService } from "../support/service.ts";

const THREE_DAYS = 259_200_000;

describe("deadline = created_at (or receipt) + effective timeout", () => {
  const received = new Date("2026-05-01T12:00:00.000Z");

  it("starts from message.created_at", () => {
    expect(computeDeadline("2026-05-01T11:59:58.000Z", received, 10_000).toISOString()).toBe(
      "2026-05-01T12:00:08.000Z",
    );
  });
  it("starts from the receipt time when created_at is missing or unreadable", () => {
    expect(computeDeadline(undefined, received, 10_000).toISOString()).toBe("2026-05-01T12:00:10.000Z");
    expect(computeDeadline(null, received, 10_000).toISOString()).toBe("2026-05-01T12:00:10.000Z");
    expect(computeDeadline("yesterday-ish", received, 10_000).toISOString()).toBe("2026-05-01T12:00:10.000Z");
  });
  it("never trusts a created_at later than the receipt", () => {
    expect(computeDeadline("2026-05-02T00:00:00.000Z", received, 10_000).toISOString()).toBe(
      "2026-05-01T12:00:10.000Z",
    );
  });
});

describe("effective pending timeout", () => {
  let fake: FakeStream | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });
  const clientFor = (stream: FakeStream) =>
    createStreamClient({
      apiKey: stream.apiKey,
      secret: stream.apiSecret,
      baseUrl: stream.url,
      timeoutMs: 1000,
    });

  it("the longest enabled pending_message hook wins; disabled and other hook types are ignored", () => {
    expect(
      timeoutFromAppHooks([
        { hook_type: "pending_message", enabled: true, timeout_ms: 60_000 },
        { hook_type: "pending_message", enabled: true, timeout_ms: 120_000 },
        { hook_type: "pending_message", enabled: false, timeout_ms: 999_999 },
        { hook_type: "webhook", enabled: true, timeout_ms: 888_888 },
      ]),
    ).toBe(120_000);
    expect(timeoutFromAppHooks([])).toBeUndefined();
  });

  it("PENDING_TIMEOUT_MS first, without asking Stream", async () => {
    fake = await startFakeStream({ pendingHooks: [{ timeout_ms: 5000 }] });
    expect(await resolvePendingTimeout(42_000, THREE_DAYS, clientFor(fake))).toEqual({
      timeoutMs: 42_000,
      source: "PENDING_TIMEOUT_MS",
    });
    expect(fake.ledger).toHaveLength(0);
  });

  it("else the app's hooks from GET /app", async () => {
    fake = await startFakeStream({ pendingHooks: [{ timeout_ms: 5000 }, { timeout_ms: 90_000 }] });
    expect(await resolvePendingTimeout(undefined, THREE_DAYS, clientFor(fake))).toEqual({
      timeoutMs: 90_000,
      source: "stream_app",
    });
    expect(fake.ledger.map((call) => call.operation)).toEqual(["app"]);
  });

  it("else 3 days: no pending hook with a timeout, or GET /app failing", async () => {
    fake = await startFakeStream({ pendingHooks: [] });
    expect(await resolvePendingTimeout(undefined, THREE_DAYS, clientFor(fake))).toMatchObject({
      timeoutMs: THREE_DAYS,
      source: "default",
    });
    fake.faults.enqueue({ kind: "serverError", status: 500 });
    const failed = await resolvePendingTimeout(undefined, THREE_DAYS, clientFor(fake));
    expect(failed).toMatchObject({ timeoutMs: THREE_DAYS, source: "default" });
    expect(failed.detail).toMatch(/GET \/app failed/);
  });

  it("the service stores each message's deadline from the resolved timeout", async () => {
    fake = await startFakeStream({ pendingHooks: [{ timeout_ms: 77_000 }] });
    const db = await openTestDatabase();
    const service = await startTestService(db, fake, { env: { PENDING_TIMEOUT_MS: "" } });
    try {
      expect(service.pendingTimeout).toEqual({ timeoutMs: 77_000, source: "stream_app" });
    } finally {
      await service.shutdown();
      await db.close();
    }
  });
});

describe("no dispatch attempt after the deadline", () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it("a commit failing until the deadline ends expired, with no call at or after the deadline", async () => {
    h = await startHarness({ env: { PENDING_TIMEOUT_MS: "1500" } });
    h.stream.faults.setRule((call) =>
      call.operation === "commit" ? { kind: "serverError", status: 503 } : undefined,
    );
    const payload = h.pending({ message: { created_at: new Date().toISOString() } });
    await h.hook("PassOnPendingMessage", payload);
    const deadline = Date.parse(payload.message.created_at as string) + 1500;
    expect(await h.waitForStatus(payload.message.id, ["expired", "committed", "deleted"], 10_000)).toBe(
      "expired",
    );
    const commits = h.stream.ledger.filter(
      (call) => call.messageId === payload.message.id && call.operation === "commit",
    );
    expect(commits.length).toBeGreaterThan(1);
    expect(Math.max(...commits.map((call) => call.at))).toBeLessThan(deadline);
  });

  it("a message received after its deadline is expired at once and never sent", async () => {
    h = await startHarness({ env: { PENDING_TIMEOUT_MS: "1000" } });
    const payload = h.pending({ message: { created_at: new Date(Date.now() - 5000).toISOString() } });
    const response = await h.hook("PassOnPendingMessage", payload);
    expect(await response.json()).toEqual({ message_id: payload.message.id, status: "expired" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.stream.ledger.filter((call) => call.messageId === payload.message.id)).toHaveLength(0);
  });

  it("a rate limit resetting after the deadline: no retry, expired", async () => {
    h = await startHarness({ env: { PENDING_TIMEOUT_MS: "1200" } });
    h.stream.faults.setRule((call) =>
      call.operation === "commit"
        ? { kind: "rateLimited", resetAt: Math.ceil(Date.now() / 1000) + 30 }
        : undefined,
    );
    const payload = h.pending({ message: { created_at: new Date().toISOString() } });
    await h.hook("PassOnPendingMessage", payload);
    expect(await h.waitForStatus(payload.message.id, ["expired", "committed"], 10_000)).toBe("expired");
    expect(
      h.stream.ledger.filter((call) => call.messageId === payload.message.id && call.operation === "commit"),
    ).toHaveLength(1);
  });

  it("a commit answered after the deadline with unknown outcome is resolved by lookup, not another commit", async () => {
    h = await startHarness({
      env: { PENDING_TIMEOUT_MS: "1500", STREAM_TIMEOUT_MS: "5000", DISPATCH_LEASE_MS: "11000" },
    });
    // The commit lands, but its answer is lost: the outcome is unknown when the deadline comes.
    h.stream.faults.enqueue({ kind: "reset", applyEffect: true, match: { operation: "commit" } });
    h.stream.faults.setRule((call) =>
      call.operation === "commit" ? { kind: "serverError", status: 503 } : undefined,
    );
    const payload = h.pending({ message: { created_at: new Date().toISOString() } });
    await h.hook("PassOnPendingMessage", payload);
    expect(await h.waitForStatus(payload.message.id, ["expired", "committed", "deleted"], 10_000)).toBe(
      "committed",
    );
    expect(h.stream.sim.get(payload.message.id)?.state).toBe("committed");
  });
});
