import { and, eq, gt, lte, or } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { claims, type MessageStatus, messages, moderatorActions } from "../db/schema/index.ts";
import { type Actor, isAdmin } from "./actor.ts";
import type { LiveClaim } from "./decide-held.ts";

/** How long a claim lasts unless renewed: long enough to read a message, short enough not to block. */
export const DEFAULT_CLAIM_TTL_MS = 5 * 60_000;

export type ClaimResult =
  | { ok: true; claim: LiveClaim }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "not_held"; status: MessageStatus }
  | { ok: false; reason: "claimed"; claim: LiveClaim };

export type ReleaseResult =
  | { ok: true; released: boolean }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "claimed"; claim: LiveClaim };

const toLiveClaim = (row: typeof claims.$inferSelect): LiveClaim => ({
  moderatorId: row.moderatorId,
  moderatorName: row.moderatorName,
  expiresAt: row.expiresAt,
});

/**
 * Claims a held message for `ttlMs` (renewing one's own claim). The message row is locked for the
 * duration, so two claimants serialize and the second sees the first one's claim.
 */
export async function claimMessage(
  db: Db,
  input: { messageId: string; actor: Actor; ttlMs: number; now?: Date },
): Promise<ClaimResult> {
  const now = input.now ?? new Date();
  const { actor } = input;
  return db.transaction(async (tx) => {
    const [message] = await tx
      .select({ status: messages.status, deadlineAt: messages.deadlineAt })
      .from(messages)
      .where(eq(messages.id, input.messageId))
      .for("update");
    if (!message) return { ok: false, reason: "not_found" };
    if (message.status !== "held") return { ok: false, reason: "not_held", status: message.status };
    // A claim never outlives the message's deadline: past it there is nothing left to work on.
    const expiresAt = new Date(Math.min(now.getTime() + input.ttlMs, message.deadlineAt.getTime()));
    const [taken] = await tx
      .insert(claims)
      .values({
        messageId: input.messageId,
        moderatorId: actor.id,
        moderatorName: actor.name,
        claimedAt: now,
        expiresAt,
      })
      .onConflictDoUpdate({
        target: claims.messageId,
        set: { moderatorId: actor.id, moderatorName: actor.name, claimedAt: now, expiresAt },
        setWhere: or(lte(claims.expiresAt, now), eq(claims.moderatorId, actor.id)),
      })
      .returning();
    if (!taken) {
      const [holder] = await tx.select().from(claims).where(eq(claims.messageId, input.messageId));
      await tx.insert(moderatorActions).values({
        messageId: input.messageId,
        actorKind: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        action: "claim",
        result: `refused: claimed by ${holder?.moderatorName ?? "another moderator"}`,
        createdAt: now,
      });
      return { ok: false, reason: "claimed", claim: toLiveClaim(holder!) };
    }
    await tx.insert(moderatorActions).values({
      messageId: input.messageId,
      actorKind: actor.kind,
      actorId: actor.id,
      actorName: actor.name,
      action: "claim",
      result: `claimed until ${expiresAt.toISOString()}`,
      createdAt: now,
    });
    return { ok: true, claim: toLiveClaim(taken) };
  });
}

/**
 * Gives a claim back before it runs out. Releasing when there is no live claim is not an error
 * (the claim may simply have expired); releasing someone else's live claim is for admins only.
 */
export async function releaseClaim(
  db: Db,
  input: { messageId: string; actor: Actor; now?: Date },
): Promise<ReleaseResult> {
  const now = input.now ?? new Date();
  const { actor } = input;
  return db.transaction(async (tx) => {
    const [message] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(eq(messages.id, input.messageId));
    if (!message) return { ok: false, reason: "not_found" };
    const [live] = await tx
      .select()
      .from(claims)
      .where(and(eq(claims.messageId, input.messageId), gt(claims.expiresAt, now)));
    if (!live) return { ok: true, released: false };
    if (live.moderatorId !== actor.id && !isAdmin(actor)) {
      return { ok: false, reason: "claimed", claim: toLiveClaim(live) };
    }
    await tx.delete(claims).where(eq(claims.messageId, input.messageId));
    await tx.insert(moderatorActions).values({
      messageId: input.messageId,
      actorKind: actor.kind,
      actorId: actor.id,
      actorName: actor.name,
      action: "release",
      result: live.moderatorId === actor.id ? "released" : `released ${live.moderatorName}'s claim`,
      createdAt: now,
    });
    return { ok: true, released: true };
  });
}
