import { bigserial, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export type ModeratorRole = "moderator" | "admin";
export type ActorKind = "moderator" | "admin" | "system";

/** Moderators of the review API. Tokens are shown once at creation; only their hash is kept. */
export const moderators = pgTable("moderators", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  name: text("name").notNull(),
  role: text("role").$type<ModeratorRole>().notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  disabledAt: timestamp("disabled_at", { withTimezone: true }),
});

/**
 * The audit trail: every moderator and system action on a message (claims, releases, approvals,
 * rejections, deadline actions), including refused ones, with who, when, why and the result.
 */
export const moderatorActions = pgTable(
  "moderator_actions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    messageId: text("message_id").notNull(),
    actorKind: text("actor_kind").$type<ActorKind>().notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name"),
    action: text("action").notNull(),
    reason: text("reason"),
    result: text("result").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("moderator_actions_message_idx").on(t.messageId),
    index("moderator_actions_actor_idx").on(t.actorId, t.createdAt),
  ],
);

/**
 * Short claims on held messages, so two moderators do not work the same one. A claim is live
 * while expires_at is in the future; an expired row is simply taken over by the next claimant.
 */
export const claims = pgTable("claims", {
  messageId: text("message_id").primaryKey(),
  moderatorId: text("moderator_id").notNull(),
  moderatorName: text("moderator_name").notNull(),
  claimedAt: timestamp("claimed_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});
