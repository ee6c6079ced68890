import type { RawQuery } from "../db/client.ts";
import type { MessageStatus, OutboxAction } from "../db/schema/index.ts";
import { tupleReader } from "../db/tuples.ts";
import type { ClaimTerms } from "../dispatch/immediate-dispatch.ts";
import type { Decision, RateQuery } from "../rules/types.ts";
import type { RequestSignals } from "./request-signals.ts";

/** Everything one PassOnPendingMessage delivery writes, decided before it reaches the database. */
export interface ReceiptDraft {
  messageId: string;
  status: MessageStatus;
  cid: string | null;
  userId: string | null;
  text: string | null;
  payload: unknown;
  metadata: Record<string, string>;
  requestInfo: unknown;
  messageCreatedAt: Date | null;
  receivedAt: Date;
  deadlineAt: Date;
  statusReason: string | null;
  decision: Decision;
  evaluationUs: number;
  signals: RequestSignals;
  outboxAction: OutboxAction | null;
  webhookId: string | null;
  attempt: number | null;
}

/**
 * A receipt not decided yet: its decision may need rate counts, which are counted in the
 * transaction that stores it (see rate-counts.ts), so no other receipt of the same sender can
 * come between the count and the write.
 */
export interface ReceiptRequest {
  messageId: string;
  receivedAt: Date;
  /** What the decision needs counted; empty: `decide` needs no counts. */
  rateQueries: readonly RateQuery[];
  decide(rateCounts: ReadonlyMap<string, number> | undefined): ReceiptDraft;
}

export interface StoredReceipt {
  /** This delivery created the record; false: it already existed (retry, replay, other hook). */
  isNew: boolean;
  /** The message's status after the write: the new status, or the existing record's. */
  status: MessageStatus;
  /** This delivery queued a Stream action (an outbox row). */
  queued: boolean;
  /** The receipt claimed the outbox row and handed it to the dispatcher: its call is under way. */
  claimed: boolean;
}

// Rows travel as positional JSON tuples (see db/tuples.ts): one statement text whatever the batch
// size, so it is prepared once per connection.

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** A receipt to insert, and whether this replica claims its outbox row for an immediate call. */
interface NewReceipt {
  draft: ReceiptDraft;
  claim: boolean;
}

const NEW_RECEIPT = tupleReader<NewReceipt>([
  ["id", "text", (r) => r.draft.messageId],
  ["status", "text", (r) => r.draft.status],
  ["cid", "text", (r) => r.draft.cid],
  ["user_id", "text", (r) => r.draft.userId],
  ["text", "text", (r) => r.draft.text],
  ["payload", "jsonb", (r) => r.draft.payload],
  ["metadata", "jsonb", (r) => r.draft.metadata],
  ["request_info", "jsonb", (r) => r.draft.requestInfo],
  ["message_created_at", "timestamptz", (r) => iso(r.draft.messageCreatedAt)],
  ["received_at", "timestamptz", (r) => iso(r.draft.receivedAt)],
  ["deadline_at", "timestamptz", (r) => iso(r.draft.deadlineAt)],
  ["status_reason", "text", (r) => r.draft.statusReason],
  ["action", "text", (r) => r.draft.decision.action],
  ["matches", "jsonb", (r) => r.draft.decision.matches],
  ["ruleset_version", "text", (r) => r.draft.decision.ruleset_version],
  ["error", "text", (r) => r.draft.decision.error ?? null],
  ["shadow_matches", "jsonb", (r) => r.draft.decision.shadow_matches ?? []],
  ["shadow_error", "text", (r) => r.draft.decision.shadow_error ?? null],
  ["sampled_rules", "jsonb", (r) => r.draft.decision.sampled_rules ?? null],
  ["ip", "text", (r) => r.draft.signals.ip],
  ["user_agent", "text", (r) => r.draft.signals.userAgent],
  ["sdk", "text", (r) => r.draft.signals.sdk],
  ["ext", "text", (r) => r.draft.signals.ext],
  ["request_type", "text", (r) => r.draft.signals.requestType],
  ["evaluation_us", "int", (r) => r.draft.evaluationUs],
  ["outbox_action", "text", (r) => r.draft.outboxAction],
  ["webhook_id", "text", (r) => r.draft.webhookId],
  ["attempt", "int", (r) => r.draft.attempt],
  ["claim", "bool", (r) => r.claim],
]);

/**
 * New receipts, all or nothing: one statement is one transaction. The message rows are inserted
 * in id order, so two replicas writing overlapping batches lock in the same order and cannot
 * deadlock; a message already known is skipped (ON CONFLICT DO NOTHING), and only the rows it
 * really inserted get a decision, an outbox row and a delivery record. Foreign keys are checked
 * at the end of the statement, when the message rows exist.
 *
 * The outbox row is due at Postgres's `now()`, the clock the dispatchers' claims compare with
 * (received_at is this replica's clock, kept for the record).
 *
 * A row marked `claim` has its outbox row born leased to this replica ($2, for $3 ms) with its
 * first attempt recorded, exactly what the dispatcher's claim would write: the commit or delete
 * call can start the moment the transaction commits, with no claim round trip in between.
 */
