import type { ClaimResult, ReleaseResult } from "../review/claims.ts";
import type { HeldDecisionResult, LiveClaim } from "../review/decide-held.ts";
import { Problem } from "./problem.ts";

type Refusal =
  | Exclude<HeldDecisionResult, { ok: true }>
  | Exclude<ClaimResult, { ok: true }>
  | Exclude<ReleaseResult, { ok: true }>;

export const claimView = (claim: LiveClaim) => ({
  moderator_id: claim.moderatorId,
  moderator_name: claim.moderatorName,
  expires_at: claim.expiresAt.toISOString(),
});

export const messageNotFound = (messageId: string) =>
  new Problem(
    "message_not_found",
    `No message with id ${JSON.stringify(messageId)} has been received; check the id (GET /api/queue lists held messages).`,
  );

/** Why a review action on a message was refused, as the problem the client gets. */
export function refusalProblem(messageId: string, refusal: Refusal, verb: string): Problem {
  const id = JSON.stringify(messageId);
  switch (refusal.reason) {
    case "not_found":
      return messageNotFound(messageId);
    case "claimed":
      return new Problem(
        "claimed",
        `Message ${id} is claimed by ${refusal.claim.moderatorName} until ${refusal.claim.expiresAt.toISOString()}; ` +
          `leave it to them, wait for the claim to expire, or ask an admin.`,
        { extra: { claimed_by: claimView(refusal.claim) } },
      );
    case "deadline_passed":
      return new Problem(
        "message_expired",
        `Cannot ${verb} message ${id}: its pending deadline has passed, so Stream no longer holds it. ` +
          "It is now expired and was not sent to Stream.",
        { extra: { current_status: refusal.status } },
      );
    case "not_held":
      if (refusal.status === "expired" || refusal.status === "deleted") {
        return new Problem(
          refusal.status === "expired" ? "message_expired" : "message_deleted",
          refusal.status === "expired"
            ? `Cannot ${verb} message ${id}: its pending deadline passed before anyone acted on it.`
            : `Cannot ${verb} message ${id}: it was deleted upstream (DeletedPendingMessage) before it was decided.`,
          { extra: { current_status: refusal.status } },
        );
      }
      return new Problem(
        "already_decided",
        `Cannot ${verb} message ${id}: it is already ${refusal.status}. GET /api/messages/${encodeURIComponent(messageId)} shows who decided it.`,
        { extra: { current_status: refusal.status } },
      );
  }
}
