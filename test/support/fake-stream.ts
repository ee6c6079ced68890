import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  createSimulatedStream,
  type FetchLike,
  type SimulatedCall,
  type SimulatedStream,
  type SimulatedStreamOptions,
} from "../../src/sandbox/simulated-stream.ts";
import { streamErrorBody } from "../../src/sandbox/stream-errors.ts";
import { classifyStreamCall, type StreamOperation } from "../../src/sandbox/stream-routes.ts";
import { PATIENCE_MS } from "./patience.ts";
import { type HookRequestOptions, hookHeaders } from "./sign.ts";

// The simulated Stream on a real socket, with faults injected between the network and the
// simulator: errors Stream's edge returns, slow answers, answers lost after the effect landed,
// and calls never answered. Raw node:http, so the test decides what happens to each socket.

// ---------------------------------------------------------------------------------------------
// Faults

export interface FaultMatch {
  operation?: StreamOperation;
  messageId?: string;
  method?: string;
}

export type Fault = { match?: FaultMatch } & (
  | {
      /** JSON error in Stream's shape. With `applyEffect`, the call takes effect first (a 5xx after the write). */
      kind: "serverError";
      status?: number;
      code?: number;
      applyEffect?: boolean;
    }
  | {
      /** Plain-text 429 as Stream's edge sends it, with the X-RateLimit-* headers. Never applied. */
      kind: "rateLimited";
      /** Unix seconds. Default: one second from now. */
      resetAt?: number;
      limit?: number;
    }
  | {
      /** Wait `ms` before handing the call to the simulator, or after it applied the call and before answering. */
      kind: "delay";
      ms: number;
      phase: "beforeEffect" | "afterEffect";
    }
  | {
      /** Reset the connection instead of answering. Default `applyEffect: true`: "commit landed, answer lost". */
      kind: "reset";
      applyEffect?: boolean;
    }
  | {
      /** Hold the connection open and never answer (until `close()`). Default `applyEffect: false`. */
      kind: "blackhole";
      applyEffect?: boolean;
    }
);

export type FaultKind = Fault["kind"];

export interface IncomingCall {
  seq: number;
  method: string;
  path: string;
  operation: StreamOperation;
  messageId: string | undefined;
  request: Request;
}

export type FaultRule = (call: IncomingCall) => Fault | undefined;

export interface FaultControl {
  /** Each fault is used once, by the next call its `match` accepts (any call without one). */
  enqueue(...faults: Fault[]): void;
  /** Consulted for calls no queued fault took. */
  setRule(rule: FaultRule | undefined): void;
  clear(): void;
  /** Queued faults not used yet. */
  readonly queued: number;
}

function matches(match: FaultMatch | undefined, call: IncomingCall): boolean {
  if (!match) return true;
  return (
    (match.operation === undefined || match.operation === call.operation) &&
    (match.messageId === undefined || match.messageId === call.messageId) &&
    (match.method === undefined || match.method.toUpperCase() === call.method)
  );
}

class FaultPlan implements FaultControl {
  #queue: Fault[] = [];
  #rule: FaultRule | undefined;

  constructor(initial: Fault[] | FaultRule | undefined) {
    if (typeof initial === "function") this.#rule = initial;
    else if (initial) this.#queue.push(...initial);
  }

  enqueue(...faults: Fault[]): void {
    this.#queue.push(...faults);
  }

  setRule(rule: FaultRule | undefined): void {
    this.#rule = rule;
  }

  clear(): void {
    this.#queue = [];
    this.#rule = undefined;
  }

  get queued(): number {
    return this.#queue.length;
  }

  take(call: IncomingCall): Fault | undefined {
    const index = this.#queue.findIndex((fault) => matches(fault.match, call));
    if (index >= 0) return this.#queue.splice(index, 1)[0];
    return this.#rule?.(call);
  }
}

// ---------------------------------------------------------------------------------------------
// Ledger

export type ClientSaw =
  | { kind: "inFlight" }
  | { kind: "response"; status: number }
  | { kind: "reset" }
  /** Blackholed: the connection stays open with no answer. */
  | { kind: "noAnswer" }
  /** The client hung up before the answer was written (its own timeout, usually). */
  | { kind: "clientGone" };

export interface FakeCall {
  seq: number;
  /** Epoch milliseconds when the request was read. */
  at: number;
  method: string;
  path: string;
  operation: StreamOperation;
  messageId: string | undefined;
  fault: Fault | undefined;
  /** The call reached the simulator, so whatever it changes (see `simulated.effect`) has changed. */
  effectApplied: boolean;
  /** The simulator's own record of the call, when it reached it. */
  simulated: SimulatedCall | undefined;
  clientSaw: ClientSaw;
}

// ---------------------------------------------------------------------------------------------
// Server

export interface FakeStreamOptions extends Partial<SimulatedStreamOptions> {
  faults?: Fault[] | FaultRule;
}

