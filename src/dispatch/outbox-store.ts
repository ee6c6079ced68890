import { and, eq, sql } from "drizzle-orm";
import { type Db, type RawQuery, rawQuery } from "../db/client.ts";
import {
  type AttemptOutcome,
  dispatchAttempts,
  type MessageStatus,
  type OutboxAction,
  outbox,
} from "../db/schema/index.ts";
import { finishWork, type Settlement } from "../db/transitions.ts";

/** An outbox row this dispatcher holds the lease on, with what it needs to know of the message. */
export interface ClaimedWork {
  messageId: string;
  action: OutboxAction;
  attempts: number;
  /**
   * An earlier call may have taken effect without our knowing: its answer was unknown (timeout,
   * reset, 5xx), or it has no recorded outcome at all (its dispatcher died, its settlement was
   * lost, or shutdown handed its lease back mid-call), or the lease was taken over from an owner
   * that did not finish.
   */
  outcomeUnknown: boolean;
  /** Lookups (GET) of this message that brought no answer from Stream: bounded (see Dispatcher). */
  failedLookups: number;
  /**
   * The sender gave `pending_message_metadata`: then Stream's GET shows it while the message is
   * pending, and its absence proves the message is no longer pending.
   */
  hasMetadata: boolean;
  status: MessageStatus;
  deadlineAt: Date;
  /** When the hook was received: commit latency is measured from it. */
  receivedAt: Date;
  /**
   * The attempt row the claim already wrote for the row's own call (commit or delete), when the
   * message's status called for it and its deadline left time at the claim. Used by the first call.
   */
  attemptId?: number;
}

export type { AttemptRecord, Settlement } from "../db/transitions.ts";

interface ClaimRow {
  message_id: string;
  action: OutboxAction;
  attempts: number;
  outcome_unknown: number;
  failed_lookups: string | number;
  has_metadata: boolean;
  status: MessageStatus;
  deadline_at: string | Date;
  received_at: string | Date;
  attempt_id?: string | number | null;
}

const toWork = (row: ClaimRow): ClaimedWork => ({
  messageId: row.message_id,
  action: row.action,
  attempts: row.attempts,
  outcomeUnknown: row.outcome_unknown > 0,
  failedLookups: Number(row.failed_lookups),
  hasMetadata: row.has_metadata,
  status: row.status,
  deadlineAt: new Date(row.deadline_at),
  receivedAt: new Date(row.received_at),
  ...(row.attempt_id == null ? {} : { attemptId: Number(row.attempt_id) }),
});

// The dispatcher's hot statements, hand-written and prepared (see rawQuery). Each is one
// statement, so one round trip and one transaction.

/**
 * Claims rows, by id or the due ones, and writes the attempt row of each claimed row whose call
 * will be made: the one the dispatcher would otherwise write next, in its own round trip. Every
 * time test is against Postgres's clock, the one all replicas share (the dispatcher's own checks
 * use it too, see DbClock), with the dispatcher's margin ($3).
 *
 * The claim also decides whether an earlier call's outcome is unknown. A lease still set when the
 * row is claimed ran out on an owner that never finished; an attempt row without an outcome (or
 * with an unknown one) is a call that may have landed: its dispatcher was killed, its settlement
 * lost, or its lease handed back at shutdown while it was still under way. Either way, a commit
 * it made may have landed, and the row is resolved as such (looked up, never just expired). The
 * subqueries read the statement's snapshot, so the attempt row this claim inserts is not counted.
 */
const claimWithAttempts = (candidates: string) => `
with candidates as (${candidates}),
claimed as (
  update outbox o
     set lease_owner = $2,
         lease_expires_at = now() + $4::int * interval '1 millisecond',
         attempts = o.attempts + 1,
         outcome_unknown = case when o.outcome_unknown > 0 or o.lease_owner is not null or exists (
             select 1 from dispatch_attempts a
              where a.message_id = o.message_id and a.call = o.action
                and (a.outcome is null or a.outcome = 'unknown')) then 1 else 0 end
    from candidates c, messages m
   where o.message_id = any(array(select message_id from candidates))
     and o.message_id = c.message_id and m.id = o.message_id
     and o.state = 'pending' and o.next_attempt_at <= now()
     and (o.lease_expires_at is null or o.lease_expires_at < now())
  returning o.message_id, o.action, o.attempts, o.outcome_unknown, m.status, m.deadline_at, m.received_at,
    m.metadata <> '{}'::jsonb as has_metadata,
    (select count(*) from dispatch_attempts a
      where a.message_id = o.message_id and a.call = 'get' and a.outcome is distinct from 'ok') as failed_lookups
), started as (
  insert into dispatch_attempts (message_id, call, dispatcher)
  select message_id, action, $2 from claimed
   where status = case action when 'commit' then 'committing' else 'rejecting' end
     and deadline_at > now() + $3::int * interval '1 millisecond'
  returning id, message_id
)
select c.*, s.id as attempt_id from claimed c left join started s using (message_id)`;

