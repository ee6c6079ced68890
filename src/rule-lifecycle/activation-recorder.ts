import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import type { ActivationTrigger } from "../rules/live-rules.ts";
import type { RuleSet } from "../rules/types.ts";
import { recordActivation } from "./versions.ts";

const RETRY_DELAYS_MS = [500, 2_000, 10_000, 30_000, 60_000];

/**
 * Writes rule activations to the history one at a time, in the order they happened. A reload
 * must not wait for the database, so writing happens behind it; a failed write (database down)
 * is retried with growing pauses, and given up only after the last, with an error in the log.
 */
export class ActivationRecorder {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly replica: string,
    private readonly logger: Pick<Logger, "warn" | "error">,
    private readonly retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
  ) {}

  record = (ruleset: Pick<RuleSet, "version" | "source" | "content">, trigger: ActivationTrigger): void => {
    this.chain = this.chain.then(() => this.write(ruleset, trigger));
  };

  /** Resolves once every activation recorded so far is written (or given up). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Stops retrying (a pause under way ends at once); a write under way finishes. */
  close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    return this.chain;
  }

  private async write(ruleset: Pick<RuleSet, "version" | "source" | "content">, trigger: ActivationTrigger) {
    for (let attempt = 0; ; attempt++) {
      try {
        await recordActivation(this.db, ruleset, trigger, this.replica);
        return;
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined || this.closed) {
          this.logger.error(
            { err: String(error), rules_version: ruleset.version, trigger },
            "could not record the rules version in the history; GET /api/rules/versions will miss this activation",
          );
          return;
        }
        this.logger.warn(
          { err: String(error), rules_version: ruleset.version, trigger, retry_in_ms: delay },
          "recording the rules version failed; retrying",
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}
