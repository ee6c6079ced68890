import { createRoute, z } from "@hono/zod-openapi";
import { type Db, rawQuery } from "../db/client.ts";
import { ruleStats } from "../rule-lifecycle/rule-stats.ts";
import type { AuthEnv } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, problemResponses } from "./openapi.ts";
import type { RulesView } from "./rules-routes.ts";
import { DateTimeQuery } from "./schemas.ts";
import { resolveWindow } from "./time-window.ts";

const count = z.number().int();
const share = z.number().nullable();

const RuleQualitySchema = z
  .object({
    rule_id: z.string(),
    mode: z.enum(["enforce", "shadow"]),
    in_force: z.boolean().openapi({ description: "The rule is in the rules in force now, in this mode." }),
    action: z.enum(["approve", "reject", "review"]).nullable(),
    fired: count.openapi({ description: "Messages it matched." }),
    held: count.openapi({ description: "Messages it held for review." }),
    rejected: count.openapi({ description: "Messages it rejected." }),
    samples: count.openapi({ description: "Rejections sent to review as calibration samples." }),
    reviewed: count.openapi({ description: "Held messages and samples a moderator decided." }),
    reversed: count.openapi({ description: "Of those, how many the moderator approved." }),
    reversal_rate: share.openapi({ description: "reversed / reviewed; null before any was reviewed." }),
    samples_reviewed: count,
    samples_confirmed: count.openapi({ description: "Samples the moderator rejected too." }),
    precision: share.openapi({
      description: "samples_confirmed / samples_reviewed: the measured precision of its rejections.",
    }),
    moderators_approved: count.openapi({
      description: "Shadow rules: messages it matched that moderators approved.",
    }),
    moderators_rejected: count.openapi({
      description: "Shadow rules: messages it matched that moderators rejected.",
    }),
  })
  .openapi("RuleQuality");

const route = createRoute({
  method: "get",
  path: "/rules/stats",
  tags: ["Rules"],
  summary: "How each rule performs: fired, held, rejected, reversed by moderators, precision",
  description:
    "Over the rules' decisions made in [since, until) (default: the last 24 hours), with the moderators' decisions on those messages whenever they were made.",
  security: bearerSecurity,
  request: {
    query: z.object({
      since: DateTimeQuery("since").openapi({ description: "Inclusive; default: 24 hours before until." }),
      until: DateTimeQuery("until").openapi({ description: "Exclusive; default: now." }),
    }),
  },
  responses: {
    200: json(
      z
        .object({
          window: z.object({ since: z.string(), until: z.string() }),
          ruleset_version: z.string(),
          rules: z.array(RuleQualitySchema),
        })
        .openapi("RuleStats"),
      "Per-rule quality",
    ),
    ...problemResponses(...AUTH_ERRORS),
  },
});

export function ruleStatsRoutes(deps: { db: Db; rules: RulesView }) {
  const app = createRouter<AuthEnv>();
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const { since, until } = resolveWindow(q.since, q.until);
    const ruleset = deps.rules.current;
    const rules = await ruleStats(rawQuery(deps.db), ruleset.ruleSummaries(), { since, until });
    return c.json(
      {
        window: { since: since.toISOString(), until: until.toISOString() },
        ruleset_version: ruleset.version,
        rules,
      },
      200,
    );
  });
  return app;
}
