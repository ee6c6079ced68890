import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rawSql } from "../../src/db/client.ts";
import type { ImmediateDispatch } from "../../src/dispatch/immediate-dispatch.ts";
import type { ClaimedWork } from "../../src/dispatch/outbox-store.ts";
import { hookPayloadSchema } from "../../src/hooks/payload.ts";
import { ReceiptBatcher } from "../../src/hooks/receipt-batcher.ts";
import { type Receipt, receivePendingMessage } from "../../src/hooks/receive.ts";
import { parseRuleSet } from "../../src/rules/index.ts";
import { attemptsOf, outboxRowOf, streamCalls } from "../support/counts.ts";
import { openTestDatabase, type TestDatabase } from "../support/db.ts";
import { type Harness, startHarness } from "../support/service.ts";
import { pendingMessagePayload } from "../support/sign.ts";

const RULES = parseRuleSet(
  "rules: [{id: no-spam, action: reject, when: {text_has_any: [spam]}}, {id: ask, action: review, when: {text_has_any: [hmm]}}]",
  "test",
);
const LEASE_MS = 30_000;
const MARGIN_MS = 250;

/** An ImmediateDispatch with a fixed number of free places that records what it is asked. */
function recordingDispatch(places: number) {
  const ran: ClaimedWork[] = [];
  let free = places;
  const dispatch: ImmediateDispatch = {
    terms: { owner: "replica-a", leaseMs: LEASE_MS },
    marginMs: MARGIN_MS,
    reserve: (wanted) => {
      const granted = Math.min(wanted, free);
      free -= granted;
      return granted;
    },
    unreserve: (count) => {
      free += count;
    },
    run: (work) => {
      ran.push(work);
    },
  };
  return { dispatch, ran, free: () => free, taken: () => places - free - ran.length };
}

describe("receipts that claim their own outbox rows", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await openTestDatabase();
  });
  afterEach(async () => {
    await db.close();
  });

  function receive(
    batcher: ReceiptBatcher,
    text: string,
    overrides: { id?: string; createdAt?: string } = {},
  ) {
    const payload = hookPayloadSchema.parse(
      pendingMessagePayload({
        message: {
          text,
          ...(overrides.id ? { id: overrides.id } : {}),
          ...(overrides.createdAt ? { created_at: overrides.createdAt } : {}),
        },
      }),
    );
    return receivePendingMessage(
      { db: db.database.db, rules: () => RULES, pendingTimeoutMs: 60_000, receipts: batcher },
      payload,
      { webhookId: "wh", attempt: 1 },
    );
  }

  const outboxRow = (id: string) => outboxRowOf(db.database.db, id);
  const attemptRows = (id: string) => attemptsOf(db.database.db, id);

  it("an approved and a rejected message are stored leased to this replica, with their first attempt, and handed to the dispatcher", async () => {
    const sink = recordingDispatch(8);
    const batcher = new ReceiptBatcher(rawSql(db.database.db), undefined, sink.dispatch);
    const before = Date.now();
    const [approved, rejected] = await Promise.all([receive(batcher, "hello"), receive(batcher, "buy spam")]);

    for (const [receipt, action, status] of [
      [approved, "commit", "committing"],
      [rejected, "delete", "rejecting"],
    ] as const) {
      // Claimed: the route has nothing to kick.
      expect(receipt).toMatchObject({ status, isNew: true, dispatch: false });
      const row = await outboxRow(receipt.messageId);
      expect(row).toMatchObject({ action, state: "pending", attempts: 1, leaseOwner: "replica-a" });
      // Leased for LEASE_MS from the receipt (however long the machine took since; a second for
      // the gap between this clock and Postgres's).
      expect(row!.leaseExpiresAt!.getTime()).toBeGreaterThan(before + LEASE_MS - 1000);
      const attempts = await attemptRows(receipt.messageId);
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ call: action, dispatcher: "replica-a", outcome: null });
      const work = sink.ran.find((w) => w.messageId === receipt.messageId);
      expect(work).toMatchObject({
        action,
        status,
        attempts: 1,
        outcomeUnknown: false,
        attemptId: attempts[0]!.id,
      });
    }
    // Both places are in use by the work handed over; none is left dangling.
    expect(sink.ran).toHaveLength(2);
    expect(sink.taken()).toBe(0);
  });

  it("beyond the dispatcher's free places, rows are stored unleased for the poller and the route kicks them", async () => {
    const sink = recordingDispatch(2);
    const batcher = new ReceiptBatcher(rawSql(db.database.db), undefined, sink.dispatch);
    const receipts = await Promise.all(
      ["one", "two", "three", "four", "five"].map((t) => receive(batcher, t)),
    );

    const claimed = receipts.filter((r) => !r.dispatch);
    const left = receipts.filter((r) => r.dispatch);
    expect(claimed).toHaveLength(2);
    expect(left).toHaveLength(3);
    expect(sink.ran.map((w) => w.messageId).sort()).toEqual(claimed.map((r) => r.messageId).sort());
    for (const receipt of left) {
      expect(await outboxRow(receipt.messageId)).toMatchObject({
        attempts: 0,
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      expect(await attemptRows(receipt.messageId)).toHaveLength(0);
    }
  });

  it("held messages, messages too close to their deadline and known messages claim nothing, and give their places back", async () => {
    const sink = recordingDispatch(8);
    const batcher = new ReceiptBatcher(rawSql(db.database.db), undefined, sink.dispatch);
    const first = await receive(batcher, "hello", { id: "known-1" });
    expect(sink.ran).toHaveLength(1);

    // 60 s pending timeout, created 59.9 s ago: 100 ms left, less than the margin.
    const nearlyExpired = new Date(Date.now() - 60_000 + 100).toISOString();
    const results: Receipt[] = await Promise.all([
      receive(batcher, "hmm, not sure"),
      receive(batcher, "late hello", { createdAt: nearlyExpired }),
      receive(batcher, "hello", { id: "known-1" }),
      receive(batcher, "hello again", { id: "dup-2" }),
      receive(batcher, "hello again", { id: "dup-2" }),
    ]);
    const [held, late, known, dupA, dupB] = results;

    expect(held).toMatchObject({ status: "held", dispatch: false });
    expect(await outboxRow(held!.messageId)).toBeUndefined();
    expect(late).toMatchObject({ status: "committing", isNew: true, dispatch: true });
    expect(await outboxRow(late!.messageId)).toMatchObject({ leaseOwner: null, attempts: 0 });
    expect(known).toMatchObject({ messageId: first.messageId, isNew: false, dispatch: false });
    // One of the two deliveries of dup-2 created and claimed it; the other is a duplicate.
    expect([dupA!.isNew, dupB!.isNew].sort()).toEqual([false, true]);
    expect(await attemptRows("dup-2")).toHaveLength(1);

    expect(sink.ran.map((w) => w.messageId).sort()).toEqual(["dup-2", "known-1"]);
    expect(sink.free()).toBe(8 - 2);
  });

  it("a batch the database refuses gives every reserved place back", async () => {
    const sink = recordingDispatch(4);
    const unavailable = async () => {
      throw new Error("database unavailable");
    };
    const failing = new ReceiptBatcher(
      { query: unavailable, transaction: unavailable },
      undefined,
      sink.dispatch,
    );
    const outcomes = await Promise.allSettled([
      receive(failing, "a"),
      receive(failing, "b"),
      receive(failing, "c"),
    ]);
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
    expect(sink.ran).toHaveLength(0);
    expect(sink.free()).toBe(4);
  });
});

