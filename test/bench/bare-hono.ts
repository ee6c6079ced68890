// The benchmark's ceiling: a bare @hono/node-server app that reads the hook's body and answers
// 200 with a body shaped like Gatehouse's, and does nothing else. Run as its own process by
// http.bench.ts; PORT and HOOK_PATH come from the environment.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.post(`${process.env.HOOK_PATH ?? "/hooks/stream"}/PassOnPendingMessage`, async (c) => {
  await c.req.arrayBuffer();
  return c.json({ message_id: "ceiling", status: "committing" });
});
app.get("/readyz", (c) => c.json({ ok: true }));

serve({ fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env.PORT) });
process.on("SIGTERM", () => process.exit(0));
