import { createRoute, z } from "@hono/zod-openapi";
import { listQueue } from "../review/queue.ts";
import type { AuthEnv } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, problemResponses } from "./openapi.ts";
import type { ReviewRouteDeps } from "./review-deps.ts";
import { ClaimSchema, CursorQuery, LimitQuery, RuleMatchSchema } from "./schemas.ts";

const QueueItemSchema = z
  .object({
    id: z.string(),
    cid: z.string().nullable(),
    text: z.string().nullable(),
    user: z.object({ id: z.string().nullable(), name: z.string().nullable(), role: z.string().nullable() }),
    received_at: z.string().openapi({ format: "date-time" }),
    deadline_at: z.string().openapi({ format: "date-time" }),
    seconds_left: z.number().int(),
    matches: z.array(RuleMatchSchema),
    ruleset_version: z.string().nullable(),
    sampled_rules: z.array(z.string()).nullable().openapi({
      description:
        "Set when the rules rejected the message and it is here as a calibration sample of these rules (`sample_for_review`).",
    }),
    request_info: z.unknown(),
    metadata: z.record(z.string(), z.string()),
    claim: ClaimSchema.nullable(),
  })
  .openapi("QueueItem");

const route = createRoute({
  method: "get",
  path: "/queue",
  tags: ["Review"],
  summary: "Held messages, earliest deadline first",
  description:
    "Pagination is by position (deadline, id), so messages decided while you page do not make you skip or repeat any.",
  security: bearerSecurity,
  request: {
    query: z.object({
      cid: z.string().optional().openapi({ example: "messaging:general" }),
      user_id: z.string().optional(),
      rule_id: z.string().optional().openapi({ description: "Only messages this rule matched." }),
      limit: LimitQuery,
      cursor: CursorQuery,
    }),
  },
  responses: {
    200: json(
      z.object({ items: z.array(QueueItemSchema), next_cursor: z.string().nullable() }).openapi("QueuePage"),
      "A page of the queue",
    ),
    ...problemResponses(...AUTH_ERRORS, "invalid_cursor"),
  },
});

export function queueRoutes(deps: Pick<ReviewRouteDeps, "db">) {
  const app = createRouter<AuthEnv>();
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const page = await listQueue(deps.db, {
      cid: query.cid,
      userId: query.user_id,
      ruleId: query.rule_id,
      limit: query.limit,
      cursor: query.cursor,
    });
    return c.json(page, 200);
  });
  return app;
}
