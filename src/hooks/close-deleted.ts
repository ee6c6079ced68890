import { and, eq } from "drizzle-orm";
import { hookDeliveries, type MessageStatus, messages, outbox } from "../db/schema/index.ts";
import { closeDeletedUpstream } from "../db/transitions.ts";
import { computeDeadline } from "./deadline.ts";
import { type HookPayload, normalizeMetadata } from "./payload.ts";
import type { Delivery, Receipt, ReceiveContext } from "./receive.ts";

/**
 * DeletedPendingMessage: Stream no longer holds the message, so nothing more may be sent for it.
 * An open record becomes `deleted` (or `expired`, when its deadline had passed: that is Stream's
 * timeout at work; or `rejected`, when it is our own hard delete being reported) and its
 * undelivered outbox row is closed. A final record is left as it is.
 * An unknown message is recorded as closed, so a late PassOnPendingMessage cannot revive it.
 */
export async function closeDeletedMessage(
  ctx: ReceiveContext,
  payload: HookPayload,
  delivery: Delivery,
): Promise<Receipt> {
  const receivedAt = ctx.now?.() ?? new Date();
  const message = payload.message;
  const deadlineAt = computeDeadline(message.created_at, receivedAt, ctx.pendingTimeoutMs);
  return ctx.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(messages)
      .values({
        id: message.id,
        status: "deleted",
        cid: message.cid ?? null,
        userId: message.user?.id ?? null,
        text: message.text ?? null,
        payload: message,
        metadata: normalizeMetadata(payload.metadata),
        requestInfo: payload.request_info ?? null,
        receivedAt,
        deadlineAt,
        updatedAt: receivedAt,
        finalAt: receivedAt,
        statusReason: "deleted upstream before it was received for moderation",
      })
      .onConflictDoNothing({ target: messages.id })
      .returning({ status: messages.status });

    let status: MessageStatus;
    let outcome: "new" | "closed" | "duplicate";
    if (inserted[0]) {
      status = inserted[0].status;
      outcome = "new";
    } else {
      const closed = await closeDeletedUpstream(tx, { messageId: message.id, at: receivedAt });
      if (closed) {
        status = closed;
        outcome = "closed";
        const ours = status === "rejected";
        await tx
          .update(outbox)
          .set({
            state: ours ? "done" : "cancelled",
            completedAt: receivedAt,
            leaseOwner: null,
            leaseExpiresAt: null,
            lastError: ours ? "our delete confirmed by DeletedPendingMessage" : "message deleted upstream",
          })
          .where(and(eq(outbox.messageId, message.id), eq(outbox.state, "pending")));
      } else {
        const [current] = await tx
          .select({ status: messages.status })
          .from(messages)
          .where(eq(messages.id, message.id));
        status = current?.status ?? "deleted";
        outcome = "duplicate";
      }
    }
    await tx.insert(hookDeliveries).values({
      messageId: message.id,
      hook: "DeletedPendingMessage",
      webhookId: delivery.webhookId,
      attempt: delivery.attempt,
      outcome,
      statusAfter: status,
      receivedAt,
    });
    return { messageId: message.id, status, isNew: outcome === "new", dispatch: false };
  });
}
