import type { RawSql } from "../db/client.ts";
import { GroupCommit, type GroupCommitOptions, type Pending } from "../db/group-commit.ts";
import type { MessageStatus } from "../db/schema/index.ts";
import type { ImmediateDispatch } from "../dispatch/immediate-dispatch.ts";
import type { ClaimedWork } from "../dispatch/outbox-store.ts";
import { decideUnderRateLocks } from "./rate-counts.ts";
import {
  insertNewReceipts,
  type ReceiptDraft,
  type ReceiptRequest,
  recordDuplicateReceipts,
  type StoredReceipt,
} from "./receipt-store.ts";

/** Receipts per statement, statements under way at once, and what makes a commit durable. */
export interface ReceiptBatcherOptions extends GroupCommitOptions {
  /** Run after a batch commits and before its receipts are answered (see Database.syncCommitted). */
  syncCommitted?: () => Promise<unknown>;
}

export const DEFAULT_RECEIPT_BATCHING: ReceiptBatcherOptions = { maxBatch: 128, maxConcurrent: 4 };

type Waiter = Pending<ReceiptRequest, StoredReceipt>;
/** A waiter whose receipt is decided. */
type Decided = Pending<ReceiptDraft, StoredReceipt>;

/**
 * Group commit (GroupCommit) for hook receipts: receipts that arrive together are written by
 * one statement, one transaction and one WAL flush. Each caller is answered only after its own
 * receipt is durable.
 *
 * A failed batch is retried one receipt at a time, so a row the database refuses fails only its
 * own hook (503, retried by Stream) and never its neighbours.
 *
 * A batch with receipts whose rules count the sender's messages is decided inside its
 * transaction, under the senders' locks (see rate-counts.ts): counting, deciding and storing are
 * then one step for each sender, on every replica.
 */
export class ReceiptBatcher {
  private readonly batches: GroupCommit<ReceiptRequest, StoredReceipt>;

  constructor(
    private readonly sql: RawSql,
    private readonly options: ReceiptBatcherOptions = DEFAULT_RECEIPT_BATCHING,
    private readonly dispatch?: ImmediateDispatch,
  ) {
    this.batches = new GroupCommit((batch) => this.write(batch), options);
  }

  /** Resolves once the receipt is stored; rejects if it could not be. */
  submit(request: ReceiptRequest): Promise<StoredReceipt> {
    return this.batches.submit(request);
  }

  private write(batch: Waiter[]): Promise<void> {
    return batch.some((waiter) => waiter.item.rateQueries.length > 0)
      ? this.writeCounted(batch)
      : this.writeDecided(batch.map((waiter) => decidedAs(waiter, waiter.item.decide(undefined))));
  }

  private async writeDecided(batch: Decided[]): Promise<void> {
    const candidates = firstOfEachMessage(batch);
    const claimIds = this.reserveClaims(candidates);
    try {
      const { created, failed } = await this.insertNew(candidates, claimIds);
      await this.syncCommitted(created);
      await this.answer(batch, candidates, created, failed, claimIds);
    } finally {
      this.unreserveUnclaimed(claimIds);
    }
  }

  /** Decides and inserts in one transaction under the senders' locks; answers after it commits. */
  private async writeCounted(batch: Waiter[]): Promise<void> {
    let claimIds = new Set<string>();
    try {
      let decided: Decided[] = [];
      let candidates: Decided[] = [];
      let created: Map<string, number | null>;
      try {
        created = await this.sql.transaction(async (query) => {
          const drafts = await decideUnderRateLocks(
            query,
            batch.map((waiter) => waiter.item),
          );
          decided = batch.map((waiter, i) => decidedAs(waiter, drafts[i]!));
          candidates = firstOfEachMessage(decided);
          claimIds = this.reserveClaims(candidates);
          return insertNewReceipts(
            query,
            candidates.map((waiter) => waiter.item),
            this.claimsFor(claimIds),
          );
        });
      } catch (error) {
        this.unreserveUnclaimed(claimIds);
        claimIds = new Set();
        if (batch.length === 1) return batch[0]!.reject(error);
        await Promise.all(batch.map((waiter) => this.writeCounted([waiter])));
        return;
      }
      await this.syncCommitted(created);
      await this.answer(decided, candidates, created, new Map(), claimIds);
    } finally {
      this.unreserveUnclaimed(claimIds);
    }
  }

