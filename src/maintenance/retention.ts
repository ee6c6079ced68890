import { sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import { rowsOf } from "../db/rows.ts";
import { PeriodicJob } from "./periodic-job.ts";

export interface RetentionOptions {
  db: Db;
  logger: Logger;
  /** Final messages older than this (by final_at) are deleted with everything recorded about them. */
  maxAgeMs: number;
  /** Rows per transaction: small enough that each delete holds its locks only briefly. */
  batchSize?: number;
}

const DEFAULT_BATCH = 500;

/**
 * Retires messages that reached a final status long ago: deletes everything recorded about them
 * (decisions, deliveries, Stream calls, outbox row, claims, audit entries) and clears the
 * message's content and sender, keeping only its id, status and times. The id must stay: Stream's
 * signature covers no timestamp, so a captured hook can be replayed at any time, and a replay of
 * an id no longer on record would be taken for a new message and committed again.
 *
 * Nothing is retired before its deadline has passed, whatever its age: until then Stream may
 * still deliver the message's hooks. Open messages are never touched. It works in small batches
 * and skips rows another transaction holds (SKIP LOCKED), so hooks and dispatch are never blocked
 * behind it, and replicas running it at once share the work.
 */
export async function deleteExpiredHistory(options: RetentionOptions): Promise<number> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const cutoff = new Date(Date.now() - options.maxAgeMs);
  let total = 0;
  for (;;) {
    const retired = await options.db.transaction(async (tx) => {
      const batch = rowsOf<{ id: string }>(
        await tx.execute(sql`
          select id from messages
           where final_at < ${cutoff.toISOString()}::timestamptz and retired_at is null
             and status in ('committed', 'rejected', 'expired', 'deleted') and deadline_at < now()
           order by final_at
           limit ${batchSize}
           for update skip locked`),
      ).map((row) => row.id);
      if (batch.length === 0) return 0;
      const ids = sql.join(
        batch.map((id) => sql`${id}`),
        sql`, `,
      );
      for (const table of HISTORY_TABLES) {
        await tx.execute(sql`delete from ${sql.identifier(table)} where message_id in (${ids})`);
      }
      await tx.execute(sql`
        update messages
           set retired_at = now(), text = null, payload = '{}'::jsonb, metadata = '{}'::jsonb,
               request_info = null, user_id = null, cid = null
         where id in (${ids})`);
      return batch.length;
    });
    total += retired;
    if (retired < batchSize) break;
  }
  await trimQueueHistory(options.db, cutoff);
  if (total > 0)
    options.logger.info(
      { retired: total, olderThan: cutoff.toISOString() },
      "retention: old history deleted",
    );
  return total;
}

/**
 * Everything recorded about a message besides its own row. Decisions go while their message is
 * still there: the statistics' trigger reads its receipt time to take a review latency back out.
 */
const HISTORY_TABLES = [
  "hook_deliveries",
  "dispatch_attempts",
  "moderator_actions",
  "claims",
  "decisions",
  "outbox",
] as const;
/**
 * The statistics follow the rows they count (triggers take back what a deleted row added), except
 * the queue's history, which no row keeps: it is trimmed here, by age.
 */
async function trimQueueHistory(db: Db, cutoff: Date): Promise<void> {
  const before = sql`${cutoff.toISOString()}::timestamptz`;
  await db.execute(sql`
    delete from stats_rollup where grain in ('minute', 'hour', 'day') and series = 'queue' and bucket < ${before}`);
  await db.execute(sql`delete from stats_deltas where series = 'queue' and minute < ${before}`);
  await db.execute(sql`delete from stats_queue_samples where minute < ${before}`);
}

/** Runs deleteExpiredHistory every `intervalMs` until stopped; the first run within a minute. */
export function retentionJob(options: RetentionOptions, intervalMs: number): PeriodicJob {
  return new PeriodicJob(
    () => deleteExpiredHistory(options),
    (error) => options.logger.warn({ err: error }, "retention run failed; will retry"),
    intervalMs,
    Math.min(intervalMs, 60_000),
  );
}
