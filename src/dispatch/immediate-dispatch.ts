import type { ClaimedWork } from "./outbox-store.ts";

/** Who claims the rows a receipt batch claims, and for how long. */
export interface ClaimTerms {
  owner: string;
  leaseMs: number;
}

/**
 * The dispatcher's side of receipts that claim their own outbox rows: a new approved or rejected
 * message is stored already leased to this replica, and its Stream call starts as soon as the
 * receipt commits, without a separate claim. Rows the dispatcher has no room for are stored
 * unleased, for the poller, as before.
 */
export interface ImmediateDispatch {
  terms: ClaimTerms;
  /** Rows with less than this left before their deadline are not claimed (no call would start). */
  marginMs: number;
  /** Takes places for up to `wanted` calls; answers how many it got. */
  reserve(wanted: number): number;
  /** Gives back places reserved for rows that were not claimed after all. */
  unreserve(count: number): void;
  /** Starts the work on a row a receipt claimed, in a place reserved for it. */
  run(work: ClaimedWork): void;
}
