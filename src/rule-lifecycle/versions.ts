import { asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { type RuleActivationTrigger, ruleActivations, ruleVersions } from "../db/schema/index.ts";
import type { RuleSet } from "../rules/types.ts";

export interface ActivationView {
  trigger: RuleActivationTrigger;
  replica: string;
  activated_at: string;
}

export interface VersionSummary {
  version: string;
  source: string;
  first_active_at: string;
  last_active_at: string;
  activations: number;
}

export interface VersionDetail extends Omit<VersionSummary, "activations"> {
  content: string;
  lists: Record<string, string>;
  activations: ActivationView[];
}

/**
 * Records that `ruleset` went into force on `replica`. The version row is written once per
 * content hash (the same rules loaded again, by any replica, add an activation, not a version).
 */
export async function recordActivation(
  db: Db,
  ruleset: Pick<RuleSet, "version" | "source" | "content">,
  trigger: RuleActivationTrigger,
  replica: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(ruleVersions)
      .values({
        version: ruleset.version,
        source: ruleset.source,
        content: ruleset.content.text,
        lists: ruleset.content.lists,
      })
      .onConflictDoNothing();
    await tx.insert(ruleActivations).values({ version: ruleset.version, trigger, replica });
  });
}

/** Every version ever in force, the most recently activated first. */
export async function listVersions(db: Db, limit: number): Promise<VersionSummary[]> {
  const lastActive = sql<Date>`max(${ruleActivations.activatedAt})`;
  const rows = await db
    .select({
      version: ruleVersions.version,
      source: ruleVersions.source,
      firstActiveAt: ruleVersions.firstActiveAt,
      lastActiveAt: lastActive.mapWith((value) => new Date(value)),
      activations: sql<number>`count(${ruleActivations.id})`.mapWith(Number),
    })
    .from(ruleVersions)
    .leftJoin(ruleActivations, eq(ruleActivations.version, ruleVersions.version))
    .groupBy(ruleVersions.version)
    .orderBy(desc(lastActive), desc(ruleVersions.firstActiveAt))
    .limit(limit);
  return rows.map((row) => ({
    version: row.version,
    source: row.source,
    first_active_at: row.firstActiveAt.toISOString(),
    last_active_at: (row.lastActiveAt ?? row.firstActiveAt).toISOString(),
    activations: row.activations,
  }));
}

/** One version with its full content and every activation; undefined when never recorded. */
export async function getVersion(db: Db, version: string): Promise<VersionDetail | undefined> {
  const [row] = await db.select().from(ruleVersions).where(eq(ruleVersions.version, version));
  if (!row) return undefined;
  const activations = await db
    .select()
    .from(ruleActivations)
    .where(inArray(ruleActivations.version, [version]))
    .orderBy(asc(ruleActivations.activatedAt), asc(ruleActivations.id));
  return {
    version: row.version,
    source: row.source,
    first_active_at: row.firstActiveAt.toISOString(),
    last_active_at: (activations.at(-1)?.activatedAt ?? row.firstActiveAt).toISOString(),
    content: row.content,
    lists: row.lists,
    activations: activations.map((a) => ({
      trigger: a.trigger,
      replica: a.replica,
      activated_at: a.activatedAt.toISOString(),
    })),
  };
}
