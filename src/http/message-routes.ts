import { createRoute, z } from "@hono/zod-openapi";
import { claimMessage, releaseClaim } from "../review/claims.ts";
import { getMessageRecord } from "../review/message-record.ts";
import { moderate } from "../review/moderate.ts";
import type { AuthEnv } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, jsonBody, problemResponses } from "./openapi.ts";
import { Problem, type ProblemCode } from "./problem.ts";
import type { ReviewRouteDeps } from "./review-deps.ts";
import { claimView, messageNotFound, refusalProblem } from "./review-problems.ts";
import {
  ClaimSchema,
  DecisionEntrySchema,
  MessageIdParam,
  MessageStatusSchema,
  ReasonBody,
} from "./schemas.ts";

const timestamp = z.string().openapi({ format: "date-time" });

const MessageRecordSchema = z
  .object({
    id: z.string(),
    status: MessageStatusSchema,
    status_reason: z.string().nullable(),
    cid: z.string().nullable(),
    user_id: z.string().nullable(),
    message: z.unknown().openapi({ description: "The message exactly as Stream sent it." }),
    metadata: z.record(z.string(), z.string()),
    request_info: z.unknown(),
    links: z
      .array(
        z.object({
          field: z.string().openapi({ example: "text" }),
          text: z.string().openapi({ example: "https://example.org/offer" }),
          host: z.string().openapi({ example: "example.org" }),
        }),
      )
      .openapi({
        description:
          "Every link in the text and the attachments' URL fields as the rules read them (`link_domain_in`): the link without the sentence punctuation after it, and its canonical host.",
      }),
    received_at: timestamp,
    deadline_at: timestamp,
    final_at: timestamp.nullable(),
    retired_at: timestamp.nullable().openapi({
      description: "When retention removed the message's content and history (RETENTION_DAYS); the id stays.",
    }),
    seconds_left: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Until the deadline; null unless held." }),
    claim: ClaimSchema.nullable(),
    decisions: z.array(DecisionEntrySchema),
    actions: z.array(
      z.object({
        id: z.number().int(),
        actor_kind: z.enum(["moderator", "admin", "system"]),
        actor_id: z.string().nullable(),
        actor_name: z.string().nullable(),
        action: z.string(),
        reason: z.string().nullable(),
        result: z.string(),
        created_at: timestamp,
      }),
    ),
    deliveries: z.array(
      z.object({
        hook: z.enum(["PassOnPendingMessage", "DeletedPendingMessage"]),
        webhook_id: z.string().nullable(),
        attempt: z.number().int().nullable(),
        outcome: z.enum(["new", "duplicate", "closed"]),
        status_after: z.string(),
        received_at: timestamp,
      }),
    ),
    dispatch: z
      .object({
        action: z.enum(["commit", "delete"]),
        state: z.enum(["pending", "done", "cancelled"]),
        attempts: z.number().int(),
        next_attempt_at: timestamp,
        last_error: z.string().nullable(),
        calls: z.array(
          z.object({
            call: z.enum(["commit", "delete", "get"]),
            dispatcher: z.string(),
            started_at: timestamp,
            finished_at: timestamp.nullable(),
            outcome: z.enum(["ok", "unknown", "rejected", "rate_limited", "resolved"]).nullable(),
            http_status: z.number().int().nullable(),
            error: z.string().nullable(),
          }),
        ),
      })
      .nullable(),
  })
  .openapi("MessageRecord");

const DecidedSchema = z.object({ message_id: z.string(), status: MessageStatusSchema }).openapi("Decided", {
  description: "The decision is durable; the Stream call follows through the outbox.",
});

const ClaimedSchema = z.object({ message_id: z.string(), claim: ClaimSchema }).openapi("Claimed");
const ReleasedSchema = z
  .object({ message_id: z.string(), released: z.boolean() })
  .openapi("Released", { description: "`released: false` when there was no live claim to release." });

const getRecord = createRoute({
  method: "get",
  path: "/messages/{id}",
  tags: ["Review"],
  summary: "The whole life of one message",
  description:
    "Status, original message, metadata, request_info, deadline, every decision (with matched rules and spans), every moderator or system action, every hook delivery, and every Stream call with its outcome.",
  security: bearerSecurity,
  request: { params: MessageIdParam },
  responses: {
    200: json(MessageRecordSchema, "The record"),
    ...problemResponses(...AUTH_ERRORS, "message_not_found"),
  },
});

