import { isIP } from "node:net";
import { and, count, eq, gt } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { decisions, messages } from "../db/schema/index.ts";
import type { RateQuery } from "../rules/types.ts";

/**
 * Counts earlier messages per rate key in Postgres, so a `rate` rule holds across every replica
 * sharing the database, not per process.
 */
export async function countRates(
  db: Db,
  queries: readonly RateQuery[],
  now: Date,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await Promise.all(
    queries.map(async (query) => {
      // Only well-formed addresses are stored in the inet column; anything else has no history
      // to count (and comparing it with the column would be an SQL error).
      if (query.by === "ip" && !isIP(query.value)) {
        counts.set(query.key, 0);
        return;
      }
      const since = new Date(now.getTime() - query.windowMs);
      const [row] =
        query.by === "user"
          ? await db
              .select({ n: count() })
              .from(messages)
              .where(and(eq(messages.userId, query.value), gt(messages.receivedAt, since)))
          : await db
              .select({ n: count() })
              .from(decisions)
              .where(
                and(
                  eq(decisions.ip, query.value),
                  eq(decisions.source, "rules"),
                  gt(decisions.createdAt, since),
                ),
              );
      counts.set(query.key, Number(row?.n ?? 0));
    }),
  );
  return counts;
}
