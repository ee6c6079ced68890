import type { Context, MiddlewareHandler } from "hono";
import { NONCE, secureHeaders } from "hono/secure-headers";

/**
 * Headers for answers a browser may render: the review API, /docs, and the pages to come. The
 * pages load scripts and styles only from this service (assets come from node_modules, never a
 * CDN), an inline script runs only with this answer's nonce, nothing may frame them, and no
 * answer is sniffed into another content type.
 */
export function securityHeaders(): MiddlewareHandler {
  return secureHeaders({
    xFrameOptions: "DENY",
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", NONCE],
      // API renderers set style attributes from script; styles cannot run code.
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:"],
      fontSrc: ["'self'", "data:"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });
}

/** The nonce an inline <script> of this answer must carry to run under the policy. */
export function scriptNonce(c: Context): string {
  return c.get("secureHeadersNonce") ?? "";
}
