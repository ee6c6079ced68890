import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hookPayloadSchema, pendingMessageSchema } from "../../src/hooks/payload.ts";
import { PROBLEMS, type ProblemCode } from "../../src/http/problem.ts";
import { type Harness, startHarness } from "../support/service.ts";
import { api, REVIEW_RULES } from "./helpers.ts";

type Json = Record<string, unknown>;

/** The structural rules of OpenAPI 3.0 a client generator depends on; returns every violation. */
function openApiViolations(doc: Json): string[] {
  const problems: string[] = [];
  if (typeof doc.openapi !== "string" || !/^3\.\d+\.\d+$/.test(doc.openapi))
    problems.push("openapi version missing");
  const info = doc.info as Json | undefined;
  if (!info || typeof info.title !== "string" || typeof info.version !== "string")
    problems.push("info.title/version missing");
  const components = (doc.components ?? {}) as Record<string, Json>;
  const resolveRef = (ref: string) => {
    const [, section, name] = ref.match(/^#\/components\/([^/]+)\/([^/]+)$/) ?? [];
    return section && name ? components[section]?.[name] : undefined;
  };
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) {
      for (const [i, child] of node.entries()) walk(child, `${where}[${i}]`);
    } else if (node && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (key === "$ref" && (typeof value !== "string" || resolveRef(value) === undefined)) {
          problems.push(`${where}: unresolved $ref ${String(value)}`);
        }
        walk(value, `${where}.${key}`);
      }
    }
  };
  walk(doc, "#");
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    if (!path.startsWith("/")) problems.push(`${path}: paths must start with /`);
    const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!["get", "post", "put", "patch", "delete", "head", "options"].includes(method))
        problems.push(`${where}: bad method`);
      const responses = op.responses as Record<string, Json> | undefined;
      if (!responses || Object.keys(responses).length === 0) problems.push(`${where}: no responses`);
      for (const [status, response] of Object.entries(responses ?? {})) {
        if (!/^[1-5]\d\d$|^default$/.test(status)) problems.push(`${where}: bad status ${status}`);
        if (typeof response.description !== "string") problems.push(`${where} ${status}: no description`);
      }
      const params = (op.parameters ?? []) as Json[];
      for (const name of pathParams) {
        if (!params.some((p) => p.in === "path" && p.name === name && p.required === true)) {
          problems.push(`${where}: path parameter {${name}} not declared as required`);
        }
      }
      for (const p of params) {
        if (!["path", "query", "header", "cookie"].includes(String(p.in)))
          problems.push(`${where}: parameter ${p.name} has bad 'in'`);
        if (!p.schema) problems.push(`${where}: parameter ${p.name} has no schema`);
      }
      if (typeof op.operationId === "string") {
        if (operationIds.has(op.operationId)) problems.push(`${where}: duplicate operationId`);
        operationIds.add(op.operationId);
      }
      for (const requirement of (op.security ?? []) as Json[]) {
        for (const scheme of Object.keys(requirement)) {
          if (!components.securitySchemes?.[scheme])
            problems.push(`${where}: unknown security scheme ${scheme}`);
        }
      }
    }
  }
  return problems;
}

