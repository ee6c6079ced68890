/** A caller waiting for its item to be written. */
export interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most items handed to one write. */
  maxBatch: number;
  /** Most writes under way at once (each holds a pool connection while it runs). */
  maxConcurrent: number;
}

/**
 * Group commit: items submitted while earlier batches are being written (or within the same turn
 * of the event loop) are handed to `write` together, so under load the database sees one
 * statement and one transaction for many callers instead of one each, and an idle service still
 * writes a lone item at once. `write` answers each caller; if it throws, every caller it left
 * unanswered is rejected with the error (answering twice is a no-op).
 */
export class GroupCommit<Item, Result> {
  private queue: Pending<Item, Result>[] = [];
  private scheduled = false;
  private writing = 0;

  constructor(
    private readonly write: (batch: Pending<Item, Result>[]) => Promise<void>,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Resolves with what `write` answered for this item. */
  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.writing >= this.options.maxConcurrent) return;
    this.scheduled = true;
    // Deferred to the end of this turn: items submitted in the same turn join one batch.
    setImmediate(() => {
      this.scheduled = false;
      while (this.queue.length > 0 && this.writing < this.options.maxConcurrent) {
        const batch = this.queue.splice(0, this.options.maxBatch);
        this.writing++;
        void this.write(batch)
          .catch((error: unknown) => {
            for (const pending of batch) pending.reject(error);
          })
          .finally(() => {
            this.writing--;
            this.schedule();
          });
      }
    });
  }
}
