import pino from "pino";
import { describe, expect, it } from "vitest";
import type { MessageStatus } from "../../src/db/schema/index.ts";
import type { Settlement } from "../../src/db/transitions.ts";
import { DispatchPolicy, type PolicyStore } from "../../src/dispatch/dispatch-policy.ts";
import type { ClaimedWork } from "../../src/dispatch/outbox-store.ts";
import { Slots } from "../../src/dispatch/slots.ts";
import type { StreamClient, StreamOutcome } from "../../src/dispatch/stream-client.ts";
import { claimedWork } from "../support/claimed-work.ts";

// The per-message policy alone, against a store that keeps what it is told and a Stream that
// answers from a script: each case is one claimed row and what the policy made of it.

const NOW = Date.parse("2026-01-01T00:00:00Z");
const GRACE_MS = 10_000;

class FakeStore implements PolicyStore {
  attempts: { id: number; call: string; outcome?: string; status?: number }[] = [];
  settled: Settlement[] = [];
  rescheduled: { delayMs: number; error: string; outcomeUnknown: boolean }[] = [];
  async startAttempt(_messageId: string, call: "commit" | "delete" | "get") {
    this.attempts.push({ id: this.attempts.length + 1, call });
    return this.attempts.length;
  }
  async finishAttempt(id: number, outcome: string, httpStatus: number | undefined) {
    Object.assign(this.attempts[id - 1]!, { outcome, status: httpStatus });
  }
  async dropAttempt(id: number) {
    this.attempts = this.attempts.filter((a) => a.id !== id);
  }
  async reschedule(_messageId: string, delayMs: number, error: string, outcomeUnknown: boolean) {
    this.rescheduled.push({ delayMs, error, outcomeUnknown });
  }
  async settle(settlement: Settlement): Promise<MessageStatus> {
    this.settled.push(settlement);
    if (settlement.attempt) {
      Object.assign(this.attempts[settlement.attempt.id - 1]!, {
        outcome: settlement.attempt.outcome,
        status: settlement.attempt.httpStatus,
      });
    }
    return settlement.to;
  }
}

const ok = (status: number, body: unknown = {}): StreamOutcome => ({ kind: "ok", status, body });
const refused = (status: number, code: number): StreamOutcome => ({
  kind: "refused",
  status,
  code,
  message: `refused ${status}`,
});
const unknown: StreamOutcome = { kind: "unknown", status: undefined, message: "no answer within 1000 ms" };
const notStream: StreamOutcome = {
  kind: "not_stream",
  status: 404,
  message: "HTTP 404 without Stream's JSON error",
};

function scripted(answers: Partial<Record<"commit" | "delete" | "get", StreamOutcome[]>>): StreamClient {
  const next = (call: "commit" | "delete" | "get") => async () => {
    const answer = answers[call]?.shift();
    if (!answer) throw new Error(`unexpected ${call}`);
    return answer;
  };
  return {
    commitMessage: next("commit"),
    hardDeleteMessage: next("delete"),
    getMessage: next("get"),
    getApp: async () => ok(200, { app: {} }),
  };
}

const work = (overrides: Partial<ClaimedWork> = {}) => claimedWork(overrides, NOW);

function policy(stream: StreamClient, store: FakeStore, now = NOW, maxFailedLookups = 3) {
  return new DispatchPolicy({
    store,
    stream,
    logger: pino({ level: "silent" }),
    now: () => now,
    marginMs: 250,
    resolveGraceMs: GRACE_MS,
    maxFailedLookups,
  });
}

