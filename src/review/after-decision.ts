import type { MessageStatus } from "../db/schema/index.ts";
import type { Dispatcher } from "../dispatch/dispatcher.ts";
import type { ServiceMetrics } from "../observability/service-metrics.ts";
import type { HeldAction } from "./decide-held.ts";

/** A held message a moderator or the deadline sweeper decided: its outbox row is waiting. */
export interface DecidedMessage {
  messageId: string;
  action: HeldAction;
  status: MessageStatus;
  receivedAt: Date;
}

/**
 * What follows every decision on a held message, whoever made it: dispatch it now rather than at
 * the next poll, and count the decision under its source.
 */
export function afterHeldDecision(
  dispatcher: Pick<Dispatcher, "kick">,
  metrics: Pick<ServiceMetrics, "observeReviewDecision">,
  source: "moderator" | "system",
): (decided: DecidedMessage) => void {
  return ({ messageId, action, receivedAt }) => {
    dispatcher.kick(messageId);
    metrics.observeReviewDecision(source, action, receivedAt);
  };
}
