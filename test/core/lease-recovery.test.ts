import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rawSql } from "../../src/db/client.ts";
import { OutboxStore } from "../../src/dispatch/outbox-store.ts";
import { hookPayloadSchema } from "../../src/hooks/payload.ts";
import { ReceiptBatcher } from "../../src/hooks/receipt-batcher.ts";
import { receivePendingMessage } from "../../src/hooks/receive.ts";
import { builtInRuleSet } from "../../src/rules/index.ts";
import { appliedCommits, attemptsOf, streamCalls } from "../support/counts.ts";
import { type Harness, startHarness } from "../support/service.ts";

describe("a dispatcher that claims and dies", () => {
  let h: Harness;
  beforeEach(async () => {
    // No workers yet: the dead dispatcher must claim the row first.
    h = await startHarness({
      startWorkers: false,
      env: { DISPATCH_LEASE_MS: "1500", STREAM_TIMEOUT_MS: "250" },
    });
  });
  afterEach(async () => {
    await h.close();
  });

  it("its lease runs out and another completes the work: still one commit", async () => {
    const payload = h.pending();
    expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);
    // Workers are not started, so nothing has dispatched it yet.
    expect(await h.status(payload.message.id)).toBe("committing");

    const dead = new OutboxStore(h.db.database.db, "dead-dispatcher", 1000);
    // The claim writes the attempt row of the call it is about to make; then the process dies.
    const claimed = await dead.claimDueWithAttempts(10, 0);
    expect(claimed.map((w) => w.messageId)).toEqual([payload.message.id]);
    expect(claimed[0]?.attemptId).toBeGreaterThan(0);

    const alive = new OutboxStore(h.db.database.db, "other", 1000);
    expect(await alive.claimDueWithAttempts(10, 0)).toEqual([]); // the lease is live

    h.service.startWorkers();
    await h.waitForStatus(payload.message.id, ["committed"], 10_000);
    expect(streamCalls(h.stream, payload.message.id, "commit")).toHaveLength(1);
    expect(appliedCommits(h.stream, payload.message.id)).toHaveLength(1);
    const attempts = await attemptsOf(h.db.database.db, payload.message.id);
    expect(attempts.map((a) => [a.dispatcher, a.outcome])).toEqual([
      ["dead-dispatcher", null],
      [h.service.instanceId, "ok"],
    ]);
  });

  it("a replica that claimed the row with its receipt and died: its lease runs out, and the message is still committed once", async () => {
    const payload = h.pending();
    // The receipt claims the row for "dead-replica", whose process dies before the call.
    const dying = new ReceiptBatcher(rawSql(h.db.database.db), undefined, {
      terms: { owner: "dead-replica", leaseMs: 1000 },
      marginMs: 0,
      reserve: (wanted) => wanted,
      unreserve: () => {},
      run: () => {},
    });
    const receipt = await receivePendingMessage(
      { db: h.db.database.db, rules: builtInRuleSet, pendingTimeoutMs: 60_000, receipts: dying },
      hookPayloadSchema.parse(payload),
      { webhookId: null, attempt: null },
    );
    expect(receipt).toMatchObject({ status: "committing", isNew: true, dispatch: false });
    const alive = new OutboxStore(h.db.database.db, "other", 1000);
    expect(await alive.claimDueWithAttempts(10, 0)).toEqual([]); // the lease is live

    h.service.startWorkers();
    await h.waitForStatus(payload.message.id, ["committed"], 10_000);
    expect(streamCalls(h.stream, payload.message.id, "commit")).toHaveLength(1);
    const attempts = await attemptsOf(h.db.database.db, payload.message.id);
    expect(attempts.map((a) => [a.dispatcher, a.outcome])).toEqual([
      ["dead-replica", null],
      [h.service.instanceId, "ok"],
    ]);
  });
});
