// The backtest's worker thread: compiles the candidate, replays the window, reports progress and
// the result to the parent. Off the event loop that answers hooks, and at the lowest scheduling
// priority, so a backtest takes only the CPU the hooks leave.
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import postgres from "postgres";
import { RulesLoadError } from "../../rules/errors.ts";
import { compileCandidate } from "./candidate.ts";
import { replayWindow } from "./replay.ts";
import { type ReplaySource, sqlReplaySource } from "./replay-source.ts";
import {
  type BacktestWorkerInput,
  type ParentMessage,
  type ReadQuestion,
  type ReadRequest,
  toWire,
  type WorkerMessage,
} from "./worker-protocol.ts";

const input = workerData as BacktestWorkerInput;
const port = parentPort!;
const send = (message: WorkerMessage) => port.postMessage(message);

try {
  // On Linux the nice value is per thread: this lowers only this worker.
  setPriority(0, 19);
} catch {
  // Not permitted here: the backtest still runs, at normal priority.
}

const cancel = new AbortController();
let share = 1;
const pendingReads = new Map<number, { resolve: (m: ParentMessage & { type: "read-result" }) => void }>();
port.on("message", (message: ParentMessage) => {
  if (message.type === "cancel") cancel.abort();
  else if (message.type === "pace") share = message.share;
  else pendingReads.get(message.seq)?.resolve(message);
});

/** Reads through the parent's database (the embedded one lives in the parent's thread). */
function parentSource(): ReplaySource {
  let seq = 0;
  const ask = (question: ReadQuestion) =>
    new Promise<ParentMessage & { type: "read-result" }>((resolve) => {
      const id = ++seq;
      pendingReads.set(id, { resolve });
      port.postMessage({ ...question, type: "read", seq: id } satisfies ReadRequest);
    }).then((answer) => {
      pendingReads.delete(answer.seq);
      if (answer.error) throw new Error(answer.error);
      return answer;
    });
  return {
    count: async (window) => (await ask({ op: "count", window: toWire(window) })).count ?? 0,
    readBatch: async (window, after, limit) =>
      (await ask({ op: "batch", window: toWire(window), after, limit })).rows ?? [],
  };
}

async function run() {
  let candidate: ReturnType<typeof compileCandidate>;
  try {
    candidate = compileCandidate(input);
  } catch (error) {
    if (!(error instanceof RulesLoadError)) throw error;
    send({
      type: "invalid",
      error: {
        message: error.message,
        ...(error.line !== undefined ? { line: error.line } : {}),
        ...(error.ruleId !== undefined ? { ruleId: error.ruleId } : {}),
        ...(error.field !== undefined ? { field: error.field } : {}),
      },
    });
    return;
  }
  send({ type: "compiled", version: candidate.version, lists: candidate.content.lists });

  const client = input.databaseUrl
    ? postgres(input.databaseUrl, {
        max: 1,
        onnotice: () => {},
        connection: { application_name: "gatehouse-backtest" },
      })
    : null;
  try {
    const source = client
      ? sqlReplaySource(
          async (text, params) =>
            (await client.unsafe(text, [...params] as never[], { prepare: true })) as never[],
        )
      : parentSource();
    const started = performance.now();
    const outcome = await replayWindow({
      candidate,
      source,
      since: new Date(input.since),
      until: new Date(input.until),
      batchSize: input.batchSize,
      examplesPerKind: input.examplesPerKind,
      ...(input.maxMessages !== null ? { maxMessages: input.maxMessages } : {}),
      onProgress: (progress) => send({ type: "progress", progress }),
      signal: cancel.signal,
      share: () => share,
    });
    send({ type: "done", ...outcome, elapsedMs: performance.now() - started });
  } finally {
    await client?.end({ timeout: 5 });
  }
}

run().catch((error: unknown) => {
  send({ type: "failed", error: error instanceof Error ? error.message : String(error) });
});
