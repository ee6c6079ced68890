import { createRoute, z } from "@hono/zod-openapi";
import { searchDecisions } from "../review/decision-log.ts";
import { parseIpFilter } from "../review/ip-filter.ts";
import type { AuthEnv } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, problemResponses } from "./openapi.ts";
import type { ReviewRouteDeps } from "./review-deps.ts";
import { CursorQuery, DateTimeQuery, DecisionEntrySchema, LimitQuery } from "./schemas.ts";

// The log adds what it is searched by to the decision itself.
const DecisionSchema = DecisionEntrySchema.extend({
  message_id: z.string(),
  user_id: z.string().nullable(),
  cid: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
}).openapi("Decision");

const route = createRoute({
  method: "get",
  path: "/decisions",
  tags: ["Search"],
  summary: "The decision log, newest first",
  description:
    "Every decision: the rules' at receipt, and any moderator's or the deadline sweeper's later. Filters combine with AND.",
  security: bearerSecurity,
  request: {
    query: z.object({
      user_id: z.string().optional(),
      cid: z.string().optional(),
      ip: z
        .string()
        .optional()
        .refine((value) => value === undefined || parseIpFilter(value) !== undefined, {
          message: "ip must be an IPv4 or IPv6 address or CIDR block, e.g. 203.0.113.7 or 2001:db8::/32",
        })
        .openapi({
          description: "An address, or a CIDR block containing the sender's ip.",
          example: "203.0.113.0/24",
        }),
      action: z.enum(["approve", "reject", "review", "expire"]).optional(),
      source: z.enum(["rules", "moderator", "system"]).optional(),
      rule_id: z.string().optional().openapi({ description: "Decisions in which this rule matched." }),
      shadow_rule: z
        .string()
        .optional()
        .openapi({ description: "Decisions in which this shadow rule (`mode: shadow`) matched." }),
      message_id: z.string().optional(),
      since: DateTimeQuery("since").openapi({ description: "Inclusive lower bound on the decision time." }),
      until: DateTimeQuery("until").openapi({ description: "Exclusive upper bound on the decision time." }),
      limit: LimitQuery,
      cursor: CursorQuery,
    }),
  },
  responses: {
    200: json(
      z
        .object({ items: z.array(DecisionSchema), next_cursor: z.string().nullable() })
        .openapi("DecisionPage"),
      "A page of decisions",
    ),
    ...problemResponses(...AUTH_ERRORS, "invalid_cursor"),
  },
});

export function decisionRoutes(deps: Pick<ReviewRouteDeps, "db">) {
  const app = createRouter<AuthEnv>();
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const page = await searchDecisions(deps.db, {
      userId: q.user_id,
      cid: q.cid,
      ip: q.ip === undefined ? undefined : parseIpFilter(q.ip),
      action: q.action,
      source: q.source,
      ruleId: q.rule_id,
      shadowRuleId: q.shadow_rule,
      messageId: q.message_id,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      limit: q.limit,
      cursor: q.cursor,
    });
    return c.json(page, 200);
  });
  return app;
}
