import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { RawQuery } from "../../db/client.ts";
import { Problem } from "../../http/problem.ts";
import type { RuleSet } from "../../rules/types.ts";
import { DEFAULT_BATCH_SIZE } from "./replay.ts";
import { sqlReplaySource } from "./replay-source.ts";
import type { BacktestStore, BacktestView } from "./store.ts";
import {
  type BacktestWorkerInput,
  fromWire,
  type ParentMessage,
  type WorkerMessage,
} from "./worker-protocol.ts";

export interface BacktestRequest {
  rules: string;
  lists: Record<string, string>;
  since: Date;
  until: Date;
  examplesPerKind: number;
  maxMessages: number | null;
}

export interface BacktestRunnerOptions {
  store: BacktestStore;
  /** The service's own database: reads go through it when the worker cannot connect itself. */
  query: RawQuery;
  /** A Postgres URL the worker may open one connection with; absent for the embedded database. */
  databaseUrl?: string;
  /** The rules in force: their term lists stand in for lists a candidate names but does not send. */
  activeRules: () => RuleSet;
  replica: string;
  logger: Pick<Logger, "info" | "warn" | "error">;
  /** How long a finished backtest is kept. */
  keepMs: number;
  /** The worker's heap limit: a runaway candidate fails alone, not the service. */
  maxMemoryMb: number;
  /** Whether hooks are arriving now: the replay then works only SHARE_WHILE_HOOKS of the time. */
  hooksFlowing?: () => boolean;
  batchSize?: number;
}

/**
 * The share of the time a replay works while hooks are arriving. Its worker thread runs at the
 * lowest priority, but the database reads it asks for, and the garbage collection of its heap,
 * do not: on a 2-core machine with Postgres beside the service, working a quarter of the time
 * still raised the hooks' ack p99 by about a fifth, a tenth kept it within the noise
 * (`npm run bench:backtest`).
 */
export const SHARE_WHILE_HOOKS = 0.1;
/** How often the runner looks whether hooks are arriving, and tells the worker. */
const PACE_CHECK_MS = 250;

/**
 * How often the latest progress is written, with the heartbeat, and a cancellation asked for on
 * any replica is picked up (see HEARTBEAT_TIMEOUT_MS).
 */
const PROGRESS_WRITE_MS = 1000;

// Built, the worker is worker.js; from TypeScript sources it is started through a bootstrap that
// registers tsx in the worker's own thread first.
const WORKER_URL = import.meta.url.endsWith(".ts")
  ? new URL("./worker-bootstrap.mjs", import.meta.url)
  : new URL("./worker.js", import.meta.url);

interface Running {
  worker: Worker;
  cancel(): void;
  finished: Promise<void>;
}

/**
 * Starts backtests on a worker thread, one at a time per replica (a replay takes a core and a
 * copy of the candidate's dictionaries), and keeps their state in the backtests table.
 */
export class BacktestRunner {
  private running: { id: string; run: Running } | null = null;
  private starting = false;
  private closed = false;

  constructor(private readonly options: BacktestRunnerOptions) {}

  /**
   * Compiles the candidate (in the worker: a large rules file takes seconds) and, when it is
   * valid, records the backtest and lets it run; answers once it is recorded.
   */
  async start(request: BacktestRequest, requestedBy: string): Promise<BacktestView> {
    if (this.closed)
      throw new Problem(
        "shutting_down",
        "This replica is shutting down; start the backtest again (on another replica).",
      );
    if (this.running || this.starting) {
      const id = this.running?.id;
      throw new Problem(
        "backtest_busy",
        `This replica is already running a backtest${id ? ` (${id})` : ""}; wait for it to finish, or cancel it with POST /api/rules/backtest/${id ?? "{id}"}/cancel.`,
        id ? { extra: { running_id: id } } : {},
      );
    }
    this.starting = true;
    try {
      const active = this.options.activeRules();
      const input: BacktestWorkerInput = {
        rules: request.rules,
        lists: request.lists,
        activeLists: active.content.lists,
        since: request.since.toISOString(),
        until: request.until.toISOString(),
        examplesPerKind: request.examplesPerKind,
        maxMessages: request.maxMessages,
        batchSize: this.options.batchSize ?? DEFAULT_BATCH_SIZE,
        databaseUrl: this.options.databaseUrl ?? null,
      };
      const worker = new Worker(WORKER_URL, {
        workerData: input,
        resourceLimits: { maxOldGenerationSizeMb: this.options.maxMemoryMb },
      });
      const compiled = await this.compiled(worker);
      const view = await this.options.store.create({
        requestedBy,
        candidateVersion: compiled.version,
        candidate: { text: request.rules, lists: compiled.lists },
        since: request.since,
        until: request.until,
        options: { examples: request.examplesPerKind, max_messages: request.maxMessages },
        replica: this.options.replica,
        keepMs: this.options.keepMs,
      });
      this.running = { id: view.id, run: this.follow(view.id, worker) };
      void this.running.run.finished.finally(() => {
        this.running = null;
      });
      return view;
    } finally {
      this.starting = false;
    }
  }

