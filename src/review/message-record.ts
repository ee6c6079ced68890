import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import {
  claims,
  decisions,
  dispatchAttempts,
  hookDeliveries,
  messages,
  moderatorActions,
  outbox,
} from "../db/schema/index.ts";
import type { PendingMessage } from "../hooks/payload.ts";
import { ruleLifecycleFields } from "../rule-lifecycle/decision-fields.ts";
import { extractLinkHosts } from "../rules/links.ts";

/** The whole life of one message: receipt(s), decision(s), actions, and Stream calls. */
export async function getMessageRecord(db: Db, id: string) {
  const [message] = await db.select().from(messages).where(eq(messages.id, id));
  if (!message) return undefined;
  const now = new Date();
  const [decisionRows, actionRows, deliveryRows, attemptRows, outboxRows, claimRows] = await Promise.all([
    db.select().from(decisions).where(eq(decisions.messageId, id)).orderBy(asc(decisions.id)),
    db
      .select()
      .from(moderatorActions)
      .where(eq(moderatorActions.messageId, id))
      .orderBy(asc(moderatorActions.id)),
    db.select().from(hookDeliveries).where(eq(hookDeliveries.messageId, id)).orderBy(asc(hookDeliveries.id)),
    db
      .select()
      .from(dispatchAttempts)
      .where(eq(dispatchAttempts.messageId, id))
      .orderBy(asc(dispatchAttempts.id)),
    db.select().from(outbox).where(eq(outbox.messageId, id)),
    db
      .select()
      .from(claims)
      .where(and(eq(claims.messageId, id), gt(claims.expiresAt, now))),
  ]);
  const claim = claimRows[0];
  const dispatch = outboxRows[0];
  return {
    id: message.id,
    status: message.status,
    status_reason: message.statusReason,
    cid: message.cid,
    user_id: message.userId,
    message: message.payload,
    metadata: message.metadata,
    request_info: message.requestInfo,
    // The links as the rules read them (the console lists these), so a moderator sees the very
    // link and domain that link_domain_in tests, not a second reading of the text.
    links: extractLinkHosts(message.payload as PendingMessage).map((link) => ({
      field: link.field,
      text: link.text,
      host: link.host,
    })),
    received_at: message.receivedAt.toISOString(),
    deadline_at: message.deadlineAt.toISOString(),
    final_at: message.finalAt?.toISOString() ?? null,
    retired_at: message.retiredAt?.toISOString() ?? null,
    seconds_left:
      message.status === "held"
        ? Math.max(0, Math.floor((message.deadlineAt.getTime() - now.getTime()) / 1000))
        : null,
    claim: claim
      ? {
          moderator_id: claim.moderatorId,
          moderator_name: claim.moderatorName,
          expires_at: claim.expiresAt.toISOString(),
        }
      : null,
    decisions: decisionRows.map((d) => ({
      id: d.id,
      action: d.action,
      source: d.source,
      actor: d.actor,
      reason: d.reason,
      matches: d.matches,
      ruleset_version: d.rulesetVersion,
      error: d.error,
      request_info: { ip: d.ip, user_agent: d.userAgent, sdk: d.sdk, ext: d.ext, type: d.requestType },
      evaluation_us: d.evaluationUs,
      created_at: d.createdAt.toISOString(),
      ...ruleLifecycleFields(d),
    })),
    actions: actionRows.map((a) => ({
      id: a.id,
      actor_kind: a.actorKind,
      actor_id: a.actorId,
      actor_name: a.actorName,
      action: a.action,
      reason: a.reason,
      result: a.result,
      created_at: a.createdAt.toISOString(),
    })),
    deliveries: deliveryRows.map((d) => ({
      hook: d.hook,
      webhook_id: d.webhookId,
      attempt: d.attempt,
      outcome: d.outcome,
      status_after: d.statusAfter,
      received_at: d.receivedAt.toISOString(),
    })),
    dispatch: dispatch
      ? {
          action: dispatch.action,
          state: dispatch.state,
          attempts: dispatch.attempts,
          next_attempt_at: dispatch.nextAttemptAt.toISOString(),
          last_error: dispatch.lastError,
          calls: attemptRows.map((a) => ({
            call: a.call,
            dispatcher: a.dispatcher,
            started_at: a.startedAt.toISOString(),
            finished_at: a.finishedAt?.toISOString() ?? null,
            outcome: a.outcome,
            http_status: a.httpStatus,
            error: a.error,
          })),
        }
      : null,
  };
}

export type MessageRecord = NonNullable<Awaited<ReturnType<typeof getMessageRecord>>>;
