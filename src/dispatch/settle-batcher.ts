import { GroupCommit, type GroupCommitOptions, type Pending } from "../db/group-commit.ts";
import type { MessageStatus } from "../db/schema/index.ts";
import type { OutboxStore, Settlement } from "./outbox-store.ts";

type Waiter = Pending<Settlement, MessageStatus>;

/**
 * Group commit (GroupCommit) for finished dispatch work: settlements that arrive together are
 * written by one statement and one transaction (finishWork in db/transitions.ts). A failed batch is retried one
 * settlement at a time, so one row's trouble stays its own.
 */
export class SettleBatcher {
  private readonly batches: GroupCommit<Settlement, MessageStatus>;

  constructor(
    private readonly store: Pick<OutboxStore, "settleMany">,
    options: GroupCommitOptions = { maxBatch: 128, maxConcurrent: 2 },
  ) {
    this.batches = new GroupCommit((batch) => this.write(batch), options);
  }

  /** Resolves with the message's status after the settlement, once it is stored. */
  settle(settlement: Settlement): Promise<MessageStatus> {
    return this.batches.submit(settlement);
  }

  private async write(batch: Waiter[]): Promise<void> {
    try {
      await this.storeBatch(batch);
      return;
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
    }
    // One row's trouble stays its own: each on its own.
    await Promise.all(batch.map((waiter) => this.storeBatch([waiter]).catch(waiter.reject)));
  }

  private async storeBatch(batch: Waiter[]): Promise<void> {
    const statuses = await this.store.settleMany(batch.map((w) => w.item));
    for (const w of batch) w.resolve(statuses.get(w.item.messageId) ?? w.item.to);
  }
}
