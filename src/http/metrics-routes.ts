import { createRoute, z } from "@hono/zod-openapi";
import { PROMETHEUS_CONTENT_TYPE, type Registry } from "../observability/registry.ts";
import { createRouter } from "./openapi.ts";

const route = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["Operations"],
  summary: "Prometheus metrics (text exposition format 0.0.4)",
  responses: {
    200: {
      description:
        "Hooks by outcome, decisions by action, Stream calls by outcome, queue depth, latency histograms, deadline slack",
      content: { "text/plain": { schema: z.string() } },
    },
  },
});

export function metricsRoutes(registry: Registry) {
  const app = createRouter();
  app.openapi(route, async (c) =>
    c.text(await registry.render(), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE }),
  );
  return app;
}
