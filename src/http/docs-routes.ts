import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import { DOCS_INIT_SCRIPT, DOCS_PAGE } from "./docs-page.ts";
import { swaggerUiAsset } from "./swagger-ui-assets.ts";

export const OPENAPI_INFO = {
  openapi: "3.0.3",
  info: {
    title: "Gatehouse",
    version: "1",
    description:
      "Moderates Stream Chat pending messages. Stream calls the hook routes; moderators work the review API under /api with `Authorization: Bearer <token>`. Errors are application/problem+json with a stable `code`.",
  },
} as const;

/**
 * GET /openapi.json (generated from the routes themselves) and GET /docs (Swagger UI rendering
 * it, with its script and styles under /docs/).
 */
export function mountDocs<E extends Env>(app: OpenAPIHono<E>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "ADMIN_TOKEN, or a token from POST /api/moderators.",
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/openapi.json",
    tags: ["Operations"],
    summary: "This OpenAPI document",
    responses: { 200: { description: "OpenAPI 3.0 document of the whole HTTP surface" } },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/docs",
    tags: ["Operations"],
    summary: "Swagger UI on this document: schemas, examples, and requests sent with a bearer token",
    responses: { 200: { description: "HTML", content: { "text/html": { schema: { type: "string" } } } } },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/docs/init.js",
    tags: ["Operations"],
    summary: "The /docs page's script: starts Swagger UI on /openapi.json",
    responses: { 200: { description: "JavaScript" } },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/docs/assets/{file}",
    tags: ["Operations"],
    summary: "Swagger UI's script and styles, from the installed swagger-ui-dist package",
    request: {
      params: z.object({ file: z.enum(["swagger-ui-bundle.js", "swagger-ui.css"]) }),
    },
    responses: { 200: { description: "JavaScript or CSS" }, 404: { description: "Any other file" } },
  });
  app.doc("/openapi.json", OPENAPI_INFO);
  app.get("/docs", (c) => c.html(DOCS_PAGE));
  app.get("/docs/init.js", (c) =>
    c.body(DOCS_INIT_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8" }),
  );
  app.get("/docs/assets/:file", (c) => {
    const asset = swaggerUiAsset(c.req.param("file"));
    if (!asset) return c.notFound();
    // Versioned with the installed package: a day's caching is safe and spares the 1.5 MB bundle.
    return c.body(new Uint8Array(asset.body), 200, {
      "Content-Type": asset.contentType,
      "Cache-Control": "public, max-age=86400",
    });
  });
}
