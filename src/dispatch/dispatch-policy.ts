import type { Logger } from "pino";
import type { MessageStatus } from "../db/schema/index.ts";
import { outboxActionFor, type Settlement } from "../db/transitions.ts";
import { backoffMs } from "./backoff.ts";
import type { AttemptRecord, ClaimedWork, OutboxStore } from "./outbox-store.ts";
import { isGone, type StreamClient, type StreamOutcome } from "./stream-client.ts";

/** What the policy needs of the outbox: attempt rows, rescheduling, and finishing work. */
export type PolicyStore = Pick<
  OutboxStore,
  "startAttempt" | "finishAttempt" | "dropAttempt" | "reschedule"
> & {
  /** Finishes the work (see finishWork); answers the message's status after it. */
  settle(settlement: Settlement): Promise<MessageStatus>;
};

export interface DispatchPolicyOptions {
  store: PolicyStore;
  stream: StreamClient;
  logger: Logger;
  /** Postgres's clock (see DbClock). */
  now: () => number;
  /** No call is started with less than this left before the deadline. */
  marginMs: number;
  /**
   * How long after a deadline an unknown commit outcome is looked up. By then Stream has deleted
   * the message if it was still pending, so finding it proves the commit landed.
   */
  resolveGraceMs: number;
  /** Lookups that bring no answer before a commit's outcome is given up on. */
  maxFailedLookups: number;
  /** Observes a commit whose outcome could not be resolved (metrics). */
  onUnresolved?: (work: ClaimedWork, lastLookup: Exclude<StreamOutcome, { kind: "ok" }>) => void;
}

/**
 * What to do with one claimed outbox row, and what its outcome means: commit an approved message,
 * hard-delete a rejected one, look up what an unanswered or refused commit came to, retry what
 * can be retried within the deadline, and settle the row with the status it earned. Scheduling
 * (which rows, when, how many at once) is the Dispatcher's.
 */
export class DispatchPolicy {
  private readonly now: () => number;
  private readonly margin: number;
  private readonly maxFailedLookups: number;

  constructor(private readonly options: DispatchPolicyOptions) {
    this.now = options.now;
    this.margin = options.marginMs;
    this.maxFailedLookups = options.maxFailedLookups;
  }

  /** Carries out the row's work; answers the status it left the message in, or "retry". */
  carryOut(work: ClaimedWork): Promise<MessageStatus | "retry"> {
    if (outboxActionFor(work.status) !== work.action) {
      // Decided otherwise since (deleted upstream, expired): the row closes, the message stays.
      return this.endWithoutCall(
        work,
        work.status,
        work.status,
        `nothing to ${work.action}: message is ${work.status}`,
        "cancelled",
      );
    }
    return work.action === "commit" ? this.commit(work) : this.delete(work);
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
    return this.options.store.settle({ attempt: null, messageId: work.messageId, from, to, reason, state });
  }

  private async commit(work: ClaimedWork): Promise<MessageStatus | "retry"> {
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
    return this.options.store.settle({ attempt, messageId, from, to, reason, state: "done" });
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
    // An answer that is not Stream's means a wrong STREAM_BASE_URL or a proxy in the way: no
    // retry will fix that, an operator must.
    const level = typeof why !== "string" && why.kind === "not_stream" ? "error" : "info";
    this.options.logger[level](
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
