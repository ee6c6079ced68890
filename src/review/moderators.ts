import { randomBytes } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { type ModeratorRole, moderators } from "../db/schema/index.ts";
import { hashToken } from "./token-hash.ts";

export interface ModeratorView {
  id: string;
  name: string;
  role: ModeratorRole;
  created_at: string;
  disabled_at: string | null;
}

const view = (row: typeof moderators.$inferSelect): ModeratorView => ({
  id: String(row.id),
  name: row.name,
  role: row.role,
  created_at: row.createdAt.toISOString(),
  disabled_at: row.disabledAt?.toISOString() ?? null,
});

/** 32 random bytes: unguessable, and recognisable in a secret scanner by its prefix. */
const newToken = () => `gh_${randomBytes(32).toString("base64url")}`;

/** Creates a moderator; the token is returned here once and only its hash is stored. */
export async function createModerator(
  db: Db,
  input: { name: string; role: ModeratorRole },
): Promise<ModeratorView & { token: string }> {
  const token = newToken();
  const [row] = await db
    .insert(moderators)
    .values({ name: input.name, role: input.role, tokenHash: hashToken(token) })
    .returning();
  return { ...view(row!), token };
}

export async function listModerators(db: Db): Promise<ModeratorView[]> {
  const rows = await db.select().from(moderators).orderBy(asc(moderators.id));
  return rows.map(view);
}

/** Disables a moderator: their token stops working at once. Idempotent; the row stays for the audit. */
export async function disableModerator(db: Db, id: number): Promise<ModeratorView | undefined> {
  const [row] = await db.select().from(moderators).where(eq(moderators.id, id));
  if (!row) return undefined;
  if (row.disabledAt) return view(row);
  const [updated] = await db
    .update(moderators)
    .set({ disabledAt: new Date() })
    .where(eq(moderators.id, id))
    .returning();
  return view(updated!);
}
