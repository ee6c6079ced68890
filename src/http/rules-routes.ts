import { createRoute, z } from "@hono/zod-openapi";
import { type Db, rawQuery } from "../db/client.ts";
import { normalizeMetadata, pendingMessageSchema, requestInfoSchema } from "../hooks/payload.ts";
import { countRates } from "../hooks/rate-counts.ts";
import type { RuleSet } from "../rules/types.ts";
import type { AuthEnv } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, jsonBody, problemResponses } from "./openapi.ts";

/** The rule set in force, and why the last reload failed (if it did). */
export interface RulesView {
  readonly current: RuleSet;
  readonly lastError: string | null;
}

const ActiveRulesSchema = z
  .object({
    version: z.string().openapi({ description: "Content hash of the rules; recorded with every decision." }),
    source: z.string().openapi({ description: "The rules file, or `built-in`." }),
    last_reload_error: z.string().nullable().openapi({
      description: "Why the last reload failed; the rules shown are the previous ones, still in force.",
    }),
    rules: z.unknown().openapi({ description: "The rule set as loaded: top-level settings and every rule." }),
  })
  .openapi("ActiveRules");

const RulesTestRequest = z
  .object({
    message: pendingMessageSchema.openapi({
      description: "A message as Stream sends it; only `id` is required.",
    }),
    metadata: z.record(z.string(), z.unknown()).optional(),
    request_info: requestInfoSchema.optional(),
  })
  .openapi("RulesTestRequest");

const RulesTestResult = z
  .object({
    action: z.enum(["approve", "reject", "review"]),
    matches: z
      .array(z.unknown())
      .openapi({ description: "Each matched rule with the conditions and text spans that matched." }),
    ruleset_version: z.string(),
    error: z.string().optional(),
    shadow_matches: z.array(z.unknown()).optional().openapi({
      description:
        "Shadow rules that matched, with what each would have done; present when the rules have shadow rules.",
    }),
    shadow_error: z.string().optional(),
    sampled_rules: z
      .array(z.string())
      .optional()
      .openapi({ description: "Present when this message would be sent to review as a calibration sample." }),
  })
  .openapi("RulesTestResult");

const getRules = createRoute({
  method: "get",
  path: "/rules",
  tags: ["Rules"],
  summary: "The active rule set and its version",
  security: bearerSecurity,
  responses: { 200: json(ActiveRulesSchema, "The rules in force"), ...problemResponses(...AUTH_ERRORS) },
});

const testRules = createRoute({
  method: "post",
  path: "/rules/test",
  tags: ["Rules"],
  summary: "The decision the active rules would make, without side effects",
  description:
    "Nothing is stored and nothing is sent to Stream. `rate` conditions read the current counts from the database.",
  security: bearerSecurity,
  request: { body: jsonBody(RulesTestRequest) },
  responses: {
    200: json(RulesTestResult, "The decision"),
    ...problemResponses(...AUTH_ERRORS, "body_too_large"),
  },
});

export function rulesRoutes(deps: { db: Db; rules: RulesView }) {
  const app = createRouter<AuthEnv>();
  app.openapi(getRules, (c) => {
    const ruleset = deps.rules.current;
    return c.json(
      {
        version: ruleset.version,
        source: ruleset.source,
        last_reload_error: deps.rules.lastError,
        rules: ruleset.describe(),
      },
      200,
    );
  });
  app.openapi(testRules, async (c) => {
    const body = c.req.valid("json");
    const ruleset = deps.rules.current;
    const input = {
      message: body.message,
      metadata: normalizeMetadata(body.metadata),
      requestInfo: body.request_info ?? null,
    };
    const queries = ruleset.rateQueries(input);
    const rateCounts =
      queries.length > 0 ? await countRates(rawQuery(deps.db), queries, new Date()) : undefined;
    const decision = ruleset.evaluate({ ...input, rateCounts });
    return c.json(
      {
        action: decision.action,
        matches: decision.matches,
        ruleset_version: decision.ruleset_version,
        ...(decision.error ? { error: decision.error } : {}),
        ...(decision.shadow_matches ? { shadow_matches: decision.shadow_matches } : {}),
        ...(decision.shadow_error ? { shadow_error: decision.shadow_error } : {}),
        ...(decision.sampled_rules ? { sampled_rules: decision.sampled_rules } : {}),
      },
      200,
    );
  });
  return app;
}
