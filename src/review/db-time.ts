import { type SQL, sql } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/** A timestamp column as whole microseconds since the epoch (text: exact beyond 2^53). */
export const epochMicros = (column: PgColumn): SQL<string> =>
  sql<string>`(extract(epoch from ${column}) * 1000000)::bigint::text`;

/** The inverse of epochMicros, exact (no floating point on the way). */
export const fromEpochMicros = (us: string): SQL =>
  sql`(timestamptz 'epoch' + ${us}::bigint * interval '1 microsecond')`;
