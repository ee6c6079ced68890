import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Env } from "hono";
import { Problem } from "./problem.ts";

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

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "The request is invalid (`invalid_request`, `invalid_cursor`); `detail` names the field.",
  401: "No token (`unauthenticated`), or an unknown or disabled one (`invalid_token`).",
  403: "The route needs an admin token (`forbidden`).",
  404: "No such message or moderator.",
  409: "A conflict: already decided (`already_decided`, with `current_status`) or claimed by someone else (`claimed`, with `claimed_by`).",
  410: "The message is gone: `expired` (its pending deadline passed) or `deleted` upstream (`message_gone`).",
  413: "The body is too large (`body_too_large`): over MAX_BODY_BYTES for a hook, over API_BODY_LIMIT_BYTES (64 KB by default) for /api.",
  503: "Temporarily unavailable; retry after `Retry-After` seconds.",
};

/** OpenAPI response entries for the problem+json errors a route can answer with. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status] ?? "Error",
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  );
}

/** The errors every authenticated review route can answer with. */
export const AUTH_ERRORS = [400, 401] as const;

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
          400,
          "invalid_request",
          "Invalid request",
          `${where}: ${issue?.message ?? "invalid"}. See /openapi.json for this route's parameters.`,
          { issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
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
