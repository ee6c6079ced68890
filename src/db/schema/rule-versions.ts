import { bigserial, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Every rule set that was ever in force, once per version (the content hash decisions carry). */
export const ruleVersions = pgTable("rule_versions", {
  version: text("version").primaryKey(),
  /** The rules file it was read from, or "built-in". */
  source: text("source").notNull(),
  /** The rules file as written. */
  content: text("content").notNull(),
  /** The term list files it read, by the path the rules name them with. */
  lists: jsonb("lists").$type<Record<string, string>>().notNull().default({}),
  firstActiveAt: timestamp("first_active_at", { withTimezone: true }).notNull().defaultNow(),
});

export const ruleActivationTriggers = ["start", "sighup", "file_change"] as const;
export type RuleActivationTrigger = (typeof ruleActivationTriggers)[number];

/** Each time a replica put a version in force, and what made it do so. */
export const ruleActivations = pgTable(
  "rule_activations",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    version: text("version")
      .notNull()
      .references(() => ruleVersions.version),
    trigger: text("trigger").$type<RuleActivationTrigger>().notNull(),
    replica: text("replica").notNull(),
    activatedAt: timestamp("activated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("rule_activations_version_idx").on(t.version, t.activatedAt)],
);
