import type { Logger } from "pino";
import type { DbClock } from "../db/db-clock.ts";
import type { MessageStatus } from "../db/schema/index.ts";
import { DispatchPolicy } from "./dispatch-policy.ts";
import type { ImmediateDispatch } from "./immediate-dispatch.ts";
import type { ClaimedWork, OutboxStore } from "./outbox-store.ts";
import { SettleBatcher } from "./settle-batcher.ts";
import { Slots } from "./slots.ts";
import type { StreamClient, StreamOutcome } from "./stream-client.ts";

export interface DispatcherOptions {
  store: OutboxStore;
  stream: StreamClient;
  logger: Logger;
  pollMs: number;
  concurrency: number;
  /** No call is started with less than this left before the deadline. */
  deadlineMarginMs?: number;
  /**
   * How long after a deadline an unknown commit outcome is looked up. By then Stream has deleted
   * the message if it was still pending, so finding it proves the commit landed.
   */
  resolveGraceMs: number;
  /**
   * Postgres's clock (see DbClock), which every time the dispatcher compares with is on. Tests
   * may pass a plain `now` instead.
   */
  clock?: Pick<DbClock, "now" | "refresh">;
  now?: () => number;
  /** Lookups that bring no answer before a commit's outcome is given up on. Default 10. */
  maxFailedLookups?: number;
  /** Observes a commit whose outcome could not be resolved (metrics). */
  onUnresolved?: (work: ClaimedWork, lastLookup: Exclude<StreamOutcome, { kind: "ok" }>) => void;
  /** Observes every finished piece of work (metrics, tests). */
  onSettled?: (
    work: Pick<ClaimedWork, "messageId" | "receivedAt" | "deadlineAt">,
    status: MessageStatus | "retry",
  ) => void;
}

const DEFAULT_DEADLINE_MARGIN_MS = 250;
const DEFAULT_MAX_FAILED_LOOKUPS = 10;
/** How often the poller measures Postgres's clock again (clocks drift slowly). */
const CLOCK_REFRESH_MS = 30_000;
/** Kicks queued beyond the free concurrency, as a multiple of it; more are left to the poller. */
const KICK_QUEUE_FACTOR = 4;

/**
 * Schedules outbox work: fresh rows are tried right after the receive transaction (kick); a
 * poller picks up anything left behind by a crash, a retry schedule or a full queue; at most
 * `concurrency` rows are claimed or worked on at once (Slots). What is done with each row is the
 * DispatchPolicy's: commit for approved messages, hard delete for rejected ones, each bounded by
 * the message's deadline.
 */
export class Dispatcher {
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Kicked ids waiting for a place; claimed together at the end of the turn. */
  private kicked: string[] = [];
  private kickScheduled = false;
  /** Places: rows being claimed or worked on. */
  private readonly slots: Slots;
  private timer: NodeJS.Timeout | undefined;
  /** The poller's current pass: stop() waits for it, or rows it is claiming would be missed. */
  private polling: Promise<unknown> = Promise.resolve();
  /** Nothing is dispatched before start() (a service being wired up) or after stop(). */
  private stopping = true;
  private readonly margin: number;
  private readonly policy: DispatchPolicy;

  constructor(private readonly options: DispatcherOptions) {
    this.margin = options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
    this.slots = new Slots(options.concurrency);
    const settles = new SettleBatcher(options.store);
    this.policy = new DispatchPolicy({
      store: {
        startAttempt: (id, call) => options.store.startAttempt(id, call),
        finishAttempt: (...args) => options.store.finishAttempt(...args),
        dropAttempt: (id) => options.store.dropAttempt(id),
        reschedule: (...args) => options.store.reschedule(...args),
        settle: (settlement) => settles.settle(settlement),
      },
      stream: options.stream,
      logger: options.logger,
      now: options.clock?.now ?? options.now ?? Date.now,
      marginMs: this.margin,
      resolveGraceMs: options.resolveGraceMs,
      maxFailedLookups: options.maxFailedLookups ?? DEFAULT_MAX_FAILED_LOOKUPS,
      onUnresolved: options.onUnresolved,
    });
  }