  /** Answers every waiter of a written batch: new ones at once, duplicates once logged. */
  private async answer(
    batch: Decided[],
    candidates: Decided[],
    created: Map<string, number | null>,
    failed: Map<string, unknown>,
    claimIds: Set<string>,
  ): Promise<void> {
    const duplicates: Decided[] = [];
    for (const waiter of batch) {
      const { item: draft } = waiter;
      const id = draft.messageId;
      if (failed.has(id)) waiter.reject(failed.get(id));
      else if (created.has(id) && candidates.includes(waiter)) {
        const attemptId = created.get(id);
        const claimed = claimIds.has(id) && attemptId != null;
        if (claimed) {
          claimIds.delete(id);
          this.dispatch!.run(claimedWork(draft, attemptId));
        }
        waiter.resolve({ isNew: true, status: draft.status, queued: draft.outboxAction !== null, claimed });
      } else duplicates.push(waiter);
    }
    if (duplicates.length > 0) await this.recordDuplicates(duplicates);
  }

  /** A new receipt is answered only once it would survive a power loss too. */
  private async syncCommitted(created: ReadonlyMap<string, unknown>): Promise<void> {
    if (created.size > 0) await this.options.syncCommitted?.();
  }

  /** Gives back the places of rows reserved for claiming and not claimed (and empties the set). */
  private unreserveUnclaimed(claimIds: Set<string>): void {
    if (claimIds.size > 0) this.dispatch?.unreserve(claimIds.size);
    claimIds.clear();
  }

  private claimsFor(claimIds: ReadonlySet<string>) {
    return this.dispatch && claimIds.size > 0 ? { terms: this.dispatch.terms, ids: claimIds } : undefined;
  }

  /** The ids of the new messages this batch will claim: as many as the dispatcher has room for. */
  private reserveClaims(candidates: Decided[]): Set<string> {
    const { dispatch } = this;
    if (!dispatch) return new Set();
    const eligible = candidates.filter(
      ({ item: draft }) =>
        draft.outboxAction !== null &&
        draft.deadlineAt.getTime() - draft.receivedAt.getTime() > dispatch.marginMs,
    );
    const granted = eligible.length > 0 ? dispatch.reserve(eligible.length) : 0;
    return new Set(eligible.slice(0, granted).map(({ item: draft }) => draft.messageId));
  }

  private async insertNew(
    waiters: Decided[],
    claimIds: ReadonlySet<string>,
  ): Promise<{ created: Map<string, number | null>; failed: Map<string, unknown> }> {
    const drafts = waiters.map((waiter) => waiter.item);
    const claims = this.claimsFor(claimIds);
    const failed = new Map<string, unknown>();
    try {
      return { created: await insertNewReceipts(this.sql.query, drafts, claims), failed };
    } catch (error) {
      if (drafts.length === 1) {
        failed.set(drafts[0]!.messageId, error);
        return { created: new Map(), failed };
      }
    }
    const created = new Map<string, number | null>();
    await Promise.all(
      drafts.map(async (draft) => {
        try {
          for (const [id, attemptId] of await insertNewReceipts(this.sql.query, [draft], claims))
            created.set(id, attemptId);
        } catch (error) {
          failed.set(draft.messageId, error);
        }
      }),
    );
    return { created, failed };
  }

  private async recordDuplicates(waiters: Decided[]): Promise<void> {
    const answer = (waiter: Decided, current: Map<string, MessageStatus>) =>
      waiter.resolve({
        isNew: false,
        status: current.get(waiter.item.messageId) ?? waiter.item.status,
        queued: false,
        claimed: false,
      });
    try {
      const current = await recordDuplicateReceipts(
        this.sql.query,
        waiters.map((waiter) => waiter.item),
      );
      for (const waiter of waiters) answer(waiter, current);
      return;
    } catch (error) {
      if (waiters.length === 1) return waiters[0]!.reject(error);
    }
    await Promise.all(
      waiters.map(async (waiter) => {
        try {
          answer(waiter, await recordDuplicateReceipts(this.sql.query, [waiter.item]));
        } catch (error) {
          waiter.reject(error);
        }
      }),
    );
  }
}

function decidedAs(waiter: Waiter, draft: ReceiptDraft): Decided {
  return { item: draft, resolve: waiter.resolve, reject: waiter.reject };
}

/** The first receipt of each message id may create the record; any other is a duplicate and
 * must see what the first stored, so it is written after it. */
function firstOfEachMessage(batch: Decided[]): Decided[] {
  const first = new Map<string, Decided>();
  for (const waiter of batch) if (!first.has(waiter.item.messageId)) first.set(waiter.item.messageId, waiter);
  return [...first.values()];
}

/** What the dispatcher's claim would have answered for a row the receipt claimed. */
function claimedWork(draft: ReceiptDraft, attemptId: number): ClaimedWork {
  return {
    messageId: draft.messageId,
    action: draft.outboxAction!,
    attempts: 1,
    outcomeUnknown: false,
    failedLookups: 0,
    hasMetadata: Object.keys(draft.metadata).length > 0,
    status: draft.status,
    deadlineAt: draft.deadlineAt,
    receivedAt: draft.receivedAt,
    attemptId,
  };
}
