import type { ReplayProgress } from "./replay.ts";
import type { ReplayCursor, ReplayRow, ReplayWindow } from "./replay-source.ts";
import type { BacktestResult } from "./report.ts";

/** What the backtest worker thread is started with (workerData). */
export interface BacktestWorkerInput {
  rules: string;
  lists: Record<string, string>;
  activeLists: Record<string, string>;
  since: string;
  until: string;
  examplesPerKind: number;
  maxMessages: number | null;
  batchSize: number;
  /** A Postgres URL the worker reads through on a connection of its own; null: ask the parent. */
  databaseUrl: string | null;
}

/** What a window read needs, sent to the parent when the worker cannot reach the database itself. */
export type ReadQuestion =
  | { op: "count"; window: WireWindow }
  | { op: "batch"; window: WireWindow; after: ReplayCursor; limit: number };
export type ReadRequest = ReadQuestion & { type: "read"; seq: number };

export interface WireWindow {
  since: string;
  until: string;
  historyMs: number;
}

export type WorkerMessage =
  /** The candidate compiled: its version and the term list files it read, as it read them. */
  | { type: "compiled"; version: string; lists: Record<string, string> }
  | { type: "invalid"; error: { message: string; line?: number; ruleId?: string; field?: string } }
  | { type: "progress"; progress: ReplayProgress }
  | { type: "done"; result: BacktestResult; stopped: boolean; progress: ReplayProgress; elapsedMs: number }
  | { type: "failed"; error: string }
  | ReadRequest;

export type ParentMessage =
  | { type: "cancel" }
  /** The share of the time the replay may work (see ReplayOptions.share). */
  | { type: "pace"; share: number }
  | { type: "read-result"; seq: number; rows?: ReplayRow[]; count?: number; error?: string };

export function toWire(window: ReplayWindow): WireWindow {
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    historyMs: window.historyMs,
  };
}

export function fromWire(window: WireWindow): ReplayWindow {
  return { since: new Date(window.since), until: new Date(window.until), historyMs: window.historyMs };
}
