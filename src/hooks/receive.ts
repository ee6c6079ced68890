import { eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { decisions, hookDeliveries, type MessageStatus, messages, outbox } from "../db/schema/index.ts";
import type { Decision, RuleSet } from "../rules/types.ts";
import { computeDeadline } from "./deadline.ts";
import { type HookPayload, normalizeMetadata } from "./payload.ts";
import { countRates } from "./rate-counts.ts";
import { requestSignals } from "./request-signals.ts";

export interface ReceiveContext {
  db: Db;
  rules: () => RuleSet;
  pendingTimeoutMs: number;
  now?: () => Date;
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
  /** An outbox row was written: the dispatcher should try it now. */
  dispatch: boolean;
}

const statusForAction = { approve: "committing", reject: "rejecting", review: "held" } as const;

/**
 * PassOnPendingMessage: in one transaction, create the message record (or find it, when the
 * message is already known), log the rules' decision with the request signals, and queue the
 * Stream action. Nothing is acknowledged before this transaction commits, and the unique message
 * id makes concurrent deliveries of one message produce exactly one decision.
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
  const rateQueries = ruleset.rateQueries(input);
  const rateCounts = rateQueries.length > 0 ? await countRates(ctx.db, rateQueries, receivedAt) : undefined;
  const started = performance.now();
  const decision: Decision = ruleset.evaluate({ ...input, rateCounts });
  const evaluationUs = Math.round((performance.now() - started) * 1000);

  const pastDeadline = deadlineAt.getTime() <= receivedAt.getTime();
  const status: MessageStatus = pastDeadline ? "expired" : statusForAction[decision.action];
  const signals = requestSignals(requestInfo);

  return ctx.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(messages)
      .values({
        id: message.id,
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
        updatedAt: receivedAt,
        finalAt: pastDeadline ? receivedAt : null,
        statusReason: pastDeadline ? "received after its pending deadline" : null,
      })
      .onConflictDoNothing({ target: messages.id })
      .returning({ id: messages.id });

    if (inserted.length === 0) {
      const [current] = await tx
        .select({ status: messages.status })
        .from(messages)
        .where(eq(messages.id, message.id));
      const currentStatus = current?.status ?? status;
      await tx.insert(hookDeliveries).values({
        messageId: message.id,
        hook: "PassOnPendingMessage",
        webhookId: delivery.webhookId,
        attempt: delivery.attempt,
        outcome: "duplicate",
        statusAfter: currentStatus,
        receivedAt,
      });
      return { messageId: message.id, status: currentStatus, isNew: false, dispatch: false };
    }

    await tx.insert(decisions).values({
      messageId: message.id,
      action: decision.action,
      source: "rules",
      matches: decision.matches,
      rulesetVersion: decision.ruleset_version,
      error: decision.error ?? null,
      userId: message.user?.id ?? null,
      cid: message.cid ?? null,
      ...signals,
      metadata,
      evaluationUs,
      createdAt: receivedAt,
    });
    const action = status === "committing" ? "commit" : status === "rejecting" ? "delete" : null;
    if (action) await tx.insert(outbox).values({ messageId: message.id, action, nextAttemptAt: receivedAt });
    await tx.insert(hookDeliveries).values({
      messageId: message.id,
      hook: "PassOnPendingMessage",
      webhookId: delivery.webhookId,
      attempt: delivery.attempt,
      outcome: "new",
      statusAfter: status,
      receivedAt,
    });
    return { messageId: message.id, status, isNew: true, dispatch: action !== null };
  });
}

function parseDate(value: string | null | undefined): Date | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms) : null;
}
