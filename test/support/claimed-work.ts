import type { ClaimedWork } from "../../src/dispatch/outbox-store.ts";

/**
 * An outbox row as a dispatcher holds it after a claim: a first commit of a message received a
 * second before `now`, with metadata and a minute left before its deadline. Tests override what
 * their case is about.
 */
export function claimedWork(overrides: Partial<ClaimedWork> = {}, now = Date.now()): ClaimedWork {
  return {
    messageId: "m1",
    action: "commit",
    attempts: 1,
    outcomeUnknown: false,
    failedLookups: 0,
    hasMetadata: true,
    status: "committing",
    deadlineAt: new Date(now + 60_000),
    receivedAt: new Date(now - 1000),
    ...overrides,
  };
}
