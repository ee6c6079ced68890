import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error a client can act on, answered as RFC 9457 problem+json with a stable `code` that
 * tools can branch on. Anything else that escapes a handler is a 500 with no internals exposed.
 */
export class Problem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${title}: ${detail}`);
    this.name = "Problem";
  }
}

export function problemResponse(c: Context, problem: Problem): Response {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
  return c.body(
    JSON.stringify({
      type: `https://gatehouse.dev/problems/${problem.code}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      code: problem.code,
      ...problem.extra,
    }),
    problem.status,
    { "Content-Type": "application/problem+json" },
  );
}
