import type { Db } from "../db/client.ts";
import type { MessageStatus } from "../db/schema/index.ts";
import { type Actor, isAdmin } from "./actor.ts";
import { decideHeld, type HeldDecisionResult } from "./decide-held.ts";

export interface ModerationDeps {
  db: Db;
  /** A message moved to the outbox: dispatch it now, and count it. */
  onDecided?: (decided: {
    messageId: string;
    action: "approve" | "reject";
    status: MessageStatus;
    receivedAt: Date;
  }) => void;
  /**
   * Makes the decision survive a power loss before it is acted on (the embedded database; see
   * Database.syncCommitted). Without it, a commit sent to Stream could outlive the decision that
   * sent it, and the message come back held, to be rejected or expired after it was shown.
   */
  syncCommitted?: () => Promise<unknown>;
}

export interface ModerationRequest {
  messageId: string;
  action: "approve" | "reject";
  actor: Actor;
  reason: string | null;
}

/**
 * A moderator approves or rejects a held message. Moderators respect each other's live claims;
 * admins may override one (and the override is in the audit trail).
 */
export async function moderate(
  deps: ModerationDeps,
  request: ModerationRequest,
): Promise<HeldDecisionResult> {
  const result = await decideHeld(deps.db, {
    messageId: request.messageId,
    action: request.action,
    actor: request.actor,
    reason: request.reason,
    respectClaims: !isAdmin(request.actor),
  });
  if (result.ok) {
    await deps.syncCommitted?.();
    deps.onDecided?.({
      messageId: request.messageId,
      action: request.action,
      status: result.status,
      receivedAt: result.receivedAt,
    });
  }
  return result;
}
