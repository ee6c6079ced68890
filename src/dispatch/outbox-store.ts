import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { rowsOf } from "../db/rows.ts";
import {
  type AttemptOutcome,
  dispatchAttempts,
  type MessageStatus,
  messages,
  type OutboxAction,
  outbox,
} from "../db/schema/index.ts";

/** An outbox row this dispatcher holds the lease on, with what it needs to know of the message. */
export interface ClaimedWork {
  messageId: string;
  action: OutboxAction;
  attempts: number;
  outcomeUnknown: boolean;
  status: MessageStatus;
  deadlineAt: Date;
}

interface ClaimRow {
  message_id: string;
  action: OutboxAction;
  attempts: number;
  outcome_unknown: number;
  status: MessageStatus;
  deadline_at: string | Date;
}

const toWork = (row: ClaimRow): ClaimedWork => ({
  messageId: row.message_id,
  action: row.action,
  attempts: row.attempts,
  outcomeUnknown: row.outcome_unknown > 0,
  status: row.status,
  deadlineAt: new Date(row.deadline_at),
});

/**
 * Lease claims are conditional UPDATEs: a row is taken only while it is pending, due, and not
 * leased to a live owner. Under concurrent claims Postgres re-checks the condition on the locked
 * row, so exactly one claimant gets it; SKIP LOCKED keeps pollers from queueing behind each other.
 */
export class OutboxStore {
  constructor(
    private readonly db: Db,
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  async claimOne(messageId: string): Promise<ClaimedWork | undefined> {
    const result = await this.db.execute(sql`
      update outbox o
         set lease_owner = ${this.owner},
             lease_expires_at = now() + ${this.leaseMs} * interval '1 millisecond',
             attempts = o.attempts + 1
        from messages m
       where o.message_id = ${messageId} and m.id = o.message_id
         and o.state = 'pending' and o.next_attempt_at <= now()
         and (o.lease_expires_at is null or o.lease_expires_at < now())
      returning o.message_id, o.action, o.attempts, o.outcome_unknown, m.status, m.deadline_at`);
    const [row] = rowsOf<ClaimRow>(result);
    return row ? toWork(row) : undefined;
  }

  async claimDue(limit: number): Promise<ClaimedWork[]> {
    if (limit <= 0) return [];
    const result = await this.db.execute(sql`
      with due as (
        select message_id from outbox
         where state = 'pending' and next_attempt_at <= now()
           and (lease_expires_at is null or lease_expires_at < now())
         order by next_attempt_at
         limit ${limit}
         for update skip locked
      )
      update outbox o
         set lease_owner = ${this.owner},
             lease_expires_at = now() + ${this.leaseMs} * interval '1 millisecond',
             attempts = o.attempts + 1
        from due, messages m
       where o.message_id = due.message_id and m.id = o.message_id
      returning o.message_id, o.action, o.attempts, o.outcome_unknown, m.status, m.deadline_at`);
    return rowsOf<ClaimRow>(result).map(toWork);
  }

  /** Written before the call, so a crash mid-call leaves an attempt with no outcome. */
  async startAttempt(messageId: string, call: "commit" | "delete" | "get"): Promise<number> {
    const [row] = await this.db
      .insert(dispatchAttempts)
      .values({ messageId, call, dispatcher: this.owner })
      .returning({ id: dispatchAttempts.id });
    return row!.id;
  }

  async finishAttempt(
    id: number,
    outcome: AttemptOutcome,
    httpStatus: number | undefined,
    error: string | null,
  ) {
    await this.db
      .update(dispatchAttempts)
      .set({ outcome, httpStatus: httpStatus ?? null, error, finishedAt: new Date() })
      .where(eq(dispatchAttempts.id, id));
  }

  /** The work is over: the row closes and the message moves, if it still has the expected status. */
  async complete(
    messageId: string,
    from: MessageStatus,
    to: MessageStatus,
    reason: string | null,
    state: "done" | "cancelled" = "done",
  ): Promise<MessageStatus> {
    // Lock order is messages, then outbox, everywhere: the DeletedPendingMessage hook takes the
    // same two rows, and the opposite order would let the two deadlock.
    return this.db.transaction(async (tx) => {
      const now = new Date();
      const moved = await tx
        .update(messages)
        .set({ status: to, updatedAt: now, finalAt: now, statusReason: reason })
        .where(and(eq(messages.id, messageId), eq(messages.status, from)))
        .returning({ status: messages.status });
      await tx
        .update(outbox)
        .set({ state, completedAt: now, leaseOwner: null, leaseExpiresAt: null, lastError: reason })
        .where(and(eq(outbox.messageId, messageId), eq(outbox.state, "pending")));
      if (moved[0]) return moved[0].status;
      const [current] = await tx
        .select({ status: messages.status })
        .from(messages)
        .where(eq(messages.id, messageId));
      return current?.status ?? to;
    });
  }

  /** Gives the row back with the time of its next try; only while this dispatcher holds it. */
  async reschedule(messageId: string, at: Date, error: string, outcomeUnknown: boolean): Promise<void> {
    await this.db
      .update(outbox)
      .set({
        nextAttemptAt: at,
        leaseOwner: null,
        leaseExpiresAt: null,
        lastError: error,
        ...(outcomeUnknown ? { outcomeUnknown: 1 } : {}),
      })
      .where(
        and(eq(outbox.messageId, messageId), eq(outbox.leaseOwner, this.owner), eq(outbox.state, "pending")),
      );
  }

  /** Shutdown: hand back leases at once so another replica need not wait for them to run out. */
  async releaseAll(): Promise<void> {
    await this.db
      .update(outbox)
      .set({ leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(outbox.leaseOwner, this.owner), eq(outbox.state, "pending")));
  }
}
