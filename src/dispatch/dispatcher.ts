import type { Logger } from "pino";
import type { MessageStatus } from "../db/schema/index.ts";
import { backoffMs } from "./backoff.ts";
import type { ClaimedWork, OutboxStore } from "./outbox-store.ts";
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
  now?: () => number;
  /** Observes every finished piece of work (metrics, tests). */
  onSettled?: (messageId: string, status: MessageStatus | "retry") => void;
}

const DEFAULT_DEADLINE_MARGIN_MS = 250;
/** How long after a deadline Stream is given to delete a still-pending message before we look. */
const DEADLINE_LOOKUP_GRACE_MS = 1000;

/**
 * Carries out outbox rows: commit for approved messages, hard delete for rejected ones. Fresh rows
 * are tried right after the receive transaction (kick); a poller picks up anything left behind by
 * a crash, a retry schedule or a full queue. Every call is bounded by the message's deadline.
 */
export class Dispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  /** The poller's current pass: stop() waits for it, or rows it is claiming would be missed. */
  private polling: Promise<unknown> = Promise.resolve();
  /** Nothing is dispatched before start() (a service being wired up) or after stop(). */
  private stopping = true;
  private readonly now: () => number;
  private readonly margin: number;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? Date.now;
    this.margin = options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
  }

  start(): void {
    this.stopping = false;
    const tick = async () => {
      if (this.stopping) return;
      this.polling = this.poll().catch((error) =>
        this.options.logger.warn({ err: error }, "dispatch poll failed; will retry"),
      );
      await this.polling;
      if (!this.stopping) this.timer = setTimeout(tick, this.options.pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Try one message's outbox row now (after its receipt committed). Never throws. */
  kick(messageId: string): void {
    if (this.stopping || this.inFlight.size >= this.options.concurrency) return; // the poller will get it
    this.track(
      this.options.store
        .claimOne(messageId)
        .then((work) => (work ? this.process(work) : undefined))
        .catch((error) =>
          this.options.logger.warn(
            { err: error, messageId },
            "immediate dispatch failed; the poller will retry",
          ),
        ),
    );
  }

  /** Claims due rows up to the free concurrency and runs them; resolves when they are done. */
  async poll(): Promise<number> {
    const claimed = await this.options.store.claimDue(this.options.concurrency - this.inFlight.size);
    await Promise.all(claimed.map((work) => this.track(this.process(work))));
    return claimed.length;
  }

  /** Stops taking work, waits for calls under way (bounded), and hands back any leases. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    // A pass claiming rows now would start work after the snapshot below and have its leases
    // released under it (a peer would then repeat calls still under way): wait for it too.
    const drained = Promise.allSettled([this.polling, ...this.inFlight]);
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    await this.options.store.releaseAll().catch(() => {});
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private track(promise: Promise<void>): Promise<void> {
    const tracked = promise.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  private async process(work: ClaimedWork): Promise<void> {
    const log = this.options.logger.child({
      messageId: work.messageId,
      action: work.action,
      attempt: work.attempts,
    });
    try {
      const status = work.action === "commit" ? await this.commit(work) : await this.delete(work);
      this.options.onSettled?.(work.messageId, status);
    } catch (error) {
      // Database trouble mid-work: the lease runs out and the row is retried, by us or a peer.
      log.warn({ err: error }, "dispatch interrupted; the row will be retried when its lease expires");
    }
  }

  private timeLeft(work: ClaimedWork): number {
    return work.deadlineAt.getTime() - this.now() - this.margin;
  }

  private async commit(work: ClaimedWork): Promise<MessageStatus | "retry"> {
    const { store } = this.options;
    if (work.status !== "committing") {
      return store.complete(
        work.messageId,
        work.status,
        work.status,
        `nothing to commit: message is ${work.status}`,
        "cancelled",
      );
    }
    const timeLeft = this.timeLeft(work);
    if (timeLeft <= 0) {
      // Never commit past the deadline. If an earlier commit's outcome is unknown it may have
      // landed: ask Stream what became of the message instead of guessing.
      if (work.outcomeUnknown) {
        // A pending message answers GET until Stream's own timeout deletes it, so a lookup before
        // then would take "still pending" for "committed". Look only once the deadline is past.
        const lookAt = work.deadlineAt.getTime() + DEADLINE_LOOKUP_GRACE_MS;
        if (this.now() < lookAt) {
          await store.reschedule(work.messageId, new Date(lookAt), "outcome unknown at the deadline", true);
          return "retry";
        }
        return this.resolveByLookup(work, "committing", "expired");
      }
      return store.complete(
        work.messageId,
        "committing",
        "expired",
        "pending deadline passed before the commit went through",
      );
    }
    const outcome = await this.call(work, "commit", () =>
      this.options.stream.commitMessage(work.messageId, { timeoutMs: timeLeft }),
    );
    switch (outcome.kind) {
      case "ok":
        return store.complete(work.messageId, "committing", "committed", null);
      case "refused":
        if (outcome.status === 404) {
          return store.complete(
            work.messageId,
            "committing",
            "deleted",
            "Stream no longer has the message (404 on commit)",
          );
        }
        if (outcome.status === 400) {
          // Only the first commit of a pending message succeeds: a refusal here usually means an
          // earlier attempt of ours, or the app's other pending hook, committed it already.
          return this.resolveByLookup(work, "committing", "committed");
        }
        return this.retry(work, outcome, false);
      default:
        return this.retry(work, outcome, outcome.kind === "unknown");
    }
  }

  private async delete(work: ClaimedWork): Promise<MessageStatus | "retry"> {
    const { store } = this.options;
    if (work.status !== "rejecting") {
      return store.complete(
        work.messageId,
        work.status,
        work.status,
        `nothing to delete: message is ${work.status}`,
        "cancelled",
      );
    }
    if (this.timeLeft(work) <= 0) {
      return store.complete(
        work.messageId,
        "rejecting",
        "expired",
        "rejected, but its pending timeout removed it before the delete went through",
      );
    }
    const outcome = await this.call(work, "delete", () =>
      this.options.stream.hardDeleteMessage(work.messageId, { timeoutMs: this.timeLeft(work) }),
    );
    if (outcome.kind === "ok") return store.complete(work.messageId, "rejecting", "rejected", null);
    if (outcome.kind === "refused" && outcome.status === 404) {
      return store.complete(
        work.messageId,
        "rejecting",
        "rejected",
        "already gone from Stream (404 on delete)",
      );
    }
    return this.retry(work, outcome, outcome.kind === "unknown");
  }

  /**
   * GET /messages/{id} tells what an unanswered or refused commit came to: present means it was
   * committed (pending messages expire rather than linger), 404 means it is gone.
   */
  private async resolveByLookup(
    work: ClaimedWork,
    from: MessageStatus,
    presentMeans: MessageStatus,
  ): Promise<MessageStatus | "retry"> {
    const lookup = await this.call(work, "get", () => this.options.stream.getMessage(work.messageId));
    if (lookup.kind === "ok") {
      const reason =
        presentMeans === "committed"
          ? "committed (confirmed by GET after a refused or unanswered commit)"
          : null;
      return this.options.store.complete(work.messageId, from, "committed", reason);
    }
    if (lookup.kind === "refused" && lookup.status === 404) {
      const to = presentMeans === "expired" ? "expired" : "deleted";
      return this.options.store.complete(
        work.messageId,
        from,
        to,
        "Stream no longer has the message (404 on lookup)",
      );
    }
    return this.retry(work, lookup, true);
  }

  private async call(
    work: ClaimedWork,
    call: "commit" | "delete" | "get",
    send: () => Promise<StreamOutcome>,
  ): Promise<StreamOutcome> {
    const { store } = this.options;
    const attemptId = await store.startAttempt(work.messageId, call);
    const outcome = await send();
    const recorded =
      outcome.kind === "ok"
        ? "ok"
        : outcome.kind === "rate_limited"
          ? "rate_limited"
          : outcome.kind === "unknown"
            ? "unknown"
            : "rejected";
    await store.finishAttempt(
      attemptId,
      recorded,
      outcome.status,
      outcome.kind === "ok" ? null : outcome.message,
    );
    return outcome;
  }

  private async retry(
    work: ClaimedWork,
    outcome: Exclude<StreamOutcome, { kind: "ok" }>,
    unknown: boolean,
  ): Promise<"retry"> {
    const now = this.now();
    const wanted = outcome.kind === "rate_limited" ? outcome.retryAt : now + backoffMs(work.attempts);
    // Before the deadline, a retry never waits past it: that last visit settles the row without a
    // commit. After it (looking up an unknown outcome), plain backoff applies.
    const deadline = work.deadlineAt.getTime();
    const at = now < deadline ? Math.min(wanted, deadline) : wanted;
    this.options.logger.info(
      {
        messageId: work.messageId,
        action: work.action,
        attempt: work.attempts,
        status: outcome.status,
        error: outcome.message,
        retryInMs: at - now,
      },
      "Stream call did not succeed; retrying",
    );
    await this.options.store.reschedule(
      work.messageId,
      new Date(at),
      `${outcome.kind}: ${outcome.message}`,
      unknown || work.outcomeUnknown,
    );
    return "retry";
  }
}
