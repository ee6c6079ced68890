import type { Logger } from "pino";
import { type Db, rawSql } from "../db/client.ts";
import type { MessageStatus } from "../db/schema/index.ts";
import { outboxActionFor, receivedStatus } from "../db/transitions.ts";
import type { Decision, RuleSet } from "../rules/types.ts";
import { computeDeadline } from "./deadline.ts";
import { type HookPayload, normalizeMetadata } from "./payload.ts";
import { ReceiptBatcher } from "./receipt-batcher.ts";
import type { ReceiptDraft } from "./receipt-store.ts";
import { requestSignals } from "./request-signals.ts";

export interface ReceiveContext {
  db: Db;
  rules: () => RuleSet;
  pendingTimeoutMs: number;
  now?: () => Date;
  /** Writes receipts in batches (group commit); without one, each receipt is written alone. */
  receipts?: Pick<ReceiptBatcher, "submit">;
  /** Told when the rules fail on a message (on_error applied), with the reason. */
  logger?: Pick<Logger, "warn">;
  /** Told of the rules' decision on each new message, once it is stored (per-rule metrics). */
  onDecision?: (decision: Decision) => void;
}

export interface Delivery {
  webhookId: string | null;
  attempt: number | null;
}

export interface Receipt {
  messageId: string;
  status: MessageStatus;
  /** This delivery created the record (false: a retry, a replay or the other hook). */
  isNew: boolean;
  /** An outbox row was written and nobody has claimed it yet: the dispatcher should try it now. */
  dispatch: boolean;
}

/**
 * PassOnPendingMessage: in one transaction, create the message record (or find it, when the
 * message is already known), log the rules' decision with the request signals, and queue the
 * Stream action. Nothing is acknowledged before this transaction commits, and the unique message
 * id makes concurrent deliveries of one message produce exactly one decision. Rules that count a
 * sender's messages are evaluated inside that transaction (see rate-counts.ts). The transaction is
 * shared with receipts arriving at the same time (see ReceiptBatcher).
 */
export async function receivePendingMessage(
  ctx: ReceiveContext,
  payload: HookPayload,
  delivery: Delivery,
): Promise<Receipt> {
  const receivedAt = ctx.now?.() ?? new Date();
  const message = payload.message;
  const metadata = normalizeMetadata(payload.metadata);
  const requestInfo = payload.request_info ?? null;
  const deadlineAt = computeDeadline(message.created_at, receivedAt, ctx.pendingTimeoutMs);
  const ruleset = ctx.rules();

  const input = { message, metadata, requestInfo };
  const pastDeadline = deadlineAt.getTime() <= receivedAt.getTime();
  // The decision the stored receipt carries (decide runs again if its batch is retried).
  let decided: Decision | undefined;
  const decide = (rateCounts: ReadonlyMap<string, number> | undefined): ReceiptDraft => {
    const started = performance.now();
    const decision: Decision = ruleset.evaluate({ ...input, rateCounts });
    decided = decision;
    const evaluationUs = Math.round((performance.now() - started) * 1000);
    if (decision.error) {
      ctx.logger?.warn(
        {
          messageId: message.id,
          rulesetVersion: decision.ruleset_version,
          action: decision.action,
          error: decision.error,
        },
        "rules evaluation failed; on_error applied (or a stricter match found before)",
      );
    }
    const status = receivedStatus(decision.action, pastDeadline);
    return {
      messageId: message.id,
      status,
      cid: message.cid ?? null,
      userId: message.user?.id ?? null,
      text: message.text ?? null,
      payload: message,
      metadata,
      requestInfo,
      messageCreatedAt: parseDate(message.created_at),
      receivedAt,
      deadlineAt,
      statusReason: pastDeadline ? "received after its pending deadline" : null,
      decision,
      evaluationUs,
      signals: requestSignals(requestInfo),
      outboxAction: outboxActionFor(status),
      webhookId: delivery.webhookId,
      attempt: delivery.attempt,
    };
  };
  const receipts = ctx.receipts ?? new ReceiptBatcher(rawSql(ctx.db));
  const stored = await receipts.submit({
    messageId: message.id,
    receivedAt,
    rateQueries: ruleset.rateQueries(input),
    decide,
  });
  if (stored.isNew && decided) ctx.onDecision?.(decided);
  return {
    messageId: message.id,
    status: stored.status,
    isNew: stored.isNew,
    dispatch: stored.isNew && stored.queued && !stored.claimed,
  };
}

const MAX_STORABLE_MS = Date.UTC(10000, 0, 1);

function parseDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const ms = Date.parse(value);
  // Outside 1970-9999 is no real time, and not always storable: JS accepts years -271821 and
  // +275760, Postgres neither, and it cannot read the "+010000-..." form toISOString gives.
  return Number.isFinite(ms) && ms >= 0 && ms < MAX_STORABLE_MS ? new Date(ms) : null;
}
