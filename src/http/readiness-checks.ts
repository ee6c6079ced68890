import type { Database } from "../db/client.ts";
import type { ReadinessCheck } from "./health-routes.ts";
import type { RulesView } from "./rules-routes.ts";

/** What /readyz checks: the database answers, migrations ran, rules loaded, hooks are taken. */
export function serviceReadiness(parts: {
  database: Pick<Database, "ping">;
  rules: RulesView;
  migrated: () => boolean;
  accepting: () => boolean;
  /** Whether STREAM_BASE_URL answers like Stream (see StreamProbe). */
  stream: { check: () => Promise<{ ok: boolean; detail?: string }> };
}): ReadinessCheck[] {
  const { database, rules, migrated, accepting, stream } = parts;
  return [
    {
      name: "database",
      check: async () => {
        await database.ping();
        return { ok: true };
      },
    },
    { name: "migrations", check: async () => ({ ok: migrated() }) },
    { name: "stream", check: () => stream.check() },
    {
      name: "rules",
      check: async () => ({
        ok: true,
        detail: rules.lastError
          ? `serving version ${rules.current.version}; the last reload failed: ${rules.lastError}`
          : `version ${rules.current.version} from ${rules.current.source}`,
      }),
    },
    {
      name: "accepting_hooks",
      check: async () => ({ ok: accepting(), detail: accepting() ? undefined : "shutting down" }),
    },
  ];
}
