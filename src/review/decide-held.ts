import { and, eq, exists, gt, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { rowsOf } from "../db/rows.ts";
import {
  claims,
  decisions,
  type MessageStatus,
  messages,
  moderatorActions,
  outbox,
} from "../db/schema/index.ts";
import { decideHeldMove, expireHeld, HELD_TARGET } from "../db/transitions.ts";
import type { RequestInfo } from "../hooks/payload.ts";
import { requestSignals } from "../hooks/request-signals.ts";
import type { Actor } from "./actor.ts";

export type HeldAction = "approve" | "reject" | "expire";

export interface HeldDecision {
  messageId: string;
  action: HeldAction;
  actor: Actor;
  reason: string | null;
  /**
   * Refuse while another moderator holds a live claim. Moderators respect claims; admins and the
   * deadline sweeper do not (the deadline matters more than a claim).
   */
  respectClaims: boolean;
  /** Tests only: the decision's time. Default: Postgres's `now()`. */
  now?: Date;
}

export interface LiveClaim {
  moderatorId: string;
  moderatorName: string;
  expiresAt: Date;
}

export type HeldDecisionResult =
  | { ok: true; status: MessageStatus; receivedAt: Date; deadlineAt: Date }
  | { ok: false; reason: "not_found" }
  /** Someone else decided first, or Stream deleted it: `status` is what won. */
  | { ok: false; reason: "not_held"; status: MessageStatus }
  /** Its deadline passed before this decision: it is now `expired`, and nothing goes to Stream. */
  | { ok: false; reason: "deadline_passed"; status: MessageStatus }
  | { ok: false; reason: "claimed"; claim: LiveClaim };

/**
 * Decides a held message for a moderator or the deadline sweeper, through the same outbox as the
 * rules. The conditional move (decideHeldMove in db/transitions.ts: `status = 'held'`, deadline
 * not passed, no other live claim) lets exactly one actor win, however many moderators and replicas race; a loser learns why.
 * Approve and reject are refused once the deadline has passed: Stream has dropped the message by
 * then, so the record is closed as `expired` instead.
 */
export async function decideHeld(db: Db, decision: HeldDecision): Promise<HeldDecisionResult> {
  const { actor } = decision;
  const to = HELD_TARGET[decision.action];
  return db.transaction(async (tx) => {
    // Postgres's clock, the one the deadline, the claims and the outbox's due time are compared
    // with everywhere: a replica whose own clock runs ahead must not see deadlines pass early.
    const now = decision.now ?? (await transactionTime(tx));
    const audit = (action: string, result: string, reason = decision.reason) =>
      tx.insert(moderatorActions).values({
        messageId: decision.messageId,
        actorKind: actor.kind,
        actorId: actor.id,
        actorName: actor.name,
        action,
        reason,
        result,
        createdAt: now,
      });

    const otherLiveClaim = exists(
      tx
        .select({ one: sql`1` })
        .from(claims)
        .where(
          and(eq(claims.messageId, messages.id), gt(claims.expiresAt, now), ne(claims.moderatorId, actor.id)),
        ),
    );
    const row = await decideHeldMove(tx, {
      messageId: decision.messageId,
      to,
      now,
      blockedBy: decision.respectClaims ? otherLiveClaim : undefined,
    });
    if (row) {
      await tx.insert(decisions).values({
        messageId: decision.messageId,
        action: decision.action,
        source: actor.kind === "system" ? "system" : "moderator",
        actor: actor.id,
        reason: decision.reason,
        userId: row.userId,
        cid: row.cid,
        // The sender's signals again, so searching the log by ip finds moderator decisions too.
        ...requestSignals(row.requestInfo as RequestInfo | null),
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
      await tx.delete(claims).where(eq(claims.messageId, decision.messageId));
      await audit(decision.action, to);
      return { ok: true, status: to, receivedAt: row.receivedAt, deadlineAt: row.deadlineAt };
    }

    // Lost: find out why, so the caller can say what happened and what to do.
    const [current] = await tx
      .select({
        status: messages.status,
        deadlineAt: messages.deadlineAt,
        userId: messages.userId,
        cid: messages.cid,
      })
      .from(messages)
      .where(eq(messages.id, decision.messageId));
    if (!current) return { ok: false, reason: "not_found" };
    if (current.status !== "held") {
      if (actor.kind !== "system") await audit(decision.action, `refused: message is ${current.status}`);
      return { ok: false, reason: "not_held", status: current.status };
    }
    if (current.deadlineAt.getTime() <= now.getTime()) {
      const expired = await expireHeld(tx, {
        messageId: decision.messageId,
        now,
        reason: `pending deadline passed while held; ${decision.action} by ${actor.name} came too late`,
      });
      if (expired) {
        await tx.delete(claims).where(eq(claims.messageId, decision.messageId));
        await tx.insert(decisions).values({
          messageId: decision.messageId,
          action: "expire",
          source: "system",
          actor: "deadline",
          userId: current.userId,
          cid: current.cid,
          reason: `pending deadline passed before any decision (${decision.action} by ${actor.name} came too late)`,
          createdAt: now,
        });
      }
      await audit(decision.action, "refused: pending deadline passed; message expired");
      return { ok: false, reason: "deadline_passed", status: expired ?? "expired" };
    }
    const [claim] = await tx
      .select()
      .from(claims)
      .where(
        and(
          eq(claims.messageId, decision.messageId),
          gt(claims.expiresAt, now),
          ne(claims.moderatorId, actor.id),
        ),
      );
    if (claim) {
      await audit(decision.action, `refused: claimed by ${claim.moderatorName}`);
      return {
        ok: false,
        reason: "claimed",
        claim: {
          moderatorId: claim.moderatorId,
          moderatorName: claim.moderatorName,
          expiresAt: claim.expiresAt,
        },
      };
    }
    // The row changed between the update and the read (a concurrent decision that then rolled
    // back): report what is there now; the caller may simply retry.
    return { ok: false, reason: "not_held", status: current.status };
  });
}

async function transactionTime(tx: Pick<Db, "execute">): Promise<Date> {
  const [row] = rowsOf<{ now: string | Date }>(await tx.execute(sql`select now() as now`));
  return new Date(row!.now);
}