const INSERT_NEW = `
with input as (${NEW_RECEIPT.select}
), inserted as (
  insert into messages (id, status, cid, user_id, text, payload, metadata, request_info,
    message_created_at, received_at, deadline_at, updated_at, final_at, status_reason)
  select id, status, cid, user_id, text, payload, metadata, nullif(request_info, 'null'::jsonb),
    message_created_at, received_at, deadline_at, received_at,
    case when status = 'expired' then received_at end, status_reason
    from input order by id
  on conflict (id) do nothing
  returning id
), decided as (
  insert into decisions (message_id, action, source, matches, ruleset_version, error, user_id, cid,
    ip, user_agent, sdk, ext, request_type, metadata, evaluation_us, created_at,
    shadow_matches, shadow_error, sampled_rules)
  select i.id, i.action, 'rules', i.matches, i.ruleset_version, i.error, i.user_id, i.cid,
    i.ip::inet, i.user_agent, i.sdk, i.ext, i.request_type, i.metadata, i.evaluation_us, i.received_at,
    i.shadow_matches, i.shadow_error, nullif(i.sampled_rules, 'null'::jsonb)
    from input i join inserted using (id)
), queued as (
  insert into outbox (message_id, action, next_attempt_at, lease_owner, lease_expires_at, attempts)
  select i.id, i.outbox_action, now(),
    case when i.claim then $2::text end,
    case when i.claim then now() + $3::int * interval '1 millisecond' end,
    case when i.claim then 1 else 0 end
    from input i join inserted using (id)
   where i.outbox_action is not null
), started as (
  insert into dispatch_attempts (message_id, call, dispatcher)
  select i.id, i.outbox_action, $2::text from input i join inserted using (id)
   where i.claim and i.outbox_action is not null
  returning id, message_id
), delivered as (
  insert into hook_deliveries (message_id, hook, webhook_id, attempt, outcome, status_after, received_at)
  select i.id, 'PassOnPendingMessage', i.webhook_id, i.attempt, 'new', i.status, i.received_at
    from input i join inserted using (id)
)
select ins.id, s.id as attempt_id from inserted ins left join started s on s.message_id = ins.id`;

const DUPLICATE_RECEIPT = tupleReader<ReceiptDraft>([
  ["id", "text", (d) => d.messageId],
  ["status", "text", (d) => d.status],
  ["webhook_id", "text", (d) => d.webhookId],
  ["attempt", "int", (d) => d.attempt],
  ["received_at", "timestamptz", (d) => iso(d.receivedAt)],
]);

/**
 * Deliveries of known messages: answered with the record's current status, and logged (unless
 * retired). A separate
 * statement after INSERT_NEW, so its snapshot sees a row a concurrent transaction committed while
 * INSERT_NEW waited on it.
 */
const RECORD_DUPLICATES = `
with input as (${DUPLICATE_RECEIPT.select}
), found as (
  -- A lookup per id: a join would let the planner scan the whole table (see FINISH_WORK,
  -- db/transitions.ts).
  select i.id, coalesce((select m.status from messages m where m.id = i.id), i.status) as status,
    (select m.retired_at is not null from messages m where m.id = i.id) as retired,
    i.webhook_id, i.attempt, i.received_at
    from input i
), delivered as (
  -- A retired message keeps no history (see maintenance/retention.ts): a replay is answered only.
  insert into hook_deliveries (message_id, hook, webhook_id, attempt, outcome, status_after, received_at)
  select id, 'PassOnPendingMessage', webhook_id, attempt, 'duplicate', status, received_at
    from found where retired is not true
)
select id, status from found`;

/**
 * Inserts new receipts (one draft per message id), all or none; answers the ids it created, each
 * with the attempt id of its claimed first call when it was claimed (see INSERT_NEW). An id it did
 * not create was already known: its draft is a duplicate.
 */
export async function insertNewReceipts(
  query: RawQuery,
  drafts: readonly ReceiptDraft[],
  claims?: { terms: ClaimTerms; ids: ReadonlySet<string> },
): Promise<Map<string, number | null>> {
  const rows = await query<{ id: string; attempt_id: string | number | null }>(INSERT_NEW, [
    NEW_RECEIPT.encode(drafts.map((draft) => ({ draft, claim: claims?.ids.has(draft.messageId) ?? false }))),
    claims?.terms.owner ?? null,
    claims?.terms.leaseMs ?? 0,
  ]);
  return new Map(rows.map((row) => [row.id, row.attempt_id == null ? null : Number(row.attempt_id)]));
}

/** Logs deliveries of known messages; answers each message's current status by id. */
export async function recordDuplicateReceipts(
  query: RawQuery,
  drafts: readonly ReceiptDraft[],
): Promise<Map<string, MessageStatus>> {
  const rows = await query<{ id: string; status: MessageStatus }>(RECORD_DUPLICATES, [
    DUPLICATE_RECEIPT.encode(drafts),
  ]);
  return new Map(rows.map((row) => [row.id, row.status]));
}