/** Why claiming or deciding a message can be refused (see refusalProblem). */
const DECISION_REFUSALS = [
  "message_not_found",
  "claimed",
  "already_decided",
  "message_expired",
  "message_deleted",
] as const satisfies ProblemCode[];

const claim = createRoute({
  method: "post",
  path: "/messages/{id}/claim",
  tags: ["Review"],
  summary: "Claim a held message for a few minutes",
  description:
    "Renews the caller's own claim. While the claim is live, other moderators cannot claim, approve or reject the message (admins can). It expires on its own.",
  security: bearerSecurity,
  request: { params: MessageIdParam },
  responses: {
    200: json(ClaimedSchema, "Claimed"),
    ...problemResponses(...AUTH_ERRORS, ...DECISION_REFUSALS),
  },
});

const release = createRoute({
  method: "post",
  path: "/messages/{id}/release",
  tags: ["Review"],
  summary: "Give a claim back",
  description: "Releasing another moderator's live claim needs an admin token.",
  security: bearerSecurity,
  request: { params: MessageIdParam },
  responses: {
    200: json(ReleasedSchema, "Released"),
    ...problemResponses(...AUTH_ERRORS, "message_not_found", "claimed", "already_decided"),
  },
});

const decideRoute = (action: "approve" | "reject") =>
  createRoute({
    method: "post",
    path: `/messages/{id}/${action}`,
    tags: ["Review"],
    summary:
      action === "approve" ? "Approve a held message (commit it)" : "Reject a held message (hard-delete it)",
    description: `Moves the message to \`${action === "approve" ? "committing" : "rejecting"}\` through the outbox, so it is ${
      action === "approve" ? "committed" : "deleted"
    } exactly once. 409 when already decided (the body names \`current_status\`) or claimed by another moderator; 410 when expired or deleted (also when its deadline has passed).`,
    security: bearerSecurity,
    request: { params: MessageIdParam, body: jsonBody(ReasonBody, false) },
    responses: {
      202: json(DecidedSchema, "Decided"),
      ...problemResponses(...AUTH_ERRORS, ...DECISION_REFUSALS, "body_too_large"),
    },
  });

/** Reads a JSON body that may be absent (approve/reject take an optional reason). */
async function optionalReason(text: string): Promise<string | null> {
  if (text.trim() === "") return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Problem("invalid_request", 'The body must be JSON, e.g. {"reason": "spam"}, or empty.');
  }
  const parsed = ReasonBody.safeParse(body);
  if (!parsed.success) {
    throw new Problem("invalid_request", `reason: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data.reason ?? null;
}

export function messageRoutes(deps: ReviewRouteDeps) {
  const app = createRouter<AuthEnv>();
  const count = (action: string, result: string) => deps.metrics?.reviewActions.inc({ action, result });

  app.openapi(getRecord, async (c) => {
    const { id } = c.req.valid("param");
    const record = await getMessageRecord(deps.db, id);
    if (!record) throw messageNotFound(id);
    return c.json(record as z.input<typeof MessageRecordSchema>, 200);
  });

  app.openapi(claim, async (c) => {
    const { id } = c.req.valid("param");
    const result = await claimMessage(deps.db, {
      messageId: id,
      actor: c.get("actor"),
      ttlMs: deps.claimTtlMs,
    });
    count("claim", result.ok ? "ok" : result.reason);
    if (!result.ok) throw refusalProblem(id, result, "claim");
    return c.json({ message_id: id, claim: claimView(result.claim) }, 200);
  });

  app.openapi(release, async (c) => {
    const { id } = c.req.valid("param");
    const result = await releaseClaim(deps.db, { messageId: id, actor: c.get("actor") });
    count("release", result.ok ? "ok" : result.reason);
    if (!result.ok) throw refusalProblem(id, result, "release the claim on");
    return c.json({ message_id: id, released: result.released }, 200);
  });

  for (const action of ["approve", "reject"] as const) {
    app.openapi(decideRoute(action), async (c) => {
      const { id } = c.req.valid("param");
      const reason = await optionalReason(await c.req.text());
      const result = await moderate(deps.moderation, {
        messageId: id,
        action,
        actor: c.get("actor"),
        reason,
      });
      count(action, result.ok ? "ok" : result.reason);
      if (!result.ok) throw refusalProblem(id, result, action);
      return c.json({ message_id: id, status: result.status }, 202);
    });
  }
  return app;
}
