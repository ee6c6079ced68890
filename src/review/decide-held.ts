import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { decisions, type MessageStatus, messages, moderatorActions, outbox } from "../db/schema/index.ts";

export type HeldAction = "approve" | "reject" | "expire";

export interface HeldDecision {
  messageId: string;
  action: HeldAction;
  actorKind: "moderator" | "admin" | "system";
  actorId: string;
  reason: string | null;
}

export type HeldDecisionResult =
  | { ok: true; status: MessageStatus }
  | { ok: false; status: MessageStatus | undefined };

const target = { approve: "committing", reject: "rejecting", expire: "expired" } as const;

/**
 * Decides a held message for a moderator or the deadline sweeper, through the same outbox as the
 * rules. The conditional update `status = 'held'` lets exactly one actor win, however many
 * moderators and replicas race; the loser learns the status that won.
 */
export async function decideHeld(db: Db, decision: HeldDecision): Promise<HeldDecisionResult> {
  return db.transaction(async (tx) => {
    const now = new Date();
    const to = target[decision.action];
    const moved = await tx
      .update(messages)
      .set({
        status: to,
        updatedAt: now,
        ...(to === "expired"
          ? { finalAt: now, statusReason: "review deadline reached (review_timeout_action: expire)" }
          : {}),
      })
      .where(and(eq(messages.id, decision.messageId), eq(messages.status, "held")))
      .returning({ userId: messages.userId, cid: messages.cid, metadata: messages.metadata });
    const row = moved[0];
    if (!row) {
      const [current] = await tx
        .select({ status: messages.status })
        .from(messages)
        .where(eq(messages.id, decision.messageId));
      return { ok: false, status: current?.status };
    }
    await tx.insert(decisions).values({
      messageId: decision.messageId,
      action: decision.action,
      source: decision.actorKind === "system" ? "system" : "moderator",
      actor: decision.actorId,
      reason: decision.reason,
      userId: row.userId,
      cid: row.cid,
      metadata: row.metadata,
      createdAt: now,
    });
    if (to !== "expired") {
      await tx.insert(outbox).values({
        messageId: decision.messageId,
        action: to === "committing" ? "commit" : "delete",
        nextAttemptAt: now,
      });
    }
    await tx.insert(moderatorActions).values({
      messageId: decision.messageId,
      actorKind: decision.actorKind,
      actorId: decision.actorId,
      action: decision.action,
      reason: decision.reason,
      result: to,
      createdAt: now,
    });
    return { ok: true, status: to };
  });
}