  start(): void {
    this.stopping = false;
    const tick = async () => {
      if (this.stopping) return;
      await this.options.clock?.refresh(CLOCK_REFRESH_MS);
      const limit = this.slots.free;
      // The pass ends once its rows are claimed and started, not when their calls end: a call
      // that hangs until STREAM_TIMEOUT_MS must not keep the poller from rows handed back by a
      // replica shutting down, or due retries.
      const pass = this.claimDue()
        .then(({ claimed }) => claimed)
        .catch((error) => {
          this.options.logger.warn({ err: error }, "dispatch poll failed; will retry");
          return 0;
        });
      this.polling = pass;
      // A full pass means more rows are probably due (a backlog): go on at once, not after pollMs.
      const backlog = limit > 0 && (await pass) >= limit;
      if (!this.stopping) this.timer = setTimeout(tick, backlog ? 0 : this.options.pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /**
   * Try one message's outbox row now (after its receipt committed). Never throws. Kicks arriving
   * in the same turn are claimed together, in one statement; beyond the free concurrency they
   * wait in a short queue, and past that the poller gets them.
   */
  kick(messageId: string): void {
    if (this.stopping || this.kicked.length >= this.options.concurrency * KICK_QUEUE_FACTOR) return;
    this.kicked.push(messageId);
    this.claimKicked();
  }

  /**
   * The places and terms for receipts that claim their own outbox rows (see ImmediateDispatch):
   * a place reserved by a receipt counts as taken until its work is done or it is given back.
   */
  get immediate(): ImmediateDispatch {
    return {
      terms: { owner: this.options.store.owner, leaseMs: this.options.store.leaseMs },
      marginMs: this.margin,
      reserve: (wanted) => (this.stopping ? 0 : this.slots.take(wanted)),
      unreserve: (count) => this.release(count),
      // Run even while stopping: the row is leased to us, and stop() waits for reserved places.
      run: (work) => {
        this.run(work);
      },
    };
  }

  /** Claims due rows up to the free places and runs them; resolves when they are done. */
  async poll(): Promise<number> {
    const { claimed, done } = await this.claimDue();
    await done;
    return claimed;
  }

  /** Claims due rows up to the free places and starts them; `done` settles when they are. */
  private async claimDue(): Promise<{ claimed: number; done: Promise<unknown> }> {
    const places = this.slots.take(this.slots.free);
    let claimed: ClaimedWork[] = [];
    try {
      claimed = await this.options.store.claimDueWithAttempts(places, this.margin);
    } finally {
      // Places the claim did not fill are free again (all of them if it failed).
      this.release(places - claimed.length);
    }
    return { claimed: claimed.length, done: Promise.allSettled(claimed.map((work) => this.run(work))) };
  }

  private claimKicked(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      if (this.stopping || this.kicked.length === 0) return;
      const places = this.slots.take(this.kicked.length);
      if (places === 0) return;
      const ids = this.kicked.splice(0, places);
      this.track(
        this.options.store
          .claimWithAttempts(ids, this.margin)
          .then(
            (claimed) => {
              // Ids not claimed (taken by a peer, or already done) free their places at once.
              this.release(ids.length - claimed.length);
              return Promise.all(claimed.map((work) => this.run(work)));
            },
            (error: unknown) => {
              this.release(ids.length);
              this.options.logger.warn(
                { err: error, messageIds: ids.length },
                "immediate dispatch failed; the poller will retry",
              );
            },
          )
          .then(() => this.claimKicked()),
      );
    });
  }

  /** Works on a claimed row in a place already taken for it, and gives the place back after. */
  private run(work: ClaimedWork): Promise<void> {
    return this.track(this.process(work).finally(() => this.release()));
  }

  private release(places = 1): void {
    if (places === 0) return;
    this.slots.give(places);
    if (this.kicked.length > 0) this.claimKicked();
  }

  /** Stops taking work, waits for calls under way (bounded), and hands back any leases. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    // A pass claiming rows now would start work after the snapshot below and have its leases
    // released under it (a peer would then repeat calls still under way): wait for it too.
    const giveUpAt = Date.now() + timeoutMs;
    const drained = Promise.allSettled([this.polling, ...this.inFlight]);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    // Receipts still being written hold places for rows they claim; that work starts when they
    // commit, after the snapshot above. Wait for it too, within the same bound.
    while (this.slots.busy > 0 && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 10).unref());
    }
    await this.options.store.releaseAll().catch(() => {});
  }

  /** Rows being claimed or worked on. */
  get busy(): number {
    return this.slots.busy;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    const tracked = promise.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  private async process(work: ClaimedWork): Promise<void> {
    try {
      const status = await this.policy.carryOut(work);
      this.options.onSettled?.(work, status);
    } catch (error) {
      // Database trouble mid-work: the lease runs out and the row is retried, by us or a peer.
      this.options.logger.warn(
        { err: error, messageId: work.messageId, action: work.action, attempt: work.attempts },
        "dispatch interrupted; the row will be retried when its lease expires",
      );
    }
  }
}
