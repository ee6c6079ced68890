import { createRoute, z } from "@hono/zod-openapi";
import type { Db } from "../db/client.ts";
import { ruleActivationTriggers } from "../db/schema/index.ts";
import { diffVersions } from "../rule-lifecycle/version-diff.ts";
import { getVersion, listVersions } from "../rule-lifecycle/versions.ts";
import type { AuthEnv } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, problemResponses } from "./openapi.ts";
import { Problem } from "./problem.ts";

const VersionSummarySchema = z
  .object({
    version: z.string().openapi({ description: "Content hash, as decisions' `ruleset_version` carries it." }),
    source: z.string().openapi({ description: "The rules file, or `built-in`." }),
    first_active_at: z.string().openapi({ format: "date-time" }),
    last_active_at: z.string().openapi({ format: "date-time" }),
    activations: z.number().int().openapi({ description: "How many times a replica put it in force." }),
  })
  .openapi("RulesVersionSummary");

const VersionDetailSchema = VersionSummarySchema.omit({ activations: true })
  .extend({
    content: z.string().openapi({ description: "The rules file as written." }),
    lists: z.record(z.string(), z.string()).openapi({ description: "Term list files it read, by path." }),
    activations: z.array(
      z.object({
        trigger: z.enum(ruleActivationTriggers),
        replica: z.string(),
        activated_at: z.string().openapi({ format: "date-time" }),
      }),
    ),
    diff: z
      .object({
        from: z.string(),
        to: z.string(),
        unified: z
          .string()
          .openapi({ description: "Unified diff: the rules file, then changed list files." }),
      })
      .optional(),
  })
  .openapi("RulesVersion");

const VersionParam = z.object({
  version: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "version", in: "path" }, example: "6ca12aee4e303b48" }),
});

const listRoute = createRoute({
  method: "get",
  path: "/rules/versions",
  tags: ["Rules"],
  summary: "Every rule set that was ever in force",
  description: "Most recently activated first. A version is recorded once, however often it is loaded.",
  security: bearerSecurity,
  request: {
    query: z.object({
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(500)
        .default(100)
        .openapi({ description: "1-500, default 100." }),
    }),
  },
  responses: {
    200: json(z.object({ items: z.array(VersionSummarySchema) }).openapi("RulesVersionList"), "Versions"),
    ...problemResponses(...AUTH_ERRORS),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/rules/versions/{version}",
  tags: ["Rules"],
  summary: "One rule set as it was in force, optionally diffed against another",
  description:
    "The rules of any past decision: pass its `ruleset_version`. `?diff=<other>` adds a unified diff from the other version to this one.",
  security: bearerSecurity,
  request: {
    params: VersionParam,
    query: z.object({
      diff: z.string().min(1).max(64).optional().openapi({ description: "Another version." }),
    }),
  },
  responses: {
    200: json(VersionDetailSchema, "The version"),
    ...problemResponses(...AUTH_ERRORS, "rules_version_not_found"),
  },
});

const unknownVersion = (version: string, param: string) =>
  new Problem(
    "rules_version_not_found",
    `No rules version ${JSON.stringify(version)} (${param}) is recorded; GET /api/rules/versions lists the known ones. ` +
      "Versions in force before the history existed were not recorded.",
  );

export function ruleHistoryRoutes(deps: { db: Db }) {
  const app = createRouter<AuthEnv>();
  app.openapi(listRoute, async (c) => {
    return c.json({ items: await listVersions(deps.db, c.req.valid("query").limit) }, 200);
  });
  app.openapi(getRoute, async (c) => {
    const { version } = c.req.valid("param");
    const { diff } = c.req.valid("query");
    const found = await getVersion(deps.db, version);
    if (!found) throw unknownVersion(version, "path");
    if (diff === undefined) return c.json(found, 200);
    const other = await getVersion(deps.db, diff);
    if (!other) throw unknownVersion(diff, "diff");
    return c.json(
      { ...found, diff: { from: other.version, to: found.version, unified: diffVersions(other, found) } },
      200,
    );
  });
  return app;
}
