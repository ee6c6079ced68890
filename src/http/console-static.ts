import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";

/** The console's files: plain ES modules and CSS, served as they are (no build step). */
export const consoleDir = fileURLToPath(new URL("../console", import.meta.url));

const consoleRoute = createRoute({
  method: "get",
  path: "/console",
  tags: ["Console"],
  summary: "The moderator console",
  description:
    "A page for moderators, signed in with their token: the live queue, messages, search, rules, stats and admin. Its files are under /console/.",
  responses: { 301: { description: "To /console/, the console's page" } },
});

/** Serves the moderator console at /console: same origin as the API, nothing from elsewhere. */
export function mountConsole(app: OpenAPIHono): void {
  app.openapi(consoleRoute, (c) => c.redirect("/console/", 301));
  app.use(
    "/console/*",
    serveStatic({
      root: consoleDir,
      rewriteRequestPath: (path) => path.replace(/^\/console/, ""),
      onFound: (_path, c) => {
        // The console changes with the service; always revalidate so an upgrade shows at once.
        c.header("Cache-Control", "no-cache");
      },
    }),
  );
}
