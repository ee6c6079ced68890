import { createRoute, z } from "@hono/zod-openapi";
import type { ServiceMetrics } from "../observability/service-metrics.ts";
import { createRouter } from "./openapi.ts";

const route = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["Operations"],
  summary: "Prometheus metrics (text exposition format 0.0.4)",
  responses: {
    200: {
      description:
        "Hooks by outcome, decisions by action, Stream calls by outcome, queue depth, latency histograms, deadline slack; and the Node process: event-loop lag, heap, GC, open handles, CPU, memory",
      content: { "text/plain": { schema: z.string() } },
    },
  },
});

export function metricsRoutes(metrics: ServiceMetrics) {
  const app = createRouter();
  app.openapi(route, async (c) => {
    const { text, contentType } = await metrics.render();
    return c.text(text, 200, { "Content-Type": contentType });
  });
  return app;
}
