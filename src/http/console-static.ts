import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import type { Hono } from "hono";

/** The console's files: plain ES modules and CSS, served as they are (no build step). */
export const consoleDir = fileURLToPath(new URL("../console", import.meta.url));

/** Serves the moderator console at /console: same origin as the API, nothing from elsewhere. */
// biome-ignore lint/suspicious/noExplicitAny: any router's environment
export function mountConsole(app: Hono<any>): void {
  app.get("/console", (c) => c.redirect("/console/", 301));
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
