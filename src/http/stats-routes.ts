import { createRoute, z } from "@hono/zod-openapi";
import { reviewStats } from "../review/stats.ts";
import type { AuthEnv } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, problemResponses } from "./openapi.ts";
import type { ReviewRouteDeps } from "./review-deps.ts";
import { DateTimeQuery } from "./schemas.ts";
import { resolveWindow } from "./time-window.ts";

const Percentiles = z.object({
  p50: z.number().nullable(),
  p99: z.number().nullable(),
  count: z.number().int(),
});

const StatsSchema = z
  .object({
    window: z.object({ since: z.string(), until: z.string() }),
    messages_by_status: z.record(z.string(), z.number().int()),
    decisions_by_action: z.record(z.string(), z.number().int()),
    decisions_by_source: z.record(z.string(), z.number().int()),
    queue: z.object({
      depth: z.number().int(),
      earliest_deadline_at: z.string().nullable(),
      seconds_left: z.number().int().nullable(),
    }),
    latency_ms: z.object({ rules_evaluation: Percentiles, review: Percentiles, commit: Percentiles }),
    deadline_slack_ms: Percentiles.extend({ min: z.number().nullable() }),
    series: z.object({
      step_seconds: z.number().int(),
      points: z.array(
        z.object({
          at: z.string(),
          decisions_by_action: z.record(z.string(), z.number().int()),
          queue_depth: z.number().int(),
          earliest_deadline_at: z.string().nullable(),
        }),
      ),
    }),
  })
  .openapi("Stats");

const route = createRoute({
  method: "get",
  path: "/stats",
  tags: ["Search"],
  summary: "Counts, queue depth and latencies",
  description:
    "Messages by status and decisions by action over a window of whole minutes (default: the last 24 hours), the queue now, decision and commit latency percentiles (read off log-scale histograms), the slack between final status and deadline, and the window step by step (decisions by action, queue depth and earliest deadline: a minute a step up to 24 hours, an hour up to 60 days, then whole days, at most 1 440 points). Served from pre-aggregated statistics.",
  security: bearerSecurity,
  request: {
    query: z.object({
      since: DateTimeQuery("since"),
      until: DateTimeQuery("until"),
    }),
  },
  responses: { 200: json(StatsSchema, "Statistics"), ...problemResponses(...AUTH_ERRORS) },
});

export function statsRoutes(deps: Pick<ReviewRouteDeps, "db">) {
  const app = createRouter<AuthEnv>();
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    return c.json(await reviewStats(deps.db, resolveWindow(q.since, q.until)), 200);
  });
  return app;
}
