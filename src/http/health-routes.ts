import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, json } from "./openapi.ts";

export interface ReadinessCheck {
  name: string;
  check: () => Promise<{ ok: boolean; detail?: string }>;
}

const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
  })
  .openapi("Readiness");

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Operations"],
  summary: "Liveness: the process answers",
  responses: { 200: json(z.object({ status: z.literal("ok") }), "Alive") },
});

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["Operations"],
  summary: "Readiness: database, migrations, rules, accepting hooks",
  responses: {
    200: json(ReadinessSchema, "Ready"),
    503: json(ReadinessSchema, "Not ready; `checks` says why"),
  },
});

/** /healthz: the process answers. /readyz: it can do its job (database, migrations, rules). */
export function healthRoutes(checks: readonly ReadinessCheck[]) {
  const app = createRouter();
  app.openapi(healthz, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readyz, async (c) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          return { name, ...(await check()) };
        } catch (error) {
          return { name, ok: false, detail: (error as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    return ready
      ? c.json({ status: "ready" as const, checks: results }, 200)
      : c.json({ status: "not_ready" as const, checks: results }, 503);
  });
  return app;
}