describe("dispatch policy", () => {
  it("a 201 commits", async () => {
    const store = new FakeStore();
    expect(await policy(scripted({ commit: [ok(201)] }), store).carryOut(work())).toBe("committed");
    expect(store.settled[0]).toMatchObject({ from: "committing", to: "committed" });
  });

  it("only Stream's own 404 (code 16) means gone; a 404 that is not Stream's is retried as unknown", async () => {
    const gone = new FakeStore();
    expect(await policy(scripted({ commit: [refused(404, 16)] }), gone).carryOut(work())).toBe("deleted");
    const lost = new FakeStore();
    expect(await policy(scripted({ commit: [notStream] }), lost).carryOut(work())).toBe("retry");
    expect(lost.settled).toEqual([]);
    expect(lost.rescheduled[0]).toMatchObject({ outcomeUnknown: true });
    const otherCode = new FakeStore();
    expect(await policy(scripted({ commit: [refused(404, 4)] }), otherCode).carryOut(work())).toBe("retry");
  });

  it("a 400 then a GET showing pending_message_metadata: not committed, the commit is tried again", async () => {
    const store = new FakeStore();
    const stream = scripted({
      commit: [refused(400, 4)],
      get: [ok(200, { message: {}, pending_message_metadata: { a: "b" } })],
    });
    expect(await policy(stream, store).carryOut(work())).toBe("retry");
    expect(store.settled).toEqual([]);
    expect(store.rescheduled[0]?.error).toMatch(/still holds the message pending/);
  });

  it("a 400 then a GET without it: committed when the sender gave metadata, unclear (retried, unknown) when not", async () => {
    const withMetadata = new FakeStore();
    const answers = () => ({ commit: [refused(400, 4)], get: [ok(200, { message: {} })] });
    expect(await policy(scripted(answers()), withMetadata).carryOut(work())).toBe("committed");
    const without = new FakeStore();
    expect(await policy(scripted(answers()), without).carryOut(work({ hasMetadata: false }))).toBe("retry");
    expect(without.rescheduled[0]).toMatchObject({
      outcomeUnknown: true,
      error: expect.stringMatching(/GET cannot tell committed from pending/),
    });
  });

  it("an unknown outcome at the deadline waits for the grace, then a lookup decides; never expired on a guess", async () => {
    const deadline = NOW - 100;
    const early = new FakeStore();
    const unknownAtDeadline = work({ outcomeUnknown: true, deadlineAt: new Date(deadline) });
    expect(await policy(scripted({}), early).carryOut(unknownAtDeadline)).toBe("retry");
    expect(early.rescheduled[0]?.delayMs).toBe(deadline + GRACE_MS - NOW);
    const later = NOW + GRACE_MS;
    const found = new FakeStore();
    expect(
      await policy(scripted({ get: [ok(200, { message: {} })] }), found, later).carryOut(unknownAtDeadline),
    ).toBe("committed");
    const gone = new FakeStore();
    expect(await policy(scripted({ get: [refused(404, 16)] }), gone, later).carryOut(unknownAtDeadline)).toBe(
      "expired",
    );
    // Without an unknown outcome the deadline just ends it, with no call.
    const plain = new FakeStore();
    expect(await policy(scripted({}), plain).carryOut(work({ deadlineAt: new Date(deadline) }))).toBe(
      "expired",
    );
    expect(plain.attempts).toEqual([]);
  });

  it("lookups that bring no answer are bounded: the last one ends the message expired, saying why", async () => {
    const store = new FakeStore();
    const late = NOW + GRACE_MS;
    const stuck = work({ outcomeUnknown: true, deadlineAt: new Date(NOW - 100), failedLookups: 1 });
    expect(await policy(scripted({ get: [refused(403, 17)] }), store, late).carryOut(stuck)).toBe("retry");
    const last = new FakeStore();
    expect(
      await policy(scripted({ get: [refused(403, 17)] }), last, late).carryOut({
        ...stuck,
        failedLookups: 2,
      }),
    ).toBe("expired");
    expect(last.settled[0]?.reason).toMatch(
      /commit outcome never resolved: 3 lookups failed, the last with 403/,
    );
    // An unknown answer is no answer either.
    const timedOut = new FakeStore();
    expect(await policy(scripted({ get: [unknown] }), timedOut, late).carryOut(stuck)).toBe("retry");
  });

  it("a delete: 200 and Stream's 404 both end rejected; past the deadline it ends expired without a call", async () => {
    for (const answer of [ok(200), refused(404, 16)]) {
      const store = new FakeStore();
      const row = work({ action: "delete", status: "rejecting" });
      expect(await policy(scripted({ delete: [answer] }), store).carryOut(row)).toBe("rejected");
    }
    const late = new FakeStore();
    const row = work({ action: "delete", status: "rejecting", deadlineAt: new Date(NOW) });
    expect(await policy(scripted({}), late).carryOut(row)).toBe("expired");
  });

  it("a message that moved on closes the row without touching it", async () => {
    const store = new FakeStore();
    expect(await policy(scripted({}), store).carryOut(work({ status: "deleted" }))).toBe("deleted");
    expect(store.settled[0]).toMatchObject({ from: "deleted", to: "deleted", state: "cancelled" });
  });
});

describe("slots", () => {
  it("grants up to the capacity, never below zero or past it", () => {
    const slots = new Slots(3);
    expect(slots.take(2)).toBe(2);
    expect(slots.take(5)).toBe(1);
    expect(slots.take(1)).toBe(0);
    slots.give(3);
    expect(slots.free).toBe(3);
    expect(() => slots.give(1)).toThrow(/cannot give back 1 places: 0 taken/);
    expect(slots.take(-2)).toBe(0);
    expect(slots.busy).toBe(0);
  });
});
