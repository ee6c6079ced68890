import { and, eq, isNull } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import type { Db } from "../db/client.ts";
import { moderators } from "../db/schema/index.ts";
import { safeEqual } from "../hooks/verify-signature.ts";
import type { Actor } from "../review/actor.ts";
import { hashToken } from "../review/token-hash.ts";
import { Problem } from "./problem.ts";

export type { Actor };
export { hashToken };

export type AuthEnv = { Variables: { actor: Actor } };

/**
 * Bearer authentication for the review API: the bootstrap ADMIN_TOKEN (compared in constant
 * time), or a moderator's token looked up by its SHA-256 hash, so the lookup's timing reveals
 * nothing about how close a wrong token was. A disabled moderator's token stops working at once.
 */
export function bearerAuth(deps: { db: Db; adminToken: string | undefined }): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match) {
      throw new Problem(
        "unauthenticated",
        "Send Authorization: Bearer <token> (ADMIN_TOKEN or a moderator token).",
        { headers: { "WWW-Authenticate": 'Bearer realm="gatehouse"' } },
      );
    }
    const token = match[1]!;
    if (deps.adminToken && safeEqual(token, deps.adminToken)) {
      c.set("actor", { kind: "admin", id: "admin", name: "admin" });
      return next();
    }
    const [moderator] = await deps.db
      .select({ id: moderators.id, name: moderators.name, role: moderators.role })
      .from(moderators)
      .where(and(eq(moderators.tokenHash, hashToken(token)), isNull(moderators.disabledAt)));
    if (!moderator) {
      throw new Problem(
        "invalid_token",
        "The bearer token is unknown or its moderator is disabled; ask an admin for a new token.",
        { headers: { "WWW-Authenticate": 'Bearer realm="gatehouse", error="invalid_token"' } },
      );
    }
    c.set("actor", { kind: moderator.role, id: String(moderator.id), name: moderator.name });
    return next();
  };
}

export function requireAdmin(): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (c.get("actor").kind !== "admin") {
      throw new Problem(
        "forbidden",
        "This route needs ADMIN_TOKEN or the token of a moderator with role admin.",
      );
    }
    return next();
  };
}
