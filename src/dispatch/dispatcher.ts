import type { Logger } from "pino";
import type { DbClock } from "../db/db-clock.ts";
import type { MessageStatus } from "../db/schema/index.ts";
import type { ImmediateDispatch } from "../hooks/receipt-batcher.ts";
import { backoffMs } from "./backoff.ts";
import type { AttemptRecord, ClaimedWork, OutboxStore } from "./outbox-store.ts";
import { SettleBatcher } from "./settle-batcher.ts";
import { isGone, type StreamClient, type StreamOutcome } from "./stream-client.ts";

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
 * Carries out outbox rows: commit for approved messages, hard delete for rejected ones. Fresh rows
 * are tried right after the receive transaction (kick); a poller picks up anything left behind by
 * a crash, a retry schedule or a full queue. Every call is bounded by the message's deadline.
 */
export class Dispatcher {
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Kicked ids waiting for a place; claimed together at the end of the turn. */
  private kicked: string[] = [];
  private kickScheduled = false;
  /** Places taken: rows being claimed by a kick or being worked on. */
  private working = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The poller's current pass: stop() waits for it, or rows it is claiming would be missed. */
  private polling: Promise<unknown> = Promise.resolve();
  /** Nothing is dispatched before start() (a service being wired up) or after stop(). */
  private stopping = true;
  private readonly now: () => number;
  private readonly margin: number;
  private readonly maxFailedLookups: number;
  private readonly settles: SettleBatcher;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.clock?.now ?? options.now ?? Date.now;
    this.maxFailedLookups = options.maxFailedLookups ?? DEFAULT_MAX_FAILED_LOOKUPS;
    this.margin = options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
    this.settles = new SettleBatcher(options.store);
  }

  start(): void {
    this.stopping = false;
    const tick = async () => {
      if (this.stopping) return;
      await this.options.clock?.refresh(CLOCK_REFRESH_MS);
      const limit = this.options.concurrency - this.working;
      const pass = this.poll().catch((error) => {
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
      reserve: (wanted) => {
        if (this.stopping) return 0;
        const granted = Math.max(0, Math.min(wanted, this.options.concurrency - this.working));
        this.working += granted;
        return granted;
      },
      unreserve: (count) => this.release(count),
      // Run even while stopping: the row is leased to us, and stop() waits for reserved places.
      run: (work) => {
        this.track(this.process(work).finally(() => this.release()));
      },
    };
  }

  /** Claims due rows up to the free concurrency and runs them; resolves when they are done. */
  async poll(): Promise<number> {
    const claimed = await this.options.store.claimDueWithAttempts(
      this.options.concurrency - this.working,
      this.margin,
    );
    await Promise.all(claimed.map((work) => this.run(work)));
    return claimed.length;
  }

  private claimKicked(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      const free = this.options.concurrency - this.working;
      if (this.stopping || free <= 0 || this.kicked.length === 0) return;
      const ids = this.kicked.splice(0, free);
      this.working += ids.length;
      this.track(
        this.options.store
          .claimWithAttempts(ids, this.margin)
          .then(
            (claimed) => {
              // Ids not claimed (taken by a peer, or already done) free their places at once.
              this.working -= ids.length - claimed.length;
              return Promise.all(claimed.map((work) => this.process(work).finally(() => this.release())));
            },
            (error: unknown) => {
              this.working -= ids.length;
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

  private run(work: ClaimedWork): Promise<void> {
    this.working++;
    return this.track(this.process(work).finally(() => this.release()));
  }

  private release(places = 1): void {
    this.working -= places;
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
    while (this.working > 0 && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 10).unref());
    }
    await this.options.store.releaseAll().catch(() => {});
  }

  /** Rows being claimed or worked on. */
  get busy(): number {
    return this.working;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    const tracked = promise.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  private async process(work: ClaimedWork): Promise<void> {
    try {
      const status = work.action === "commit" ? await this.commit(work) : await this.delete(work);
      this.options.onSettled?.(work, status);
    } catch (error) {
      // Database trouble mid-work: the lease runs out and the row is retried, by us or a peer.
      this.options.logger.warn(
        { err: error, messageId: work.messageId, action: work.action, attempt: work.attempts },
        "dispatch interrupted; the row will be retried when its lease expires",
      );
    }
  }

  private timeLeft(work: ClaimedWork): number {
    return work.deadlineAt.getTime() - this.now() - this.margin;
  }

  /** The claim recorded an attempt for a call that will not be made: remove it. */
  private async dropClaimedAttempt(work: ClaimedWork): Promise<void> {
    if (work.attemptId === undefined) return;
    const id = work.attemptId;
    work.attemptId = undefined;
    await this.options.store.dropAttempt(id);
  }

  /** The row's work ends without a call (the message moved on, or its deadline came first). */
  private async endWithoutCall(
    work: ClaimedWork,
    from: MessageStatus,
    to: MessageStatus,
    reason: string,
    state: "done" | "cancelled" = "done",
  ): Promise<MessageStatus> {
    await this.dropClaimedAttempt(work);
    return this.settles.settle({ attempt: null, messageId: work.messageId, from, to, reason, state });
  }

  private async commit(work: ClaimedWork): Promise<MessageStatus | "retry"> {
    if (work.status !== "committing") {
      return this.endWithoutCall(
        work,
        work.status,
        work.status,
        `nothing to commit: message is ${work.status}`,
        "cancelled",
      );
    }
    const timeLeft = this.timeLeft(work);
    if (timeLeft <= 0) {
      // Never commit past the deadline. If an earlier commit may have landed, ask Stream what
      // became of the message instead of guessing.
      if (work.outcomeUnknown) {
        await this.dropClaimedAttempt(work);
        // A pending message answers GET until Stream's own timeout deletes it: look once that
        // has had time to happen, when presence can only mean committed.
        const lookAt = work.deadlineAt.getTime() + this.options.resolveGraceMs;
        if (this.now() < lookAt) {
          await this.options.store.reschedule(
            work.messageId,
            lookAt - this.now(),
            "commit outcome unknown at the deadline: looking it up once Stream has dropped what was still pending",
            true,
          );
          return "retry";
        }
        return this.lookUp(work);
      }
      return this.endWithoutCall(
        work,
        "committing",
        "expired",
        "pending deadline passed before the commit went through",
      );
    }
    const { outcome, attempt } = await this.call(work, "commit", () =>
      this.options.stream.commitMessage(work.messageId, { timeoutMs: timeLeft }),
    );
    if (outcome.kind === "ok") return this.settle(attempt, work.messageId, "committing", "committed", null);
    if (isGone(outcome)) {
      return this.settle(
        attempt,
        work.messageId,
        "committing",
        "deleted",
        "Stream no longer has the message (404 on commit)",
      );
    }
    await this.finish(attempt);
    if (outcome.kind === "refused" && outcome.status === 400) {
      // Only the first commit of a pending message succeeds: a refusal here usually means an
      // earlier attempt of ours, or the app's other pending hook, committed it already.
      return this.lookUp(work);
    }
    return this.retry(work, outcome, mayHaveLanded(outcome));
  }

  private async delete(work: ClaimedWork): Promise<MessageStatus | "retry"> {
    if (work.status !== "rejecting") {
      return this.endWithoutCall(
        work,
        work.status,
        work.status,
        `nothing to delete: message is ${work.status}`,
        "cancelled",
      );
    }
    const timeLeft = this.timeLeft(work);
    if (timeLeft <= 0) {
      return this.endWithoutCall(
        work,
        "rejecting",
        "expired",
        work.outcomeUnknown
          ? "rejected; its pending timeout removed it, or our delete whose answer never came did"
          : "rejected, but its pending timeout removed it before the delete went through",
      );
    }
    const { outcome, attempt } = await this.call(work, "delete", () =>
      this.options.stream.hardDeleteMessage(work.messageId, { timeoutMs: timeLeft }),
    );
    if (outcome.kind === "ok") return this.settle(attempt, work.messageId, "rejecting", "rejected", null);
    if (isGone(outcome)) {
      return this.settle(
        attempt,
        work.messageId,
        "rejecting",
        "rejected",
        "already gone from Stream (404 on delete)",
      );
    }
    await this.finish(attempt);
    return this.retry(work, outcome, mayHaveLanded(outcome));
  }

  /**
   * GET /messages/{id} tells what a refused or unanswered commit came to (see readLookup). What
   * the answer cannot settle is retried: the commit again before the deadline (Stream accepts only
   * the first), the lookup after it. Lookups that bring no answer at all are bounded.
   */
  private async lookUp(work: ClaimedWork): Promise<MessageStatus | "retry"> {
    const { outcome: lookup, attempt } = await this.call(work, "get", () =>
      this.options.stream.getMessage(work.messageId),
    );
    const afterDeadline = this.now() >= work.deadlineAt.getTime() + this.options.resolveGraceMs;
    const found = readLookup(lookup, work.hasMetadata, afterDeadline);
    switch (found) {
      case "committed":
        return this.settle(
          attempt,
          work.messageId,
          "committing",
          "committed",
          "committed (confirmed by GET after a refused or unanswered commit)",
        );
      case "gone":
        return this.settle(
          attempt,
          work.messageId,
          "committing",
          this.now() >= work.deadlineAt.getTime() ? "expired" : "deleted",
          "Stream no longer has the message (404 on lookup)",
        );
      case "pending":
        await this.finish(attempt);
        return this.retry(
          work,
          "Stream still holds the message pending (its GET shows pending_message_metadata): not committed yet",
          false,
        );
      case "unclear":
        await this.finish(attempt);
        return this.retry(
          work,
          "the commit was refused and GET cannot tell committed from pending (the message has no pending_message_metadata): trying the commit again until the deadline, then looking it up",
          true,
        );
      case "no_answer": {
        const failed = lookup as Exclude<StreamOutcome, { kind: "ok" }>;
        if (work.failedLookups + 1 >= this.maxFailedLookups) {
          this.options.onUnresolved?.(work, failed);
          this.options.logger.error(
            {
              messageId: work.messageId,
              lookups: work.failedLookups + 1,
              status: failed.status,
              error: failed.message,
            },
            "commit outcome could not be resolved: every lookup failed; giving up on the message",
          );
          return this.settle(
            attempt,
            work.messageId,
            "committing",
            "expired",
            `commit outcome never resolved: ${work.failedLookups + 1} lookups failed, the last with ${describe(failed)}; Stream may hold it committed`,
          );
        }
        await this.finish(attempt);
        return this.retry(work, failed, true);
      }
    }
  }

  /**
   * Makes one Stream call with its attempt recorded first (by the claim, for the row's own call,
   * or here). The outcome is recorded by the caller: with the work's completion when the call
   * settles it (one statement), or on its own before a retry or a lookup.
   */
  private async call(
    work: ClaimedWork,
    call: "commit" | "delete" | "get",
    send: () => Promise<StreamOutcome>,
  ): Promise<{ outcome: StreamOutcome; attempt: AttemptRecord }> {
    let id = call === work.action ? work.attemptId : undefined;
    if (id === undefined) id = await this.options.store.startAttempt(work.messageId, call);
    else work.attemptId = undefined;
    const outcome = await send();
    const recorded =
      outcome.kind === "ok"
        ? "ok"
        : outcome.kind === "rate_limited"
          ? "rate_limited"
          : outcome.kind === "unknown" || outcome.kind === "not_stream"
            ? "unknown"
            : "rejected";
    return {
      outcome,
      attempt: {
        id,
        outcome: recorded,
        httpStatus: outcome.status,
        error: outcome.kind === "ok" ? null : outcome.message,
      },
    };
  }

  /** finishAttempt and the status move in one write, shared with other work settling at the same time. */
  private settle(
    attempt: AttemptRecord,
    messageId: string,
    from: MessageStatus,
    to: MessageStatus,
    reason: string | null,
  ): Promise<MessageStatus> {
    return this.settles.settle({ attempt, messageId, from, to, reason, state: "done" });
  }

  private finish(attempt: AttemptRecord): Promise<void> {
    return this.options.store.finishAttempt(attempt.id, attempt.outcome, attempt.httpStatus, attempt.error);
  }

  /**
   * Gives the row back for a later try, with `why` recorded. A try before the deadline never
   * waits past it: that last visit settles the row without a commit. After it (looking up an
   * unknown outcome), plain backoff applies.
   */
  private async retry(
    work: ClaimedWork,
    why: Exclude<StreamOutcome, { kind: "ok" }> | string,
    unknown: boolean,
  ): Promise<"retry"> {
    const now = this.now();
    const waitMs =
      typeof why !== "string" && why.kind === "rate_limited"
        ? // Stream's reset time is its own clock; only the wait it implies is ours to use.
          Math.max(0, why.retryAt - Date.now())
        : backoffMs(work.attempts);
    const deadline = work.deadlineAt.getTime();
    const delayMs = now < deadline ? Math.min(waitMs, deadline - now) : waitMs;
    const error = typeof why === "string" ? why : `${why.kind}: ${why.message}`;
    this.options.logger.info(
      {
        messageId: work.messageId,
        action: work.action,
        attempt: work.attempts,
        ...(typeof why === "string" ? {} : { status: why.status }),
        error,
        retryInMs: delayMs,
      },
      "Stream call did not settle the message; retrying",
    );
    await this.options.store.reschedule(work.messageId, delayMs, error, unknown || work.outcomeUnknown);
    return "retry";
  }
}

/** A call that may have taken effect though we cannot tell (no answer, or not Stream's answer). */
function mayHaveLanded(outcome: StreamOutcome): boolean {
  return outcome.kind === "unknown" || outcome.kind === "not_stream";
}

function describe(outcome: Exclude<StreamOutcome, { kind: "ok" }>): string {
  return `${outcome.status ?? "no answer"} (${outcome.kind}: ${outcome.message})`;
}

/**
 * What a GET /messages/{id} answer says about a commit:
 * - `pending`: Stream shows `pending_message_metadata`, which it does only while the message is
 *   pending: not committed.
 * - `committed`: present without it, when the sender gave metadata (a pending one would show it),
 *   or past the deadline and its grace (Stream has deleted what was still pending by then).
 * - `unclear`: present, without metadata to tell, before the deadline.
 * - `gone`: Stream's own 404 (code 16).
 * - `no_answer`: anything else (a timeout, a 5xx, a refusal such as 403, a page that is not
 *   Stream's): nothing learned.
 */
export function readLookup(
  lookup: StreamOutcome,
  hasMetadata: boolean,
  afterDeadline: boolean,
): "committed" | "pending" | "unclear" | "gone" | "no_answer" {
  if (lookup.kind === "ok") {
    const body = lookup.body as { message?: unknown; pending_message_metadata?: unknown } | undefined;
    if (body?.pending_message_metadata != null) return "pending";
    if (hasMetadata || afterDeadline) return "committed";
    return "unclear";
  }
  return isGone(lookup) ? "gone" : "no_answer";
}
