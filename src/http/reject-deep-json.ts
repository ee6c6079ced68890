import type { MiddlewareHandler } from "hono";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../hooks/storable-json.ts";
import { Problem } from "./problem.ts";

/**
 * A JSON body nested thousands of levels deep parses, but serializing a value taken from it again
 * (POST /api/rules/test does, for metadata) overflows the stack: a 500. Nothing the review API
 * takes nests more than a few levels, so a body deeper than MAX_JSON_DEPTH is refused as a 400, in
 * one linear pass over a body the /api body limit has already bounded.
 */
export function rejectDeepJson(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const body = await c.req.raw.clone().text();
      if (jsonDepthExceeds(body)) {
        throw new Problem(
          "invalid_request",
          `the body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep`,
        );
      }
    }
    await next();
  };
}
