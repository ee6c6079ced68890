import { createRoute, z } from "@hono/zod-openapi";
import { moderate } from "../review/moderate.ts";
import type { AuthEnv } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, jsonBody, problemResponses } from "./openapi.ts";
import type { ReviewRouteDeps } from "./review-deps.ts";
import { refusalProblem } from "./review-problems.ts";
import { MessageStatusSchema } from "./schemas.ts";

/** Enough for a screenful of queue; larger batches should page. */
const MAX_BULK = 200;

const BulkRequest = z
  .object({
    ids: z
      .array(z.string().min(1).max(255))
      .min(1)
      .max(MAX_BULK)
      .openapi({
        example: ["msg-1", "msg-2"],
        description: `1 to ${MAX_BULK} message ids; duplicates are acted on once.`,
      }),
    reason: z.string().max(2000).optional(),
  })
  .openapi("BulkDecisionRequest");

const BulkItem = z
  .object({
    id: z.string(),
    ok: z.boolean(),
    http_status: z
      .number()
      .int()
      .openapi({ description: "What the single-message route would have answered." }),
    status: MessageStatusSchema.nullable().openapi({ description: "The message's status after this item." }),
    code: z.string().nullable().openapi({ description: "The problem code when refused." }),
    detail: z.string().nullable(),
  })
  .openapi("BulkDecisionItem");

const BulkResponse = z
  .object({
    results: z.array(BulkItem),
    summary: z.object({ ok: z.number().int(), refused: z.number().int() }),
  })
  .openapi("BulkDecisionResult");

const bulkRoute = (action: "approve" | "reject") =>
  createRoute({
    method: "post",
    path: `/messages/${action}`,
    tags: ["Review"],
    summary: `${action === "approve" ? "Approve" : "Reject"} several held messages`,
    description:
      "Each id is decided on its own, exactly as the single-message route would (claims, 409, 410 included); the answer is 200 with one result per id, in request order.",
    security: bearerSecurity,
    request: { body: jsonBody(BulkRequest) },
    responses: {
      200: json(BulkResponse, "Per-item results"),
      ...problemResponses(...AUTH_ERRORS, "body_too_large"),
    },
  });

export function bulkRoutes(deps: ReviewRouteDeps) {
  const app = createRouter<AuthEnv>();
  for (const action of ["approve", "reject"] as const) {
    app.openapi(bulkRoute(action), async (c) => {
      const { ids, reason } = c.req.valid("json");
      const actor = c.get("actor");
      const results: z.infer<typeof BulkItem>[] = [];
      // One at a time: each is one short transaction, and the order of results is the request's.
      for (const id of [...new Set(ids)]) {
        const result = await moderate(deps.moderation, {
          messageId: id,
          action,
          actor,
          reason: reason ?? null,
        });
        deps.metrics?.reviewActions.inc({
          action: `bulk_${action}`,
          result: result.ok ? "ok" : result.reason,
        });
        if (result.ok) {
          results.push({ id, ok: true, http_status: 202, status: result.status, code: null, detail: null });
          continue;
        }
        const problem = refusalProblem(id, result, action);
        const current = "status" in result ? result.status : result.reason === "claimed" ? "held" : null;
        results.push({
          id,
          ok: false,
          http_status: problem.status,
          status: current,
          code: problem.code,
          detail: problem.detail,
        });
      }
      const ok = results.filter((r) => r.ok).length;
      return c.json({ results, summary: { ok, refused: results.length - ok } }, 200);
    });
  }
  return app;
}
