import type { RawQuery } from "../db/client.ts";
import type { MessageStatus, OutboxAction } from "../db/schema/index.ts";
import type { Decision } from "../rules/types.ts";
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

export interface StoredReceipt {
  /** This delivery created the record; false: it already existed (retry, replay, other hook). */
  isNew: boolean;
  /** The message's status after the write: the new status, or the existing record's. */
  status: MessageStatus;
}

// Both statements take the whole batch as one JSON parameter: one statement text whatever the
// batch size (so it is prepared once per connection), and one parse on the database side.

/**
 * New receipts, all or nothing: one statement is one transaction. The message rows are inserted
 * in id order, so two replicas writing overlapping batches lock in the same order and cannot
 * deadlock; a message already known is skipped (ON CONFLICT DO NOTHING), and only the rows it
 * really inserted get a decision, an outbox row and a delivery record. Foreign keys are checked
 * at the end of the statement, when the message rows exist.
 */
const INSERT_NEW = `
with input as (
  select * from jsonb_to_recordset($1::text::jsonb) as r(
    id text, status text, cid text, user_id text, text text, payload jsonb, metadata jsonb,
    request_info jsonb, message_created_at timestamptz, received_at timestamptz,
    deadline_at timestamptz, status_reason text, action text, matches jsonb, ruleset_version text,
    error text, ip text, user_agent text, sdk text, ext text, request_type text, evaluation_us int,
    outbox_action text, webhook_id text, attempt int)
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
    ip, user_agent, sdk, ext, request_type, metadata, evaluation_us, created_at)
  select i.id, i.action, 'rules', i.matches, i.ruleset_version, i.error, i.user_id, i.cid,
    i.ip::inet, i.user_agent, i.sdk, i.ext, i.request_type, i.metadata, i.evaluation_us, i.received_at
    from input i join inserted using (id)
), queued as (
  insert into outbox (message_id, action, next_attempt_at)
  select i.id, i.outbox_action, i.received_at from input i join inserted using (id)
   where i.outbox_action is not null
), delivered as (
  insert into hook_deliveries (message_id, hook, webhook_id, attempt, outcome, status_after, received_at)
  select i.id, 'PassOnPendingMessage', i.webhook_id, i.attempt, 'new', i.status, i.received_at
    from input i join inserted using (id)
)
select id from inserted`;

/**
 * Deliveries of known messages: answered with the record's current status, and logged. A separate
 * statement after INSERT_NEW, so its snapshot sees a row a concurrent transaction committed while
 * INSERT_NEW waited on it.
 */
const RECORD_DUPLICATES = `
with input as (
  select * from jsonb_to_recordset($1::text::jsonb) as r(
    id text, status text, webhook_id text, attempt int, received_at timestamptz)
), found as (
  select i.id, coalesce(m.status, i.status) as status, i.webhook_id, i.attempt, i.received_at
    from input i left join messages m on m.id = i.id
), delivered as (
  insert into hook_deliveries (message_id, hook, webhook_id, attempt, outcome, status_after, received_at)
  select id, 'PassOnPendingMessage', webhook_id, attempt, 'duplicate', status, received_at from found
)
select id, status from found`;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function newRow(draft: ReceiptDraft) {
  return {
    id: draft.messageId,
    status: draft.status,
    cid: draft.cid,
    user_id: draft.userId,
    text: draft.text,
    payload: draft.payload,
    metadata: draft.metadata,
    request_info: draft.requestInfo,
    message_created_at: iso(draft.messageCreatedAt),
    received_at: iso(draft.receivedAt),
    deadline_at: iso(draft.deadlineAt),
    status_reason: draft.statusReason,
    action: draft.decision.action,
    matches: draft.decision.matches,
    ruleset_version: draft.decision.ruleset_version,
    error: draft.decision.error ?? null,
    ip: draft.signals.ip,
    user_agent: draft.signals.userAgent,
    sdk: draft.signals.sdk,
    ext: draft.signals.ext,
    request_type: draft.signals.requestType,
    evaluation_us: draft.evaluationUs,
    outbox_action: draft.outboxAction,
    webhook_id: draft.webhookId,
    attempt: draft.attempt,
  };
}

function duplicateRow(draft: ReceiptDraft) {
  return {
    id: draft.messageId,
    status: draft.status,
    webhook_id: draft.webhookId,
    attempt: draft.attempt,
    received_at: iso(draft.receivedAt),
  };
}

/**
 * Inserts new receipts (one draft per message id), all or none; answers the ids it created. An id
 * it did not create was already known: its draft is a duplicate.
 */
export async function insertNewReceipts(
  query: RawQuery,
  drafts: readonly ReceiptDraft[],
): Promise<Set<string>> {
  const rows = await query<{ id: string }>(INSERT_NEW, [JSON.stringify(drafts.map(newRow))]);
  return new Set(rows.map((row) => row.id));
}

/** Logs deliveries of known messages; answers each message's current status by id. */
export async function recordDuplicateReceipts(
  query: RawQuery,
  drafts: readonly ReceiptDraft[],
): Promise<Map<string, MessageStatus>> {
  const rows = await query<{ id: string; status: MessageStatus }>(RECORD_DUPLICATES, [
    JSON.stringify(drafts.map(duplicateRow)),
  ]);
  return new Map(rows.map((row) => [row.id, row.status]));
}
