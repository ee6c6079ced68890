import type { CompiledRuleSet } from "../../rules/evaluate.ts";
import type { EvaluationInput } from "../../rules/types.ts";
import { RateHistory } from "./rate-history.ts";
import { type ReplayRow, type ReplaySource, type ReplayWindow, windowStart } from "./replay-source.ts";
import { BacktestReport, type BacktestResult } from "./report.ts";

export interface ReplayProgress {
  /** Messages of the window gone through so far (replayed, or skipped as not replayable). */
  processed: number;
  /** Messages in the window (or max_messages, when smaller). */
  total: number;
}

export interface ReplayOptions {
  candidate: CompiledRuleSet;
  source: ReplaySource;
  since: Date;
  until: Date;
  /** Rows per read: large enough to amortise the round trip, small enough to report progress. */
  batchSize?: number;
  examplesPerKind?: number;
  /** Stop after this many messages of the window (the report says so). */
  maxMessages?: number;
  /** Told after every batch. */
  onProgress?: (progress: ReplayProgress) => void;
  /** Stops the replay at once, even while a read is under way; the report covers what was read. */
  signal?: AbortSignal;
  /**
   * The share of the time the replay may work, in (0, 1], asked before each batch. Below 1 it
   * rests after each batch (for its time × (1/share − 1)) and reads no batch ahead, so the
   * database does no work for it while it rests either.
   */
  share?: () => number;
}

export interface ReplayOutcome {
  result: BacktestResult;
  /** The replay was stopped (signal) before the window's end. */
  stopped: boolean;
  progress: ReplayProgress;
}

/** Small batches keep each read short: the database's work for a replay comes in short bursts. */
export const DEFAULT_BATCH_SIZE = 500;
export const DEFAULT_EXAMPLES_PER_KIND = 5;

/**
 * Replays a candidate rule set over the stored messages of [since, until), oldest first, and
 * compares each decision with the one recorded at receipt. The candidate is evaluated exactly as
 * the hook path evaluates it (rate counts come from the stored history, see RateHistory); the
 * next batch is read while the current one is evaluated.
 */
export async function replayWindow(options: ReplayOptions): Promise<ReplayOutcome> {
  const { candidate, source } = options;
  const window: ReplayWindow = {
    since: options.since,
    until: options.until,
    historyMs: candidate.longestRateWindowMs,
  };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const limit = options.maxMessages ?? Number.POSITIVE_INFINITY;
  const history = new RateHistory(candidate.longestRateWindowMs);
  const report = new BacktestReport(
    options.examplesPerKind ?? DEFAULT_EXAMPLES_PER_KIND,
    candidate.ruleSummaries(),
  );
  const inWindow = await source.count(window);
  const progress: ReplayProgress = { processed: 0, total: Math.min(inWindow, limit) };
  let stopped = false;
  let stoppedEarly: string | undefined;

  const aborted = new Promise<null>((resolve) => {
    if (options.signal?.aborted) resolve(null);
    options.signal?.addEventListener("abort", () => resolve(null), { once: true });
  });
  let reading = source.readBatch(window, windowStart(window), batchSize);
  // A batch read ahead, at full speed: the database reads it while this one is evaluated.
  let ahead: Promise<ReplayRow[]> | null = null;
  for (;;) {
    const batchStarted = performance.now();
    const batch = await Promise.race([reading, aborted]);
    if (batch === null) {
      stopped = true;
      stoppedEarly = `Cancelled after ${progress.processed} of ${progress.total} messages: the figures cover those only.`;
      break;
    }
    const last = batch[batch.length - 1];
    if (!last) break;
    const more = batch.length === batchSize;
    const next = { receivedAt: last.received_at, id: last.id };
    const share = Math.min(1, Math.max(0.01, options.share?.() ?? 1));
    ahead = more && share === 1 ? source.readBatch(window, next, batchSize) : null;
    let reachedLimit = false;
    for (const row of batch) {
      if (row.in_window) {
        if (progress.processed >= limit) {
          reachedLimit = true;
          break;
        }
        replayRow(row, candidate, history, report);
        progress.processed++;
      }
      if (!row.retired) history.add(row.user_id, row.ip, row.received_ms);
    }
    if (reachedLimit) {
      stoppedEarly = `Stopped after max_messages (${limit}) of the ${inWindow} messages in the window.`;
      break;
    }
    options.onProgress?.({ ...progress });
    if (!more) break;
    if (!ahead) {
      const rest = (performance.now() - batchStarted) * (1 / share - 1);
      await Promise.race([new Promise((resolve) => setTimeout(resolve, rest)), aborted]);
    }
    reading = ahead ?? source.readBatch(window, next, batchSize);
    ahead = null;
  }
  // A read started for a batch that will not be used must not reject unobserved.
  ahead?.catch(() => {});
  const result = report.result({
    window: { since: options.since, until: options.until },
    candidateVersion: candidate.version,
    rateHistoryFrom: window.historyMs > 0 ? new Date(options.since.getTime() - window.historyMs) : null,
    ...(stoppedEarly ? { stoppedEarly } : {}),
  });
  return { result, stopped, progress };
}

function replayRow(row: ReplayRow, candidate: CompiledRuleSet, history: RateHistory, report: BacktestReport) {
  if (row.retired || !row.payload || !row.rules_action) {
    report.skipped(row);
    return;
  }
  const input: EvaluationInput = {
    message: row.payload,
    metadata: row.metadata ?? {},
    requestInfo: row.request_info,
  };
  const queries = candidate.rateQueries(input);
  if (queries.length > 0) input.rateCounts = history.counts(queries, row.received_ms);
  report.replayedMessage(row, candidate.evaluate(input));
}
