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
 * Deletes the history of messages that reached a final status long ago: the message, its
 * decisions, deliveries, Stream calls, outbox row and audit entries. Open messages are never
 * touched. It works in small batches and skips rows another transaction holds (SKIP LOCKED), so
 * hooks and dispatch are never blocked behind it, and replicas running it at once share the work.
 */
export async function deleteExpiredHistory(options: RetentionOptions): Promise<number> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const cutoff = new Date(Date.now() - options.maxAgeMs);
  let total = 0;
  for (;;) {
    const deleted = await options.db.transaction(async (tx) => {
      const batch = rowsOf<{ id: string }>(
        await tx.execute(sql`
          select id from messages
           where status in ('committed', 'rejected', 'expired', 'deleted') and final_at < ${cutoff.toISOString()}::timestamptz
           order by final_at
           limit ${batchSize}
           for update skip locked`),
      ).map((row) => row.id);
      if (batch.length === 0) return 0;
      const ids = sql.join(
        batch.map((id) => sql`${id}`),
        sql`, `,
      );
      // Decisions go before their message: the statistics' trigger reads the message's receipt
      // time to take a decision's review latency back out.
      for (const table of [
        "hook_deliveries",
        "dispatch_attempts",
        "moderator_actions",
        "claims",
        "decisions",
      ]) {
        await tx.execute(sql`delete from ${sql.identifier(table)} where message_id in (${ids})`);
      }
      // The outbox row goes with its message (on delete cascade).
      await tx.execute(sql`delete from messages where id in (${ids})`);
      return batch.length;
    });
    total += deleted;
    if (deleted < batchSize) break;
  }
  await trimQueueHistory(options.db, cutoff);
  if (total > 0)
    options.logger.info(
      { deleted: total, olderThan: cutoff.toISOString() },
      "retention: old history deleted",
    );
  return total;
}

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