  /** Stops a backtest this replica runs at once; other replicas' stop at their next progress. */
  cancelHere(id: string): void {
    if (this.running?.id === id) this.running.run.cancel();
  }

  /** Shutdown: stops the running backtest and records that it did not finish. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    if (!running) return;
    await running.run.worker.terminate();
    await running.run.finished;
  }

  /** Waits for the worker to compile the candidate; a candidate that does not compile is a 400. */
  private compiled(worker: Worker): Promise<{ version: string; lists: Record<string, string> }> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.type === "compiled") {
          cleanup();
          resolve({ version: message.version, lists: message.lists });
        } else if (message.type === "invalid" || message.type === "failed") {
          cleanup();
          void worker.terminate();
          reject(
            message.type === "invalid"
              ? new Problem("rules_invalid", `The candidate rules are invalid: ${message.error.message}`, {
                  extra: { ...message.error },
                })
              : new Error(`backtest worker failed before the replay: ${message.error}`),
          );
        }
      };
      const onError = (error: Error) => {
        cleanup();
        reject(error);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`backtest worker exited (code ${code}) before compiling the candidate`));
      };
      const cleanup = () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
    });
  }

  /** Relays the worker's reads, progress and result to the backtests table until it ends. */
  private follow(id: string, worker: Worker): Running {
    const { store, logger } = this.options;
    const source = sqlReplaySource(this.options.query);
    let ended = false;
    let writing = false;
    // Nothing is written until the worker has counted the window (its first progress report).
    let latest: { processed: number; total: number } | null = null;
    const end = async (outcome: Parameters<BacktestStore["finish"]>[1]) => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      clearInterval(pace);
      try {
        await store.finish(id, outcome);
      } catch (error) {
        logger.error({ err: error, backtest: id }, "backtest: could not record its end");
      }
      void worker.terminate();
    };
    const report = async () => {
      if (ended || writing) return;
      writing = true;
      try {
        const { cancelRequested } = await store.progress(id, latest);
        if (cancelRequested && !ended) worker.postMessage({ type: "cancel" } satisfies ParentMessage);
      } catch (error) {
        logger.warn({ err: error, backtest: id }, "backtest: progress not recorded");
      } finally {
        writing = false;
      }
    };
    const heartbeat = setInterval(() => void report(), PROGRESS_WRITE_MS);
    heartbeat.unref();
    let share = 1;
    const pace = setInterval(() => {
      const wanted = this.options.hooksFlowing?.() ? SHARE_WHILE_HOOKS : 1;
      if (wanted === share || ended) return;
      share = wanted;
      worker.postMessage({ type: "pace", share } satisfies ParentMessage);
    }, PACE_CHECK_MS);
    pace.unref();

    const finished = new Promise<void>((resolve) => {
      worker.on("message", (message: WorkerMessage) => {
        switch (message.type) {
          case "read":
            void (async () => {
              try {
                const window = fromWire(message.window);
                const answer: ParentMessage =
                  message.op === "count"
                    ? { type: "read-result", seq: message.seq, count: await source.count(window) }
                    : {
                        type: "read-result",
                        seq: message.seq,
                        rows: await source.readBatch(window, message.after, message.limit),
                      };
                worker.postMessage(answer);
              } catch (error) {
                worker.postMessage({
                  type: "read-result",
                  seq: message.seq,
                  error: (error as Error).message,
                } satisfies ParentMessage);
              }
            })();
            break;
          case "progress":
            latest = message.progress;
            break;
          case "done":
            logger.info(
              {
                backtest: id,
                processed: message.progress.processed,
                elapsedMs: Math.round(message.elapsedMs),
              },
              "backtest finished",
            );
            void end({
              status: message.stopped ? "cancelled" : "done",
              result: {
                ...message.result,
                timing: {
                  replay_ms: Math.round(message.elapsedMs),
                  messages_per_second: Math.round(
                    message.progress.processed / (message.elapsedMs / 1000 || 1),
                  ),
                },
              },
              progress: message.progress,
            }).then(resolve);
            break;
          case "failed":
            logger.warn({ backtest: id, error: message.error }, "backtest failed");
            void end({ status: "failed", error: `The replay failed: ${message.error}` }).then(resolve);
            break;
        }
      });
      worker.on("error", (error) => {
        logger.error({ err: error, backtest: id }, "backtest worker crashed");
        const reason = /memory/i.test(error.message)
          ? "The replay ran out of memory (BACKTEST_MAX_MEMORY_MB); try a shorter window or a smaller max_messages."
          : `The replay crashed: ${error.message}`;
        void end({ status: "failed", error: reason }).then(resolve);
      });
      worker.on("exit", () => {
        void end({
          status: "failed",
          error: this.closed
            ? "The replica running this backtest shut down; start it again."
            : "The replay stopped unexpectedly; start it again.",
        }).then(resolve);
      });
    });
    return {
      worker,
      finished,
      cancel: () => worker.postMessage({ type: "cancel" } satisfies ParentMessage),
    };
  }
}
