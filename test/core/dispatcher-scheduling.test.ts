import pino from "pino";
import { describe, expect, it } from "vitest";
import type { MessageStatus } from "../../src/db/schema/index.ts";
import type { Settlement } from "../../src/db/transitions.ts";
import { Dispatcher } from "../../src/dispatch/dispatcher.ts";
import type { ClaimedWork, OutboxStore } from "../../src/dispatch/outbox-store.ts";
import type { StreamClient, StreamOutcome } from "../../src/dispatch/stream-client.ts";
import { claimedWork } from "../support/claimed-work.ts";
import { PATIENCE_MS } from "../support/patience.ts";

// The dispatcher's scheduling alone, against a store that hands out rows from a list and a Stream
// whose answers the test releases: no database, no clock.

/** A row an hour before its deadline: the deadline plays no part here. */
const claimed = (messageId: string) =>
  claimedWork({ messageId, deadlineAt: new Date(Date.now() + 3_600_000) });

/** Due rows come out of `due`, one claim at a time; settlements are recorded. */
function listStore(due: ClaimedWork[]) {
  const settled: string[] = [];
  const store = {
    owner: "test",
    leaseMs: 60_000,
    async claimDueWithAttempts(limit: number) {
      return due.splice(0, Math.min(limit, 1));
    },
    async claimWithAttempts() {
      return [];
    },
    async startAttempt() {
      return 1;
    },
    async finishAttempt() {},
    async dropAttempt() {},
    async reschedule() {},
    async settleMany(settlements: readonly Settlement[]) {
      for (const s of settlements) settled.push(s.messageId);
      return new Map<string, MessageStatus>(settlements.map((s) => [s.messageId, s.to]));
    },
    async releaseAll() {},
  };
  return { store: store as unknown as OutboxStore, settled };
}

describe("dispatcher scheduling", () => {
  it("a call that hangs does not keep the poller from the next due row", async () => {
    const { store, settled } = listStore([claimed("hangs"), claimed("next")]);
    let releaseHung: (answer: StreamOutcome) => void = () => {};
    const hung = new Promise<StreamOutcome>((resolve) => {
      releaseHung = resolve;
    });
    const ok: StreamOutcome = { kind: "ok", status: 201, body: {} };
    const stream: StreamClient = {
      commitMessage: async (id) => (id === "hangs" ? hung : ok),
      hardDeleteMessage: async () => ok,
      getMessage: async () => ok,
      getApp: async () => ok,
    };
    const dispatcher = new Dispatcher({
      store,
      stream,
      logger: pino({ level: "silent" }),
      pollMs: 10,
      concurrency: 8,
      resolveGraceMs: 1000,
    });
    dispatcher.start();
    try {
      // "next" is committed while the first call still hangs: waited for, not slept on.
      const until = Date.now() + PATIENCE_MS;
      while (!settled.includes("next") && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(settled).toEqual(["next"]);
    } finally {
      releaseHung(ok);
      await dispatcher.stop(PATIENCE_MS);
    }
    expect(settled.sort()).toEqual(["hangs", "next"]);
  });
});
