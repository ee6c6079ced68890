import type { OpenAPIHono } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { Logger } from "pino";
import type { Config } from "./config.ts";
import type { Db } from "./db/client.ts";
import type { MessageStatus } from "./db/schema/index.ts";
import type { Dispatcher } from "./dispatch/dispatcher.ts";
import type { ReceiveContext } from "./hooks/receive.ts";
import { type AuthEnv, bearerAuth } from "./http/auth.ts";
import { BACKTEST_START_PATH, backtestRoutes } from "./http/backtest-routes.ts";
import { limitBody } from "./http/body-limit.ts";
import { bulkRoutes } from "./http/bulk-routes.ts";
import { consoleRoutes } from "./http/console-routes.ts";
import { mountConsole } from "./http/console-static.ts";
import { decisionRoutes } from "./http/decision-routes.ts";
import { mountDocs } from "./http/docs-routes.ts";
import { healthRoutes, type ReadinessCheck } from "./http/health-routes.ts";
import { describeHookRoutes } from "./http/hook-docs.ts";
import { type HookName, hookRoutes } from "./http/hook-routes.ts";
import { messageRoutes } from "./http/message-routes.ts";
import { metricsRoutes } from "./http/metrics-routes.ts";
import { moderatorRoutes } from "./http/moderator-routes.ts";
import { createRouter } from "./http/openapi.ts";
import { Problem, problemResponse } from "./http/problem.ts";
import { queueRoutes } from "./http/queue-routes.ts";
import { rejectDeepJson } from "./http/reject-deep-json.ts";
import { rejectNul } from "./http/reject-nul.ts";
import type { ReviewRouteDeps } from "./http/review-deps.ts";
import { ruleHistoryRoutes } from "./http/rule-history-routes.ts";
import { ruleStatsRoutes } from "./http/rule-stats-routes.ts";
import { type RulesView, rulesRoutes } from "./http/rules-routes.ts";
import { securityHeaders } from "./http/security-headers.ts";
import { statsRoutes } from "./http/stats-routes.ts";
import { ServiceMetrics } from "./observability/service-metrics.ts";
import { afterHeldDecision } from "./review/after-decision.ts";
import { DEFAULT_CLAIM_TTL_MS } from "./review/claims.ts";
import { InvalidCursorError } from "./review/cursor.ts";
import { QueueEvents } from "./review/queue-events.ts";
import { type Backtests, createBacktests } from "./rule-lifecycle/backtest/backtests.ts";

export interface AppDeps {
  config: Config;
  db: Db;
  receive: ReceiveContext;
  dispatcher: Pick<Dispatcher, "kick">;
  logger: Logger;
  readiness: readonly ReadinessCheck[];
  accepting: () => boolean;
  onReceipt?: (hook: HookName, outcome: string, elapsedMs: number, status?: MessageStatus) => void;
  /** Default: a fresh registry (tests that do not look at metrics need not build one). */
  metrics?: ServiceMetrics;
  /** The live rule set, for GET /api/rules and POST /api/rules/test. */
  rules: RulesView;
  /** How long a moderator's claim lasts. Default: DEFAULT_CLAIM_TTL_MS (5 minutes). */
  claimTtlMs?: number;
  /** Queue changes for the console's live feed. Default: listens on `db` itself. */
  queueEvents?: QueueEvents;
  /** Makes moderators' decisions durable before they are answered and acted on (embedded database). */
  syncCommitted?: () => Promise<unknown>;
  /** Runs backtests. Default: one reading through `db`, for a replica named "gatehouse". */
  backtests?: Backtests;
}

/** The HTTP surface. No I/O happens here: everything it touches comes in through deps. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const metrics = deps.metrics ?? new ServiceMetrics(deps.db);
  const app = createRouter();
  app.use(requestId());
  // The hooks have their own limit, MAX_BODY_BYTES (which also bounds a gzip body once
  // inflated), and answer Stream's servers, not a browser: these two are for every other route.
  const hookPrefix = `${deps.config.hookPath}/`;
  const exceptHooks =
    (middleware: MiddlewareHandler): MiddlewareHandler =>
    (c, next) =>
      c.req.path.startsWith(hookPrefix) ? next() : middleware(c, next);
  app.use(exceptHooks(securityHeaders()));
  // Before anything else reads it (authentication, rejectNul, the validators, the handlers): an
  // oversized body is refused unread. A backtest's candidate rules file, with its term lists, has
  // a limit of its own (see backtestRoutes).
  const apiBodyLimit = limitBody(deps.config.apiBodyLimitBytes, "API_BODY_LIMIT_BYTES");
  app.use(exceptHooks((c, next) => (c.req.path === BACKTEST_START_PATH ? next() : apiBodyLimit(c, next))));

  app.route(deps.config.hookPath, hookRoutes(deps));
  describeHookRoutes(app.openAPIRegistry, deps.config.hookPath);
  const health = healthRoutes(deps.readiness, deps.logger);
  app.route("/", health.public);
  app.route("/", metricsRoutes(metrics));

  const review: ReviewRouteDeps = {
    db: deps.db,
    claimTtlMs: deps.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS,
    metrics,
    moderation: {
      db: deps.db,
      onDecided: afterHeldDecision(deps.dispatcher, metrics, "moderator"),
      ...(deps.syncCommitted ? { syncCommitted: deps.syncCommitted } : {}),
    },
  };
  const api = createRouter<AuthEnv>();
  api.use(bearerAuth({ db: deps.db, adminToken: deps.config.adminToken }));
  api.use(rejectNul());
  api.use(rejectDeepJson());
  api.route("/", moderatorRoutes(review));
  api.route("/", queueRoutes(review));
  api.route("/", bulkRoutes(review));
  api.route("/", messageRoutes(review));
  api.route("/", decisionRoutes(review));
  api.route("/", statsRoutes(review));
  api.route("/", rulesRoutes({ db: deps.db, rules: deps.rules }));
  api.route("/", health.admin);
  api.route("/", consoleRoutes({ events: deps.queueEvents ?? new QueueEvents(deps.db) }));
  api.route("/", ruleHistoryRoutes({ db: deps.db }));
  api.route("/", ruleStatsRoutes({ db: deps.db, rules: deps.rules }));
  const backtests =
    deps.backtests ??
    createBacktests({
      db: deps.db,
      rules: () => deps.rules.current,
      replica: "gatehouse",
      logger: deps.logger,
      settings: deps.config.backtest,
    });
  api.route("/", backtestRoutes({ ...backtests, bodyLimitBytes: deps.config.backtest.bodyLimitBytes }));
  app.route("/api", api);

  mountDocs(app);
  mountConsole(app);

  app.notFound((c) =>
    problemResponse(
      c,
      new Problem(
        "not_found",
        `No route for ${c.req.method} ${c.req.path}. Hooks go to ${deps.config.hookPath}/PassOnPendingMessage and ${deps.config.hookPath}/DeletedPendingMessage; /docs lists every route.`,
      ),
    ),
  );
  app.onError((error, c) => {
    if (error instanceof Problem) return problemResponse(c, error);
    if (error instanceof InvalidCursorError) {
      return problemResponse(c, new Problem("invalid_cursor", error.message));
    }
    if (error instanceof HTTPException && error.status < 500) {
      // Hono's own refusals (its validators' malformed JSON body): same problem+json shape as ours.
      return problemResponse(c, new Problem("invalid_request", error.message));
    }
    deps.logger.error({ err: error, path: c.req.path, requestId: c.get("requestId") }, "unhandled error");
    return problemResponse(
      c,
      new Problem("internal", "Something went wrong on our side; it has been logged."),
    );
  });
  return app;
}