describe("the OpenAPI document and /docs", () => {
  let h: Harness;
  let doc: Json;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: REVIEW_RULES, startWorkers: false });
    const answer = await api<Json>(h.service, "GET", "/openapi.json", { token: null });
    expect(answer.status).toBe(200);
    doc = answer.body;
  });
  afterAll(async () => {
    await h.close();
  });

  it("is a valid OpenAPI 3 document", () => {
    expect(openApiViolations(doc)).toEqual([]);
  });

  it("describes every route the app serves, and nothing it does not", () => {
    const served = new Set(
      h.service.app.routes
        .filter((route) => route.method !== "ALL")
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect([...documented].sort()).toEqual([...served].sort());
    for (const route of [
      "POST /hooks/stream/PassOnPendingMessage",
      "POST /hooks/stream/DeletedPendingMessage",
      "POST /api/moderators",
      "GET /api/moderators",
      "POST /api/moderators/{id}/disable",
      "GET /api/queue",
      "GET /api/messages/{id}",
      "POST /api/messages/{id}/claim",
      "POST /api/messages/{id}/release",
      "POST /api/messages/{id}/approve",
      "POST /api/messages/{id}/reject",
      "POST /api/messages/approve",
      "POST /api/messages/reject",
      "GET /api/decisions",
      "GET /api/stats",
      "GET /openapi.json",
      "GET /docs",
      "GET /healthz",
      "GET /readyz",
      "GET /metrics",
    ]) {
      expect(documented, route).toContain(route);
    }
  });

  it("every documented error is described from the one catalogue of problems, by code", () => {
    const paths = doc.paths as Record<string, Record<string, Json>>;
    let described = 0;
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
          if (!JSON.stringify(response.content ?? {}).includes("application/problem+json")) continue;
          const codes = [...String(response.description).matchAll(/`([a-z_]+)`: /g)].map((m) => m[1]!);
          const where = `${method.toUpperCase()} ${path} ${status}`;
          expect(codes.length, where).toBeGreaterThan(0);
          for (const code of codes) {
            expect(PROBLEMS, where).toHaveProperty(code);
            expect(PROBLEMS[code as ProblemCode].status, `${where} ${code}`).toBe(Number(status));
            expect(String(response.description)).toContain(PROBLEMS[code as ProblemCode].description);
          }
          described++;
        }
      }
    }
    expect(described).toBeGreaterThan(20);
    const approve = paths["/api/messages/{id}/approve"]!.post!.responses as Record<string, Json>;
    expect(approve["409"]!.description).toContain("`already_decided`");
    expect(approve["410"]!.description).toContain("`message_deleted`");
    const hook = paths["/hooks/stream/PassOnPendingMessage"]!.post!.responses as Record<string, Json>;
    expect(hook["401"]!.description).toContain("`invalid_signature`");
  });

  it("documents the hook body from the schema that validates it", () => {
    const schemas = (doc.components as Record<string, Record<string, Json>>).schemas!;
    const hook = schemas.PendingMessageHook as { properties: Record<string, Json> };
    const message = hook.properties.message as { properties: Record<string, Json>; required: string[] };
    expect(Object.keys(hook.properties).sort()).toEqual(Object.keys(hookPayloadSchema.shape).sort());
    expect(Object.keys(message.properties).sort()).toEqual(Object.keys(pendingMessageSchema.shape).sort());
    expect(message.required).toEqual(["id"]);
    // The validator's limits, which a second, hand-written declaration did not carry.
    expect(message.properties.id).toMatchObject({ type: "string", minLength: 1, maxLength: 255 });
    expect(message.properties.cid).toMatchObject({ maxLength: 1024 });
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const body = JSON.stringify(paths["/hooks/stream/PassOnPendingMessage"]!.post!.requestBody);
    expect(body).toContain("#/components/schemas/PendingMessageHook");
  });

  it("a problem's status and title are the catalogue's for its code", async () => {
    const unknown = await api(h.service, "GET", "/api/messages/nobody-sent-this");
    expect(unknown.status).toBe(PROBLEMS.message_not_found.status);
    expect(unknown.body).toMatchObject({
      code: "message_not_found",
      title: PROBLEMS.message_not_found.title,
    });
    const decided = await api(h.service, "POST", "/api/messages/nobody-sent-this/approve", { body: {} });
    expect(decided.body).toMatchObject({ code: "message_not_found", detail: unknown.body.detail });
  });

  it("documents auth and problem+json errors on the review routes", () => {
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const approve = paths["/api/messages/{id}/approve"]!.post!;
    expect(approve.security).toEqual([{ bearerAuth: [] }]);
    const responses = approve.responses as Record<string, Json>;
    for (const status of ["202", "401", "404", "409", "410"])
      expect(responses, status).toHaveProperty(status);
    expect(JSON.stringify(responses["409"])).toContain("application/problem+json");
  });

  it("serves /docs as a self-contained page that renders the document", async () => {
    const page = await api(h.service, "GET", "/docs", { token: null });
    expect(page.status).toBe(200);
    expect(page.contentType).toContain("text/html");
    const html = String(page.body);
    // No third-party hosts: the page must work on a closed network.
    expect(html).not.toMatch(/(src|href)="https?:/);
    // No inline script or style: a CSP allowing only the service's own files must be enough.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    for (const [path, type] of [
      ["/docs/init.js", "text/javascript"],
      ["/docs/assets/swagger-ui-bundle.js", "text/javascript"],
      ["/docs/assets/swagger-ui.css", "text/css"],
    ] as const) {
      expect(html).toContain(path.slice(1));
      const asset = await api(h.service, "GET", path, { token: null });
      expect(asset.status, path).toBe(200);
      expect(asset.contentType, path).toContain(type);
    }
    expect(String((await api(h.service, "GET", "/docs/init.js", { token: null })).body)).toContain(
      "openapi.json",
    );
  });

  it("serves only Swagger UI's own files from node_modules under /docs/assets", async () => {
    for (const path of [
      "/docs/assets/package.json",
      "/docs/assets/..%2F..%2Fpackage.json",
      "/docs/assets/index.js",
    ]) {
      expect((await api(h.service, "GET", path, { token: null })).status, path).toBe(404);
    }
  });

  it("answers unknown routes with a problem+json 404", async () => {
    const answer = await api(h.service, "GET", "/nowhere", { token: null });
    expect(answer.status).toBe(404);
    expect(answer.contentType).toContain("application/problem+json");
    expect(answer.body).toMatchObject({ status: 404, code: "not_found" });
  });
});
