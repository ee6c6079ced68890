import type { MiddlewareHandler } from "hono";
import { Problem } from "./problem.ts";

/**
 * Postgres refuses U+0000 in text, so a NUL in a filter, a path id or a JSON field would reach
 * the database and fail as a 500. It is never meaningful in the review API: refuse it as a 400.
 */
export function rejectNul(): MiddlewareHandler {
  return async (c, next) => {
    if (/%00/.test(c.req.url)) throw nulProblem("the URL");
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const body = await c.req.raw.clone().text();
      if (body.includes("\u0000") || /(?<!\\)(?:\\\\)*\\u0000/.test(body)) throw nulProblem("the body");
    }
    await next();
  };
}

const nulProblem = (where: string) =>
  new Problem("invalid_request", `${where} contains a NUL character (U+0000)`);
