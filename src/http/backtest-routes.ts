import { createRoute, z } from "@hono/zod-openapi";
import type { BacktestRunner } from "../rule-lifecycle/backtest/runner.ts";
import type { BacktestStore } from "../rule-lifecycle/backtest/store.ts";
import type { AuthEnv } from "./auth.ts";
import { limitBody } from "./body-limit.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, jsonBody, problemResponses } from "./openapi.ts";
import { Problem } from "./problem.ts";
import { DateTimeQuery, LimitQuery } from "./schemas.ts";
import { resolveWindow } from "./time-window.ts";

/** The path POST /api/rules/backtest is served at: its body limit is its own (see app.ts). */
export const BACKTEST_START_PATH = "/api/rules/backtest";

const WEEK_MS = 7 * 86_400_000;

const BacktestRequest = z
  .object({
    rules: z.string().min(1).openapi({
      description: "The candidate rules file (YAML), whole, as it would be deployed.",
      example:
        "default_action: approve\nrules:\n  - id: no-links\n    action: review\n    when: { has_link: true }\n",
    }),
    lists: z.record(z.string(), z.string()).optional().openapi({
      description:
        "Term list files the candidate reads (`text_has_any_file`), by the path it names them with. A path not given here is taken from the lists the active rules read; nothing is read from the server's disk.",
    }),
    since: DateTimeQuery("since").openapi({
      description: "Start of the window (inclusive). Default: a week before `until`.",
    }),
    until: DateTimeQuery("until").openapi({ description: "End of the window (exclusive). Default: now." }),
    max_messages: z
      .number()
      .int()
      .min(1)
      .max(100_000_000)
      .optional()
      .openapi({ description: "Replay at most this many messages of the window, oldest first." }),
    examples: z
      .number()
      .int()
      .min(0)
      .max(50)
      .default(5)
      .openapi({ description: "Examples kept per kind of change, 0-50 (default 5)." }),
  })
  .openapi("BacktestRequest");

const BacktestSchema = z
  .object({
    id: z.string(),
    status: z.enum(["running", "done", "cancelled", "failed"]),
    requested_by: z.string(),
    candidate_version: z
      .string()
      .openapi({ description: "The version the candidate would carry once deployed." }),
    window: z.object({ since: z.string(), until: z.string() }),
    options: z.record(z.string(), z.unknown()),
    progress: z.object({
      processed: z.number().int().openapi({ description: "Messages of the window gone through so far." }),
      total: z
        .number()
        .int()
        .nullable()
        .openapi({ description: "Messages in the window (or max_messages)." }),
      fraction: z.number().nullable(),
    }),
    replica: z.string().openapi({ description: "The replica whose worker thread runs it." }),
    created_at: z.string(),
    finished_at: z.string().nullable(),
    expires_at: z.string().openapi({ description: "When the backtest and its result are dropped." }),
    cancel_requested: z.boolean(),
    error: z.string().nullable(),
    result: z.unknown().nullable().optional().openapi({
      description:
        "When done (or cancelled: then covering what was replayed): transitions, per-rule hits, agreement with moderators, examples, fidelity. See the README's backtest section.",
    }),
    candidate: z.object({ rules: z.string(), lists: z.record(z.string(), z.string()) }).optional(),
  })
  .openapi("Backtest");

const IdParam = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,17}$/, "id must be a backtest id, a positive whole number")
    .openapi({ param: { name: "id", in: "path" }, example: "12" }),
});

const startRoute = createRoute({
  method: "post",
  path: "/rules/backtest",
  tags: ["Rules"],
  summary: "Replay a candidate rules file over stored messages (starts a job)",
  description:
    "Compiles the candidate (a 400 says where it is invalid), records the backtest and replays it on a worker thread, off the event loop that answers hooks. Poll `GET /api/rules/backtest/{id}` for progress and the result. One backtest runs at a time per replica.",
  security: bearerSecurity,
  request: { body: jsonBody(BacktestRequest) },
  responses: {
    202: json(BacktestSchema, "Started; `Location` is where to follow it"),
    ...problemResponses(...AUTH_ERRORS, "rules_invalid", "backtest_busy", "body_too_large", "shutting_down"),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/rules/backtest",
  tags: ["Rules"],
  summary: "Recent backtests, newest first (without their results)",
  security: bearerSecurity,
  request: {
    query: z.object({ limit: LimitQuery }),
  },
  responses: {
    200: json(z.object({ items: z.array(BacktestSchema) }).openapi("BacktestList"), "Backtests"),
    ...problemResponses(...AUTH_ERRORS),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/rules/backtest/{id}",
  tags: ["Rules"],
  summary: "A backtest: its progress, and its result once done",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: {
    200: json(BacktestSchema, "The backtest"),
    ...problemResponses(...AUTH_ERRORS, "backtest_not_found"),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/rules/backtest/{id}/cancel",
  tags: ["Rules"],
  summary: "Cancel a running backtest",
  description:
    "The replica running it stops at its next batch and keeps the figures of what it replayed (status `cancelled`).",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: {
    202: json(BacktestSchema, "Cancellation requested"),
    ...problemResponses(...AUTH_ERRORS, "backtest_not_found", "backtest_finished"),
  },
});

const unknownBacktest = (id: string) =>
  new Problem(
    "backtest_not_found",
    `No backtest ${id}: it never existed or has expired (BACKTEST_KEEP_DAYS). GET /api/rules/backtest lists them.`,
  );

export function backtestRoutes(deps: {
  runner: BacktestRunner;
  store: BacktestStore;
  bodyLimitBytes: number;
}) {
  const app = createRouter<AuthEnv>();
  app.use("/rules/backtest", limitBody(deps.bodyLimitBytes, "BACKTEST_BODY_LIMIT_BYTES"));
  app.openapi(startRoute, async (c) => {
    const body = c.req.valid("json");
    const window = resolveWindow(body.since, body.until, WEEK_MS);
    const actor = c.get("actor");
    const view = await deps.runner.start(
      {
        rules: body.rules,
        lists: body.lists ?? {},
        since: window.since,
        until: window.until,
        examplesPerKind: body.examples,
        maxMessages: body.max_messages ?? null,
      },
      `${actor.kind}:${actor.name}`,
    );
    c.header("Location", `/api/rules/backtest/${view.id}`);
    return c.json(view, 202);
  });
  app.openapi(listRoute, async (c) =>
    c.json({ items: await deps.store.list(c.req.valid("query").limit) }, 200),
  );
  app.openapi(getRoute, async (c) => {
    const { id } = c.req.valid("param");
    const view = await deps.store.get(id, { withResult: true });
    if (!view) throw unknownBacktest(id);
    return c.json(view, 200);
  });
  app.openapi(cancelRoute, async (c) => {
    const { id } = c.req.valid("param");
    const view = await deps.store.requestCancel(id);
    if (!view) throw unknownBacktest(id);
    if (view.status !== "running")
      throw new Problem(
        "backtest_finished",
        `Backtest ${id} is ${view.status} already; there is nothing to cancel.`,
      );
    deps.runner.cancelHere(id);
    return c.json(view, 202);
  });
  return app;
}
