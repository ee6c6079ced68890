import type { RawQuery } from "../db/client.ts";
import { GroupCommit, type GroupCommitOptions, type Pending } from "../db/group-commit.ts";
import type { MessageStatus } from "../db/schema/index.ts";
import type { ImmediateDispatch } from "../dispatch/immediate-dispatch.ts";
import type { ClaimedWork } from "../dispatch/outbox-store.ts";
import {
  insertNewReceipts,
  type ReceiptDraft,
  recordDuplicateReceipts,
  type StoredReceipt,
} from "./receipt-store.ts";

/** Receipts per statement, and statements under way at once. */
export type ReceiptBatcherOptions = GroupCommitOptions;

export const DEFAULT_RECEIPT_BATCHING: ReceiptBatcherOptions = { maxBatch: 128, maxConcurrent: 4 };

type Waiter = Pending<ReceiptDraft, StoredReceipt>;

/**
 * Group commit (GroupCommit) for hook receipts: receipts that arrive together are written by
 * one statement, one transaction and one WAL flush. Each caller is answered only after its own
 * receipt is durable.
 *
 * A failed batch is retried one receipt at a time, so a row the database refuses fails only its
 * own hook (503, retried by Stream) and never its neighbours.
 */
export class ReceiptBatcher {
  private readonly batches: GroupCommit<ReceiptDraft, StoredReceipt>;

  constructor(
    private readonly query: RawQuery,
    options: ReceiptBatcherOptions = DEFAULT_RECEIPT_BATCHING,
    private readonly dispatch?: ImmediateDispatch,
  ) {
    this.batches = new GroupCommit((batch) => this.write(batch), options);
  }

  /** Resolves once the receipt is stored; rejects if it could not be. */
  submit(draft: ReceiptDraft): Promise<StoredReceipt> {
    return this.batches.submit(draft);
  }

  private async write(batch: Waiter[]): Promise<void> {
    // The first draft of each message id may create the record; any other is a duplicate and
    // must see what the first stored, so it is written after it.
    const candidates = new Map<string, Waiter>();
    for (const waiter of batch) {
      if (!candidates.has(waiter.item.messageId)) candidates.set(waiter.item.messageId, waiter);
    }
    const claimIds = this.reserveClaims([...candidates.values()]);
    let unclaimed = claimIds.size;
    try {
      const { created, failed } = await this.insertNew([...candidates.values()], claimIds);
      const duplicates: Waiter[] = [];
      for (const waiter of batch) {
        const { item: draft } = waiter;
        const id = draft.messageId;
        if (failed.has(id)) waiter.reject(failed.get(id));
        else if (created.has(id) && candidates.get(id) === waiter) {
          const attemptId = created.get(id);
          const claimed = claimIds.has(id) && attemptId != null;
          if (claimed) {
            unclaimed--;
            this.dispatch!.run(claimedWork(draft, attemptId));
          }
          waiter.resolve({ isNew: true, status: draft.status, claimed });
        } else duplicates.push(waiter);
      }
      if (duplicates.length > 0) await this.recordDuplicates(duplicates);
    } finally {
      if (unclaimed > 0) this.dispatch?.unreserve(unclaimed);
    }
  }

  /** The ids of the new messages this batch will claim: as many as the dispatcher has room for. */
  private reserveClaims(candidates: Waiter[]): Set<string> {
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
    waiters: Waiter[],
    claimIds: ReadonlySet<string>,
  ): Promise<{ created: Map<string, number | null>; failed: Map<string, unknown> }> {
    const drafts = waiters.map((waiter) => waiter.item);
    const claims =
      this.dispatch && claimIds.size > 0 ? { terms: this.dispatch.terms, ids: claimIds } : undefined;
    const failed = new Map<string, unknown>();
    try {
      return { created: await insertNewReceipts(this.query, drafts, claims), failed };
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
          for (const [id, attemptId] of await insertNewReceipts(this.query, [draft], claims))
            created.set(id, attemptId);
        } catch (error) {
          failed.set(draft.messageId, error);
        }
      }),
    );
    return { created, failed };
  }

  private async recordDuplicates(waiters: Waiter[]): Promise<void> {
    const answer = (waiter: Waiter, current: Map<string, MessageStatus>) =>
      waiter.resolve({
        isNew: false,
        status: current.get(waiter.item.messageId) ?? waiter.item.status,
        claimed: false,
      });
    try {
      const current = await recordDuplicateReceipts(
        this.query,
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
          answer(waiter, await recordDuplicateReceipts(this.query, [waiter.item]));
        } catch (error) {
          waiter.reject(error);
        }
      }),
    );
  }
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
