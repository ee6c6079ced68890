import { and, asc, eq, lte } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import { messages } from "../db/schema/index.ts";
import type { RuleSet } from "../rules/types.ts";
import { decideHeld } from "./decide-held.ts";

export interface SweeperOptions {
  db: Db;
  rules: () => RuleSet;
  logger: Logger;
  intervalMs: number;
  /** Called with each message the sweeper moved to the outbox, to dispatch it at once. */
  onDecided?: (messageId: string, status: string) => void;
  batchSize?: number;
}

/**
 * Held messages nobody decided get the rules' review_timeout_action at
 * `deadline - review_timeout_margin_ms`, so the action still reaches Stream before it deletes
 * the message. decideHeld's conditional update makes it happen once across all replicas.
 */
export class DeadlineSweeper {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SweeperOptions) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.running = this.sweep()
        .catch((error) => this.options.logger.warn({ err: error }, "deadline sweep failed; will retry"))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass; returns how many messages this replica decided. */
  async sweep(): Promise<number> {
    const rules = this.options.rules();
    const cutoff = new Date(Date.now() + rules.review_timeout_margin_ms);
    const due = await this.options.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.status, "held"), lte(messages.deadlineAt, cutoff)))
      .orderBy(asc(messages.deadlineAt))
      .limit(this.options.batchSize ?? 100);
    let decided = 0;
    for (const { id } of due) {
      const result = await decideHeld(this.options.db, {
        messageId: id,
        action: rules.review_timeout_action,
        actorKind: "system",
        actorId: "deadline-sweeper",
        reason: `review deadline: review_timeout_action is ${rules.review_timeout_action}`,
      });
      if (result.ok) {
        decided++;
        this.options.logger.info(
          { messageId: id, status: result.status },
          "held message reached its review deadline",
        );
        this.options.onDecided?.(id, result.status);
      }
    }
    return decided;
  }
}
