import { and, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import type { Db, RawQuery } from "./client.ts";
import { type AttemptOutcome, type MessageStatus, messages, type OutboxAction } from "./schema/index.ts";
import { tupleReader } from "./tuples.ts";

// Every move of a message's status, in one place. A status moves only by a conditional UPDATE
// (`where status = <from>`), so of any number of racing actors (replicas, moderators, the
// sweeper, Stream's hooks) exactly one wins each move; the losers read what won. The table says
// which moves exist; each writer below makes one kind of move and checks it against the table.

/** The statuses each status may move to. Final statuses move nowhere. */
export const ALLOWED_MOVES: { readonly [S in MessageStatus]: readonly MessageStatus[] } = {
  // A moderator or the sweeper decides; or the deadline passes; or Stream deletes it.
  held: ["committing", "rejecting", "expired", "deleted"],
  // The dispatcher's commit lands, or it is too late, or Stream no longer has it.
  committing: ["committed", "expired", "deleted"],
  // Our delete lands (or Stream reports it first); or it is too late; or Stream deleted it.
  rejecting: ["rejected", "expired", "deleted"],
  committed: [],
  rejected: [],
  expired: [],
  deleted: [],
};

export function isAllowedMove(from: MessageStatus, to: MessageStatus): boolean {
  return ALLOWED_MOVES[from].includes(to);
}

/** A move the table does not allow is a bug in the caller: refuse it before it is written. */
export function assertAllowedMove(from: MessageStatus, to: MessageStatus): void {
  if (!isAllowedMove(from, to)) throw new Error(`status move ${from} -> ${to} is not allowed`);
}

// ---------------------------------------------------------------------------------------------
// The receipt: where a new message starts.

const STATUS_FOR_ACTION = { approve: "committing", reject: "rejecting", review: "held" } as const;

/** A new message's first status: the rules' action, or `expired` when received past its deadline. */
export function receivedStatus(action: keyof typeof STATUS_FOR_ACTION, pastDeadline: boolean): MessageStatus {
  return pastDeadline ? "expired" : STATUS_FOR_ACTION[action];
}

/** The Stream call a status waits for, if any. */
export function outboxActionFor(status: MessageStatus): OutboxAction | null {
  return status === "committing" ? "commit" : status === "rejecting" ? "delete" : null;
}

// ---------------------------------------------------------------------------------------------
// Moderators and the deadline sweeper: held -> committing | rejecting | expired.

type Tx = Pick<Db, "update" | "execute">;

export const HELD_TARGET = { approve: "committing", reject: "rejecting", expire: "expired" } as const;

/**
 * Decides a held message: moves it while it is still held, before its deadline (an approve or a
 * reject; an expire needs no time left), and, when `blockedBy` is given, only while that
 * condition (another moderator's live claim) does not hold. Answers the moved row, or nothing.
 */
export async function decideHeldMove(
  tx: Tx,
  move: { messageId: string; to: "committing" | "rejecting" | "expired"; now: Date; blockedBy?: SQL },
) {
  assertAllowedMove("held", move.to);
  const moved = await tx
    .update(messages)
    .set({
      status: move.to,
      updatedAt: move.now,
      ...(move.to === "expired"
        ? { finalAt: move.now, statusReason: "review deadline reached (review_timeout_action: expire)" }
        : {}),
    })
    .where(
      and(
        eq(messages.id, move.messageId),
        eq(messages.status, "held"),
        move.to === "expired" ? undefined : gt(messages.deadlineAt, move.now),
        move.blockedBy ? sql`not ${move.blockedBy}` : undefined,
      ),
    )
    .returning({
      userId: messages.userId,
      cid: messages.cid,
      metadata: messages.metadata,
      requestInfo: messages.requestInfo,
      receivedAt: messages.receivedAt,
      deadlineAt: messages.deadlineAt,
    });
  return moved[0];
}

/** A held message whose deadline passed before anyone decided it: held -> expired. */
export async function expireHeld(
  tx: Tx,
  move: { messageId: string; now: Date; reason: string },
): Promise<MessageStatus | undefined> {
  assertAllowedMove("held", "expired");
  const expired = await tx
    .update(messages)
    .set({ status: "expired", updatedAt: move.now, finalAt: move.now, statusReason: move.reason })
    .where(and(eq(messages.id, move.messageId), eq(messages.status, "held")))
    .returning({ status: messages.status });
  return expired[0]?.status;
}

// ---------------------------------------------------------------------------------------------
// DeletedPendingMessage: an open message -> rejected (our own delete), expired or deleted.

const OPEN_STATUSES = (Object.keys(ALLOWED_MOVES) as MessageStatus[]).filter(
  (status) => ALLOWED_MOVES[status].length > 0,
);

/**
 * Stream no longer holds the message. Our own hard delete, once sent, is what Stream reports
 * here when its answer is slower than the hook: the record ends `rejected`, as the delete's
 * answer would have left it. The attempt row is committed before the call goes out, so a delete
 * not yet sent is not mistaken for ours. Otherwise `expired` when the deadline had passed on
 * Postgres's clock (Stream's timeout at work), else `deleted`. A final message is left alone.
 */
export async function closeDeletedUpstream(
  tx: Tx,
  move: { messageId: string; at: Date },
): Promise<MessageStatus | undefined> {
  const ourDeleteSent = sql`(${messages.status} = 'rejecting' and exists (
    select 1 from dispatch_attempts a where a.message_id = ${messages.id} and a.call = 'delete'))`;
  const closed = await tx
    .update(messages)
    .set({
      status: sql<MessageStatus>`case when ${ourDeleteSent} then 'rejected'
        when ${messages.deadlineAt} <= now() then 'expired' else 'deleted' end`,
      finalAt: move.at,
      updatedAt: move.at,
      statusReason: sql<string>`case when ${ourDeleteSent}
        then 'hard-deleted by us (DeletedPendingMessage arrived before the answer to our delete)'
        else 'DeletedPendingMessage received' end`,
    })
    .where(and(eq(messages.id, move.messageId), inArray(messages.status, OPEN_STATUSES)))
    .returning({ status: messages.status });
  return closed[0]?.status;
}

// ---------------------------------------------------------------------------------------------
// The dispatcher: finishing outbox work. The one writer that closes an outbox row it leased.

/** How the outcome of a Stream call is recorded on its attempt row. */
export interface AttemptRecord {
  id: number;
  outcome: AttemptOutcome;
  httpStatus: number | undefined;
  error: string | null;
}

/** The end of one piece of work: its last call's outcome (if one was made) and the status move it earned. */
export interface Settlement {
  attempt: AttemptRecord | null;
  messageId: string;
  from: MessageStatus;
  /** The same as `from`: nothing to move (the message moved on); the row just closes. */
  to: MessageStatus;
  reason: string | null;
  state: "done" | "cancelled";
}

const SETTLEMENT = tupleReader<Settlement>([
  ["attempt_id", "bigint", (s) => s.attempt?.id ?? null],
  ["outcome", "text", (s) => s.attempt?.outcome ?? null],
  ["http_status", "int", (s) => s.attempt?.httpStatus ?? null],
  ["error", "text", (s) => s.attempt?.error ?? null],
  ["message_id", "text", (s) => s.messageId],
  ["from_status", "text", (s) => s.from],
  ["to_status", "text", (s) => s.to],
  ["reason", "text", (s) => s.reason],
  ["state", "text", (s) => s.state],
]);

/**
 * Finishing outbox work (the dispatcher's moves): records calls' outcomes (when a call was made)
 * and closes the work, for one row or many, in one statement and one transaction (the leases are
 * ours, so no two batches share a message): the conditional status move, messages first, then
 * outbox, the lock order every writer uses (the outbox update waits on the messages one). A
 * settlement whose `from` and `to` are the same closes the row and leaves the message alone.
 *
 * On a Postgres server its commit does not wait for the WAL flush ($2 = 'off': synchronous_commit
 * for this transaction only): it records what already happened at Stream, and nothing is
 * answered on it. If Postgres itself crashes within the next few hundred milliseconds the record
 * is lost: the row is still leased and pending, and its attempt row has no outcome, so whoever
 * claims it next treats the call's outcome as unknown (the commit is tried again before the
 * deadline, where Stream refuses a second one and a lookup tells; after it, the message is looked
 * up). Embedded PGlite lives in the service's own process, so a killed replica would be such a
 * crash: there ($2 null) the setting is left as it is. Receipts, which are answered on, always wait for the flush. Each
 * update names its rows by key (`= any(array(...))`) as well as joining the input: the planner
 * cannot tell how few rows the JSON holds, and a plan that scans the table instead of looking the
 * keys up costs in proportion to its size, on every batch.
 */
const FINISH_WORK = `
with relaxed as materialized (
  select set_config('synchronous_commit', coalesce($2::text, current_setting('synchronous_commit')), true) as setting
), input as (select i.* from (${SETTLEMENT.select}) i, relaxed
), finished as (
  update dispatch_attempts a
     set outcome = i.outcome, http_status = i.http_status, error = i.error, finished_at = now()
    from input i
   where a.id = any(array(select attempt_id from input)) and a.id = i.attempt_id
), moved as (
  update messages m
     set status = i.to_status, updated_at = now(), final_at = now(), status_reason = i.reason
    from input i
   where m.id = any(array(select message_id from input)) and m.id = i.message_id and m.status = i.from_status
     and i.to_status <> i.from_status
  returning m.id, m.status
), closed as (
  update outbox o
     set state = i.state, completed_at = now(), lease_owner = null, lease_expires_at = null,
         last_error = i.reason
    from input i
   where o.message_id = any(array(select message_id from input)) and o.message_id = i.message_id
     and o.state = 'pending' and (select count(*) from moved) >= 0
)
select id, status from moved`;

/**
 * Finishes work, all in one statement and one transaction (see FINISH_WORK). Answers the
 * status of each message the statement moved, by id; throws if it fails, and then none of it
 * happened. `relaxedCommit`: Postgres servers only.
 */
export async function finishWork(
  query: RawQuery,
  settlements: readonly Settlement[],
  relaxedCommit: boolean,
): Promise<Map<string, MessageStatus>> {
  for (const s of settlements) if (s.from !== s.to) assertAllowedMove(s.from, s.to);
  const rows = await query<{ id: string; status: MessageStatus }>(FINISH_WORK, [
    SETTLEMENT.encode(settlements),
    relaxedCommit ? "off" : null,
  ]);
  return new Map(rows.map((row) => [row.id, row.status]));
}
