import type { MessageStatus } from "../db/schema/index.ts";
import type { OutboxStore, Settlement } from "./outbox-store.ts";

interface Waiter {
  settlement: Settlement;
  resolve: (status: MessageStatus) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for finished dispatch work: settlements that arrive while earlier ones are being
 * written (or in the same turn) are written by one statement, one transaction and one WAL flush.
 * A failed batch is retried one settlement at a time, so one row's trouble stays its own.
 */
export class SettleBatcher {
  private queue: Waiter[] = [];
  private scheduled = false;
  private writing = 0;

  constructor(
    private readonly store: Pick<OutboxStore, "settle" | "settleMany">,
    private readonly maxBatch = 128,
    private readonly maxConcurrent = 2,
  ) {}

  /** Resolves with the message's status after the settlement, once it is stored. */
  settle(settlement: Settlement): Promise<MessageStatus> {
    return new Promise((resolve, reject) => {
      this.queue.push({ settlement, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.writing >= this.maxConcurrent) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.queue.length > 0 && this.writing < this.maxConcurrent) {
        const batch = this.queue.splice(0, this.maxBatch);
        this.writing++;
        void this.write(batch).finally(() => {
          this.writing--;
          this.schedule();
        });
      }
    });
  }

  private async write(batch: Waiter[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const statuses = await this.store.settleMany(batch.map((w) => w.settlement));
        for (const w of batch) w.resolve(statuses.get(w.settlement.messageId) ?? w.settlement.to);
        return;
      } catch {
        // Fall through: each on its own.
      }
    }
    await Promise.all(
      batch.map(async ({ settlement: s, resolve, reject }) => {
        try {
          resolve(await this.store.settle(s.attempt, s.messageId, s.from, s.to, s.reason, s.state));
        } catch (error) {
          reject(error);
        }
      }),
    );
  }
}
