// The benchmark's load generator: a child process of http.bench.ts, so the load does not share an
// event loop with the fake Stream or the processes under test. It receives one LoadRequest at a
// time over IPC, drives autocannon with signed PassOnPendingMessage hooks, and answers with what
// each hook got, timed on this side of the socket.
import { createHmac } from "node:crypto";
import autocannon, { type AutocannonRequest } from "autocannon";
import { pendingMessagePayload } from "../support/sign.ts";
import { type Percentiles, percentiles } from "./percentiles.ts";

export interface LoadRequest {
  url: string;
  path: string;
  apiKey: string;
  secret: string;
  connections: number;
  durationSec: number;
  /** Prefix of this run's message ids; every hook carries a new id when `unique`. */
  label: string;
  /** False: cycle through a fixed pool (the ceiling server does not care about ids). */
  unique: boolean;
  /** How many hooks to sign before the clock starts; more are signed on the fly if needed. */
  presign: number;
  /** Hooks per second over all connections (a steady load); absent: as fast as answers come. */
  rate?: number;
  /** Answer every ack latency, not only their percentiles. */
  keepLatencies?: boolean;
}

export interface LoadResult {
  label: string;
  connections: number;
  elapsedSec: number;
  /** 2xx answers per second. */
  rps: number;
  acked: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Milliseconds from writing the request to reading the whole 2xx answer. */
  ackLatencyMs: Percentiles;
  /** Each of those latencies, when the request asked for them (to pool several runs). */
  ackLatenciesMs?: number[];
  /** Unique runs only: every hook sent, when (epoch ms), and the status its 2xx answer reported. */
  hooks: SentHook[];
}

export interface SentHook {
  id: string;
  sentAt: number;
  ackStatus?: string;
}

interface SignedHook {
  id: string;
  body: string;
  headers: Record<string, string>;
}

const POOL_FOR_REPEATS = 5_000;

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
const epochMs = () => performance.timeOrigin + performance.now();

/** One JSON body with a placeholder id, so signing a hook is a string replace and one HMAC. */
function hookSigner(request: LoadRequest): (id: string) => SignedHook {
  const template = JSON.stringify(pendingMessagePayload({ message: { id: "__BENCH_ID__" } }));
  let webhook = 0;
  return (id) => {
    const body = template.replace("__BENCH_ID__", id);
    return {
      id,
      body,
      headers: {
        "content-type": "application/json",
        "x-signature": createHmac("sha256", request.secret).update(body).digest("hex"),
        "x-api-key": request.apiKey,
        "x-webhook-id": `${request.label}-wh-${++webhook}`,
        "x-webhook-attempt": "1",
      },
    };
  };
}

export function runLoad(request: LoadRequest): Promise<LoadResult> {
  const sign = hookSigner(request);
  const runId = Math.random().toString(36).slice(2, 8);
  const idOf = (n: number) => `bench-${request.label}-${runId}-${n}`;
  const poolSize = request.unique ? request.presign : Math.min(request.presign, POOL_FOR_REPEATS);
  const pool: SignedHook[] = [];
  for (let n = 0; n < poolSize; n++) pool.push(sign(idOf(n)));

  const hooks: SentHook[] = [];
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;

  const hookRequest: AutocannonRequest = {
    method: "POST",
    path: request.path,
    setupRequest: (base, context) => {
      const n = next++;
      const hook = request.unique ? (pool[n] ?? sign(idOf(n))) : pool[n % pool.length]!;
      if (request.unique) pool[n] = undefined as unknown as SignedHook; // let it be collected
      context.index = hooks.length;
      hooks.push({ id: hook.id, sentAt: epochMs() });
      return { ...base, headers: hook.headers, body: hook.body };
    },
    onResponse: (status, body, context) => {
      const sent = hooks[context.index as number];
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (!sent || status < 200 || status >= 300) return;
      latencies.push(epochMs() - sent.sentAt);
      if (request.unique) sent.ackStatus = (JSON.parse(body) as { status?: string }).status;
    },
  };

  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: request.url,
        connections: request.connections,
        pipelining: 1,
        duration: request.durationSec,
        ...(request.rate ? { overallRate: request.rate } : {}),
        timeout: 10,
        requests: [hookRequest],
      },
      (error, result) => {
        if (error) return reject(error);
        const acked = latencies.length;
        resolve({
          label: request.label,
          connections: request.connections,
          elapsedSec: result.duration,
          rps: acked / result.duration,
          acked,
          statuses,
          errors: result.errors,
          timeouts: result.timeouts,
          ackLatencyMs: percentiles(latencies),
          ...(request.keepLatencies ? { ackLatenciesMs: latencies } : {}),
          hooks: request.unique ? hooks : [],
        });
      },
    );
  });
}

// Run as a child: one request in, one result out, until the parent disconnects.
if (process.send) {
  process.on("message", (request: LoadRequest) => {
    runLoad(request).then(
      (result) => process.send?.({ ok: true, result }),
      (error: unknown) => process.send?.({ ok: false, error: String(error) }),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
