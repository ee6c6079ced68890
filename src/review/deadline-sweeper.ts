import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import { type MessageStatus, messages } from "../db/schema/index.ts";
import type { RuleSet } from "../rules/types.ts";
import type { Actor } from "./actor.ts";
import { decideHeld, type HeldAction } from "./decide-held.ts";

export interface SweeperOptions {
  db: Db;
  rules: () => RuleSet;
  logger: Logger;
  intervalMs: number;
  /** Called with each message the sweeper decided (to dispatch it at once, and count it). */
  onDecided?: (decided: {
    messageId: string;
    action: HeldAction;
    status: MessageStatus;
    receivedAt: Date;
  }) => void;
  batchSize?: number;
  now?: () => Date;
}

/** Recorded as the actor of every deadline action, so the audit trail says the system did it. */
export const SWEEPER_ACTOR: Actor = { kind: "system", id: "deadline-sweeper", name: "deadline sweeper" };

/**
 * Held messages nobody decided get the rules' review_timeout_action at
 * `deadline - review_timeout_margin_ms`, so the action still reaches Stream before it deletes
 * the message. decideHeld's conditional update makes it happen once across all replicas, and it
 * never approves or rejects past the deadline: a message found too late is closed as expired.
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
    // Due on Postgres's clock, the one every replica shares (tests may set their own).
    const now = this.options.now?.();
    const cutoff = now
      ? new Date(now.getTime() + rules.review_timeout_margin_ms)
      : sql`now() + ${rules.review_timeout_margin_ms}::int * interval '1 millisecond'`;
    const due = await this.options.db
      .select({ id: messages.id })
      .from(messages)
      .where(and(eq(messages.status, "held"), lte(messages.deadlineAt, cutoff)))
      .orderBy(asc(messages.deadlineAt))
      .limit(this.options.batchSize ?? 100);
    let decided = 0;
    for (const { id } of due) {
      const action = rules.review_timeout_action;
      const result = await decideHeld(this.options.db, {
        messageId: id,
        action,
        actor: SWEEPER_ACTOR,
        reason: `review deadline: review_timeout_action is ${action}`,
        respectClaims: false,
        now: this.options.now?.(),
      });
      if (result.ok) {
        decided++;
        this.options.logger.info(
          { messageId: id, status: result.status },
          "held message reached its review deadline",
        );
        this.options.onDecided?.({
          messageId: id,
          action,
          status: result.status,
          receivedAt: result.receivedAt,
        });
      } else if (result.reason === "deadline_passed") {
        this.options.logger.warn(
          { messageId: id },
          "held message was found past its deadline (was the service down?); closed as expired without calling Stream",
        );
      }
    }
    return decided;
  }
}