export interface FakeStream {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:43121 */
  url: string;
  apiKey: string;
  apiSecret: string;
  sim: SimulatedStream;
  /** Every call that reached the socket, faulted or not, in arrival order. Live. */
  ledger: readonly FakeCall[];
  faults: FaultControl;
  /** Resolves with the first call (already seen or still to come) the predicate accepts. */
  waitForCall(predicate: (call: FakeCall) => boolean, timeoutMs?: number): Promise<FakeCall>;
  /** Drops every open connection, blackholed ones included, and stops listening. */
  close(): Promise<void>;
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

async function readBody(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function writeResponse(outgoing: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = { "content-length": String(body.length) };
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  outgoing.writeHead(response.status, headers);
  outgoing.end(body);
}

function resetConnection(socket: Socket): void {
  // An RST rather than a FIN: the client sees ECONNRESET, like a dropped connection.
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}

export async function startFakeStream(opts: FakeStreamOptions = {}): Promise<FakeStream> {
  const sim = createSimulatedStream({
    apiKey: opts.apiKey ?? "fake-stream-key",
    apiSecret: opts.apiSecret ?? `fake-stream-secret-${randomUUID()}`,
    autoCreatePending: opts.autoCreatePending,
    pendingHooks: opts.pendingHooks,
    pendingTimeoutMs: opts.pendingTimeoutMs,
  });
  const faults = new FaultPlan(opts.faults);
  const ledger: FakeCall[] = [];
  const watchers = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  const notify = () => {
    for (const watcher of [...watchers]) watcher();
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function serve(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const method = (incoming.method ?? "GET").toUpperCase();
    const body = await readBody(incoming);
    const url = new URL(incoming.url ?? "/", `http://${incoming.headers.host ?? "127.0.0.1"}`);
    const request = new Request(url, {
      method,
      headers: toHeaders(incoming.headers),
      body: method === "GET" || method === "HEAD" || body.length === 0 ? undefined : body,
    });
    const route = classifyStreamCall(method, url.pathname);
    const seq = ledger.length + 1;
    const fault = faults.take({ seq, method, path: url.pathname, ...route, request });
    const entry: FakeCall = {
      seq,
      at: Date.now(),
      method,
      path: url.pathname,
      operation: route.operation,
      messageId: route.messageId,
      fault,
      effectApplied: false,
      simulated: undefined,
      clientSaw: { kind: "inFlight" },
    };
    ledger.push(entry);
    notify();

    const see = (saw: ClientSaw) => {
      if (entry.clientSaw.kind !== "inFlight") return;
      entry.clientSaw = saw;
      notify();
    };
    outgoing.on("finish", () => see({ kind: "response", status: outgoing.statusCode }));
    outgoing.on("close", () => see({ kind: "clientGone" }));

    const apply = (): Response => {
      const handled = sim.handle(request);
      entry.effectApplied = true;
      entry.simulated = handled.call;
      notify();
      return handled.response;
    };

    switch (fault?.kind) {
      case undefined:
        return writeResponse(outgoing, apply());
      case "delay":
        if (fault.phase === "beforeEffect") {
          await sleep(fault.ms);
          return writeResponse(outgoing, apply());
        } else {
          const response = apply();
          await sleep(fault.ms);
          return writeResponse(outgoing, response);
        }
      case "serverError":
        if (fault.applyEffect) apply();
        return writeResponse(
          outgoing,
          serverErrorResponse(fault.status ?? 500, fault.code ?? -1, route.endpoint),
        );
      case "rateLimited":
        return writeResponse(outgoing, rateLimitedResponse(fault.resetAt, fault.limit));
      case "reset":
        if (fault.applyEffect ?? true) apply();
        see({ kind: "reset" });
        resetConnection(incoming.socket);
        return;
      case "blackhole":
        if (fault.applyEffect) apply();
        see({ kind: "noAnswer" });
        return;
    }
  }

  const server = createServer((incoming, outgoing) => {
    serve(incoming, outgoing).catch((error: unknown) => {
      // A bug in the fake must not look like one of the injected faults: answer it loudly.
      if (!outgoing.headersSent && !outgoing.destroyed) {
        outgoing.writeHead(599, { "content-type": "text/plain" });
        outgoing.end(`fake stream failure: ${String(error)}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  function waitForCall(predicate: (call: FakeCall) => boolean, timeoutMs = PATIENCE_MS): Promise<FakeCall> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = ledger.find(predicate);
        if (!found) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching call to the fake Stream within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        watchers.delete(check);
      };
      watchers.add(check);
      check();
    });
  }

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: sim.apiKey,
    apiSecret: sim.apiSecret,
    sim,
    ledger,
    faults,
    waitForCall,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function serverErrorResponse(status: number, code: number, endpoint: string): Response {
  const body = streamErrorBody({ status, code, endpoint, reason: "internal server error" });
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function rateLimitedResponse(resetAt: number | undefined, limit = 60): Response {
  return new Response("Too Many Requests\n", {
    status: 429,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-ratelimit-limit": String(limit),
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(resetAt ?? Math.ceil(Date.now() / 1000) + 1),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Hooks, the other direction: Stream calling the service

export interface SendHookOptions extends Omit<HookRequestOptions, "body"> {
  /** Defaults to the global fetch; pass an app's `fetch` to call it in-process. */
  fetch?: FetchLike;
}

/** POSTs a hook signed like Stream's to `{gatehouseUrl}{path}`. */
export async function sendHook(
  gatehouseUrl: string,
  path: string,
  payload: unknown,
  opts: SendHookOptions,
): Promise<Response> {
  const { fetch: fetchImpl = fetch, ...signing } = opts;
  const hook = hookHeaders({ ...signing, body: payload });
  const target = `${gatehouseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
  return fetchImpl(target, { method: "POST", headers: hook.headers, body: hook.body });
}