describe("the dispatcher's places for receipts that claim", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { DISPATCH_CONCURRENCY: "3" } });
  });
  afterEach(async () => {
    await h.close();
  });

  it("are bounded by its concurrency, and none is granted once it stops", async () => {
    const { immediate } = h.service.dispatcher;
    expect(immediate.reserve(5)).toBe(3);
    expect(immediate.reserve(1)).toBe(0);
    immediate.unreserve(2);
    expect(immediate.reserve(5)).toBe(2);
    immediate.unreserve(3);

    const stopped = h.service.dispatcher.stop(5_000);
    expect(immediate.reserve(1)).toBe(0);
    await stopped;
  });

  it("stop waits for a receipt still holding a place: its claimed row is worked, not abandoned under a live lease", async () => {
    const { immediate } = h.service.dispatcher;
    expect(immediate.reserve(1)).toBe(1);
    let stopped = false;
    const stopping = h.service.dispatcher.stop(5_000).then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stopped).toBe(false);
    immediate.unreserve(1);
    await stopping;
    expect(stopped).toBe(true);
  });

  it("end to end: a hook's commit is made by the claim its receipt wrote, one attempt, one call", async () => {
    const payload = h.pending();
    const response = await h.hook("PassOnPendingMessage", payload);
    expect(response.status).toBe(200);
    await h.waitForStatus(payload.message.id, ["committed"]);
    const attempts = await attemptsOf(h.db.database.db, payload.message.id);
    expect(attempts.map((a) => [a.call, a.dispatcher, a.outcome])).toEqual([
      ["commit", h.service.instanceId, "ok"],
    ]);
    expect(streamCalls(h.stream, payload.message.id, "commit")).toHaveLength(1);
    expect(await outboxRowOf(h.db.database.db, payload.message.id)).toMatchObject({
      state: "done",
      attempts: 1,
      leaseOwner: null,
    });
  });
});
