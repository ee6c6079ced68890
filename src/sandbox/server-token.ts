import { createHmac, timingSafeEqual } from "node:crypto";

// Stream authenticates server-side calls with an HS256 JWT over {"server":true}, signed with the
// app's secret and sent bare in the Authorization header. The official SDK signs it with
// `noTimestamp`, so there is no `iat`; an `exp`, when present, is honoured.

export type ServerTokenCheck =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; code: number; reason: string };

/** Stream's error codes for authentication failures, as its API reports them. */
export const AUTH_ERROR_CODES = {
  authenticationFailed: 5,
  tokenExpired: 40,
  tokenSignatureInvalid: 43,
} as const;

function hmac(secret: string, data: string): Buffer {
  return createHmac("sha256", secret).update(data).digest();
}

/** The token the official SDK sends on every server-side call (the one our own client sends). */
export { serverToken as signServerToken } from "../dispatch/stream-jwt.ts";

function parseJsonSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function verifyServerToken(
  token: string | undefined,
  secret: string,
  nowSeconds = Date.now() / 1000,
): ServerTokenCheck {
  const failed = (code: number, reason: string): ServerTokenCheck => ({ ok: false, code, reason });
  if (!token) return failed(AUTH_ERROR_CODES.authenticationFailed, "Authorization header is missing");

  const segments = token.split(".");
  const [headerSegment, payloadSegment, signatureSegment] = segments;
  if (segments.length !== 3 || !headerSegment || !payloadSegment || signatureSegment === undefined) {
    // A "Bearer " prefix lands here too: Stream expects the bare token.
    return failed(AUTH_ERROR_CODES.authenticationFailed, "JWTAuth error: token is malformed");
  }
  const header = parseJsonSegment(headerSegment);
  const payload = parseJsonSegment(payloadSegment);
  if (!header || !payload) {
    return failed(AUTH_ERROR_CODES.authenticationFailed, "JWTAuth error: token is malformed");
  }
  if (header.alg !== "HS256") {
    return failed(
      AUTH_ERROR_CODES.authenticationFailed,
      `JWTAuth error: unexpected signing method ${String(header.alg)}`,
    );
  }

  const expected = hmac(secret, `${headerSegment}.${payloadSegment}`);
  const given = Buffer.from(signatureSegment, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return failed(
      AUTH_ERROR_CODES.tokenSignatureInvalid,
      "JWTAuth error: signature is not valid. Make sure the token is created using the secret for this API key",
    );
  }
  if (typeof payload.exp === "number" && payload.exp <= nowSeconds) {
    return failed(AUTH_ERROR_CODES.tokenExpired, "JWTAuth error: token has expired");
  }
  if (payload.server !== true) {
    // A user token is valid for client calls only; the moderation calls are server-side.
    return failed(AUTH_ERROR_CODES.authenticationFailed, "JWTAuth error: a server-side token is required");
  }
  return { ok: true, payload };
}
