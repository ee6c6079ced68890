import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import { PROBLEMS, Problem, type ProblemCode } from "./problem.ts";

/** The problem+json body every error answers with; `code` is stable, tools can branch on it. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://gatehouse.dev/problems/already_decided" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().openapi({ description: "What went wrong and what to do about it." }),
    code: z.string().openapi({ example: "already_decided" }),
  })
  .catchall(z.unknown())
  .openapi("Problem");

/**
 * OpenAPI response entries for the problems a route can answer with: one per status, describing
 * each of its codes from the catalogue.
 */
export function problemResponses(...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const { status } = PROBLEMS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, sharing]) => [
      status,
      {
        description: sharing.map((code) => `\`${code}\`: ${PROBLEMS[code].description}`).join(" "),
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  );
}

/** The problems every authenticated review route can answer with. */
export const AUTH_ERRORS = [
  "invalid_request",
  "unauthenticated",
  "invalid_token",
] as const satisfies ProblemCode[];

export const bearerSecurity = [{ bearerAuth: [] }];

/**
 * A router whose request validation failures are problem+json 400s naming the field, like every
 * other error of the service.
 */
export function createRouter<E extends Env = Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? issue.path.join(".") : "request";
        throw new Problem(
          "invalid_request",
          `${where}: ${issue?.message ?? "invalid"}. See /openapi.json for this route's parameters.`,
          {
            extra: {
              issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
            },
          },
        );
      }
    },
  });
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({
  required,
  content: { "application/json": { schema } },
});
