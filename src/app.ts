import { Hono } from "hono";
import { requestId } from "hono/request-id";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Db } from "./db/client.ts";
import type { Dispatcher } from "./dispatch/dispatcher.ts";
import type { ReceiveContext } from "./hooks/receive.ts";
import { type AuthEnv, bearerAuth } from "./http/auth.ts";
import { healthRoutes, type ReadinessCheck } from "./http/health-routes.ts";
import { type HookName, hookRoutes } from "./http/hook-routes.ts";
import { messageRoutes } from "./http/message-routes.ts";
import { Problem, problemResponse } from "./http/problem.ts";

export interface AppDeps {
  config: Config;
  db: Db;
  receive: ReceiveContext;
  dispatcher: Pick<Dispatcher, "kick">;
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  accepting: () => boolean;
  onReceipt?: (hook: HookName, outcome: string, elapsedMs: number) => void;
}

/** The HTTP surface. No I/O happens here: everything it touches comes in through deps. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use(requestId());

  app.route(deps.config.hookPath, hookRoutes(deps));
  app.route("/", healthRoutes(deps.readiness));

  const api = new Hono<AuthEnv>();
  api.use(bearerAuth({ db: deps.db, adminToken: deps.config.adminToken }));
  api.route("/", messageRoutes(deps));
  app.route("/api", api);

  app.notFound((c) =>
    problemResponse(
      c,
      new Problem(
        404,
        "not_found",
        "Not found",
        `No route for ${c.req.method} ${c.req.path}. Hooks go to ${deps.config.hookPath}/PassOnPendingMessage and ${deps.config.hookPath}/DeletedPendingMessage.`,
      ),
    ),
  );
  app.onError((error, c) => {
    if (error instanceof Problem) return problemResponse(c, error);
    deps.logger.error({ err: error, path: c.req.path, requestId: c.get("requestId") }, "unhandled error");
    return problemResponse(
      c,
      new Problem(500, "internal", "Internal error", "Something went wrong on our side; it has been logged."),
    );
  });
  return app;
}
