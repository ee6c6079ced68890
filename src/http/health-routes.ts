import { Hono } from "hono";

export interface ReadinessCheck {
  name: string;
  check: () => Promise<{ ok: boolean; detail?: string }>;
}

/** /healthz: the process answers. /readyz: it can do its job (database, migrations, rules). */
export function healthRoutes(checks: readonly ReadinessCheck[]): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
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
    return c.json({ status: ready ? "ready" : "not_ready", checks: results }, ready ? 200 : 503);
  });
  return app;
}
