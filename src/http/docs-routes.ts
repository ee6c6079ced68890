import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "hono";
import { DOCS_PAGE } from "./docs-page.ts";
import { scriptNonce } from "./security-headers.ts";

export const OPENAPI_INFO = {
  openapi: "3.0.3",
  info: {
    title: "Gatehouse",
    version: "1",
    description:
      "Moderates Stream Chat pending messages. Stream calls the hook routes; moderators work the review API under /api with `Authorization: Bearer <token>`. Errors are application/problem+json with a stable `code`.",
  },
} as const;

/** GET /openapi.json (generated from the routes themselves) and GET /docs (a page rendering it). */
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
    summary: "A page rendering this document",
    responses: { 200: { description: "HTML", content: { "text/html": { schema: { type: "string" } } } } },
  });
  app.doc("/openapi.json", OPENAPI_INFO);
  // The page's inline script runs under the content security policy only with this answer's nonce.
  app.get("/docs", (c) => c.html(DOCS_PAGE.replaceAll("<script>", `<script nonce="${scriptNonce(c)}">`)));
}
