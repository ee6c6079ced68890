import { createHmac } from "node:crypto";

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/**
 * Stream's server-side token: HS256 over {"server": true}, signed with the API secret. Like the
 * official SDK's, it carries no `iat`, so it is the same string for the life of the secret.
 */
export function serverToken(secret: string, extraClaims: Record<string, unknown> = {}): string {
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const payload = base64url(JSON.stringify({ server: true, ...extraClaims }));
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}
