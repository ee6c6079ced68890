import { createRoute, z } from "@hono/zod-openapi";
import { createModerator, disableModerator, listModerators } from "../review/moderators.ts";
import { type AuthEnv, requireAdmin } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, jsonBody, problemResponses } from "./openapi.ts";
import { Problem } from "./problem.ts";
import type { ReviewRouteDeps } from "./review-deps.ts";

const ModeratorSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(["moderator", "admin"]),
    created_at: z.string().openapi({ format: "date-time" }),
    disabled_at: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("Moderator");

const CreatedModeratorSchema = ModeratorSchema.extend({
  token: z.string().openapi({
    description: "The bearer token. Shown only in this answer: store it now, only its hash is kept.",
  }),
}).openapi("CreatedModerator");

const CreateModeratorBody = z
  .object({
    name: z.string().trim().min(1).max(200).openapi({ example: "Dana" }),
    role: z.enum(["moderator", "admin"]).default("moderator"),
  })
  .openapi("CreateModerator");

const ModeratorIdParam = z.object({
  id: z
    .string()
    .regex(/^\d{1,18}$/, "moderator ids are numbers")
    .openapi({ param: { name: "id", in: "path" }, example: "3" }),
});

const adminOnly = { security: bearerSecurity, tags: ["Moderators"], middleware: [requireAdmin()] };

const create = createRoute({
  ...adminOnly,
  method: "post",
  path: "/moderators",
  summary: "Create a moderator (admin)",
  request: { body: jsonBody(CreateModeratorBody) },
  responses: {
    201: json(CreatedModeratorSchema, "Created; the token is in this answer only"),
    ...problemResponses(...AUTH_ERRORS, "forbidden", "body_too_large"),
  },
});

const list = createRoute({
  ...adminOnly,
  method: "get",
  path: "/moderators",
  summary: "List moderators (admin)",
  responses: {
    200: json(z.object({ items: z.array(ModeratorSchema) }), "Every moderator, disabled ones included"),
    ...problemResponses(...AUTH_ERRORS, "forbidden"),
  },
});

const disable = createRoute({
  ...adminOnly,
  method: "post",
  path: "/moderators/{id}/disable",
  summary: "Disable a moderator (admin)",
  description:
    "Their token stops working at once. Idempotent; the moderator stays listed for the audit trail.",
  request: { params: ModeratorIdParam },
  responses: {
    200: json(ModeratorSchema, "Disabled"),
    ...problemResponses(...AUTH_ERRORS, "forbidden", "moderator_not_found"),
  },
});

export function moderatorRoutes(deps: Pick<ReviewRouteDeps, "db">) {
  const app = createRouter<AuthEnv>();
  app.openapi(create, async (c) => c.json(await createModerator(deps.db, c.req.valid("json")), 201));
  app.openapi(list, async (c) => c.json({ items: await listModerators(deps.db) }, 200));
  app.openapi(disable, async (c) => {
    const { id } = c.req.valid("param");
    const moderator = await disableModerator(deps.db, Number(id));
    if (!moderator) {
      throw new Problem("moderator_not_found", `No moderator has id ${id}; GET /api/moderators lists them.`);
    }
    return c.json(moderator, 200);
  });
  return app;
}
