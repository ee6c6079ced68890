import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { Problem } from "./problem.ts";

/**
 * Refuses a body over `maxBytes` with a 413 before any handler or middleware reads it: a declared
 * Content-Length over the limit is refused without reading a byte, and a chunked body is read
 * only up to the limit. `setting` names the variable that raises the limit.
 */
export function limitBody(maxBytes: number, setting: string): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new Problem(
        "body_too_large",
        `The body is larger than ${maxBytes} bytes, the limit of this route (${setting}).`,
        { extra: { limit_bytes: maxBytes } },
      );
    },
  });
}