const CLAIM_IDS_WITH_ATTEMPTS = claimWithAttempts(
  `select message_id from outbox
    where message_id in (select jsonb_array_elements_text($1::text::jsonb))
    order by message_id for update skip locked`,
);

const CLAIM_DUE_WITH_ATTEMPTS = claimWithAttempts(`
  select message_id from outbox
   where state = 'pending' and next_attempt_at <= now()
     and (lease_expires_at is null or lease_expires_at < now())
   order by next_attempt_at
   limit $1::int
   for update skip locked`);

const CURRENT_STATUSES =
  "select id, status from messages where id in (select jsonb_array_elements_text($1::text::jsonb))";

/**
 * Lease claims are conditional UPDATEs: a row is taken only while it is pending, due, and not
 * leased to a live owner. Under concurrent claims Postgres re-checks the condition on the locked
 * row, so exactly one claimant gets it; SKIP LOCKED keeps pollers from queueing behind each other.
 */
export class OutboxStore {
  private readonly query: RawQuery;

  constructor(
    private readonly db: Db,
    readonly owner: string,
    readonly leaseMs: number,
    /**
     * Settlements commit without waiting for the WAL flush (see FINISH_WORK in db/transitions.ts):
     * Postgres servers only.
     */
    private readonly asyncSettlements = false,
  ) {
    this.query = rawQuery(db);
  }

  /**
   * Claims the given rows (those still pending, due and unleased; the rest are skipped) and
   * records the attempt of each call that will be made now. Ids are locked in sorted order, so
   * two dispatchers claiming overlapping sets cannot deadlock.
   */
  async claimWithAttempts(messageIds: readonly string[], marginMs: number): Promise<ClaimedWork[]> {
    if (messageIds.length === 0) return [];
    const rows = await this.query<ClaimRow>(CLAIM_IDS_WITH_ATTEMPTS, [
      JSON.stringify(messageIds),
      this.owner,
      marginMs,
      this.leaseMs,
    ]);
    return rows.map(toWork);
  }

  /** The poller's claim: due rows, with their attempt rows, as claimWithAttempts does. */
  async claimDueWithAttempts(limit: number, marginMs: number): Promise<ClaimedWork[]> {
    if (limit <= 0) return [];
    const rows = await this.query<ClaimRow>(CLAIM_DUE_WITH_ATTEMPTS, [
      limit,
      this.owner,
      marginMs,
      this.leaseMs,
    ]);
    return rows.map(toWork);
  }

  /** A claimed attempt whose call was not made after all (its deadline came first): it never happened. */
  async dropAttempt(id: number): Promise<void> {
    await this.db.delete(dispatchAttempts).where(eq(dispatchAttempts.id, id));
  }

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
      .set({ outcome, httpStatus: httpStatus ?? null, error, finishedAt: sql`now()` })
      .where(eq(dispatchAttempts.id, id));
  }

  /**
   * Finishes work: for each settlement, its call's outcome and the conditional status move, all
   * in one statement and one transaction.
   * Answers each message's status after it, by id. Throws if the statement fails; then none of
   * them happened.
   */
  async settleMany(settlements: readonly Settlement[]): Promise<Map<string, MessageStatus>> {
    const statuses = await finishWork(this.query, settlements, this.asyncSettlements);
    const notMoved = settlements.filter((s) => !statuses.has(s.messageId)).map((s) => s.messageId);
    if (notMoved.length > 0) {
      // Someone else's transition won for these; answer what it left.
      const current = await this.query<{ id: string; status: MessageStatus }>(CURRENT_STATUSES, [
        JSON.stringify(notMoved),
      ]);
      for (const row of current) statuses.set(row.id, row.status);
    }
    return statuses;
  }

  /**
   * Gives the row back with its next try `delayMs` from now, on Postgres's clock (the one the
   * claims compare with); only while this dispatcher holds it.
   */
  async reschedule(
    messageId: string,
    delayMs: number,
    error: string,
    outcomeUnknown: boolean,
  ): Promise<void> {
    await this.db
      .update(outbox)
      .set({
        nextAttemptAt: sql`now() + ${Math.max(0, Math.round(delayMs))}::int * interval '1 millisecond'`,
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
