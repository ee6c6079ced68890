import { createRoute, z } from "@hono/zod-openapi";
import type { Logger } from "pino";
import { type AuthEnv, requireAdmin } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, problemResponses } from "./openapi.ts";

export interface ReadinessCheck {
  name: string;
  /** `detail` may name files, rules or driver errors: it is shown only to admins and logged. */
  check: () => Promise<{ ok: boolean; detail?: string }>;
}

interface CheckResult {
  name: string;
  ok: boolean;
  detail?: string;
}

const PublicReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.array(
      z.object({
        name: z.string(),
        ok: z.boolean(),
        reason: z
          .string()
          .optional()
          .openapi({ description: "A generic reason when not ok; GET /api/readiness has the details." }),
      }),
    ),
  })
  .openapi("Readiness");

const DetailedReadinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
  })
  .openapi("ReadinessDetail");

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
  description:
    "Unauthenticated, so it says only which check failed; the reason is logged and shown to admins by GET /api/readiness.",
  responses: {
    200: json(PublicReadinessSchema, "Ready"),
    503: json(PublicReadinessSchema, "Not ready; `checks` says which check failed"),
  },
});

const readinessDetail = createRoute({
  method: "get",
  path: "/readiness",
  tags: ["Operations"],
  summary: "Readiness with the details of every check (admin)",
  description:
    "What /readyz checks, with each check's detail: the rules version and file, why the last reload failed, the database error.",
  security: bearerSecurity,
  middleware: [requireAdmin()] as const,
  responses: {
    200: json(DetailedReadinessSchema, "Ready"),
    503: json(DetailedReadinessSchema, "Not ready"),
    ...problemResponses(...AUTH_ERRORS, "forbidden"),
  },
});

const GENERIC_REASON = "check failed; the service log and GET /api/readiness (admin) say why";

/** Runs every check; a failure's detail is logged once each time a check turns from ok to not ok. */
function readinessProbe(checks: readonly ReadinessCheck[], logger: Logger) {
  const failing = new Set<string>();
  return async (): Promise<{ ready: boolean; results: CheckResult[] }> => {
    const results = await Promise.all(
      checks.map(async ({ name, check }): Promise<CheckResult> => {
        try {
          return { name, ...(await check()) };
        } catch (error) {
          return { name, ok: false, detail: (error as Error).message };
        }
      }),
    );
    for (const result of results) {
      if (result.ok) failing.delete(result.name);
      else if (!failing.has(result.name)) {
        failing.add(result.name);
        logger.warn({ check: result.name, detail: result.detail }, "readiness check failed");
      }
    }
    return { ready: results.every((r) => r.ok), results };
  };
}

/**
 * /healthz: the process answers. /readyz: it can do its job (database, migrations, rules), saying
 * no more than which check failed, since anyone can ask; /api/readiness (admin) has the details.
 */
export function healthRoutes(checks: readonly ReadinessCheck[], logger: Logger) {
  const probe = readinessProbe(checks, logger);
  const app = createRouter();
  app.openapi(healthz, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readyz, async (c) => {
    const { ready, results } = await probe();
    const checks = results.map(({ name, ok }) => (ok ? { name, ok } : { name, ok, reason: GENERIC_REASON }));
    return ready
      ? c.json({ status: "ready" as const, checks }, 200)
      : c.json({ status: "not_ready" as const, checks }, 503);
  });
  const detail = createRouter<AuthEnv>();
  detail.openapi(readinessDetail, async (c) => {
    const { ready, results } = await probe();
    return ready
      ? c.json({ status: "ready" as const, checks: results }, 200)
      : c.json({ status: "not_ready" as const, checks: results }, 503);
  });
  return { public: app, admin: detail };
}
