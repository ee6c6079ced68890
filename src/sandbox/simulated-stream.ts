import { Hono } from "hono";
import {
  MessageStore,
  type SimulatedMessage,
  type SimulatedMessageState,
  type StreamMessage,
} from "./message-store.ts";
import { verifyServerToken } from "./server-token.ts";
import { formatDuration, STREAM_ERROR_CODES, streamErrorBody } from "./stream-errors.ts";
import { classifyStreamCall, type StreamOperation, type StreamRoute } from "./stream-routes.ts";

// A stand-in for Stream's chat API, limited to the calls this service makes (see PROTOCOL.md):
// commit, hard delete and read of pending messages, and the app settings that carry the
// pending-message hooks. It enforces Stream's authentication and its first-commit-wins rule,
// and records every call so tests can check exactly what reached "Stream".

export type { SimulatedMessage, SimulatedMessageState, StreamMessage };

export interface PendingHookConfig {
  timeout_ms?: number;
  enabled?: boolean;
  webhook_url?: string;
  callback_mode?: "CALLBACK_MODE_REST" | "CALLBACK_MODE_NONE";
}

export interface SimulatedStreamOptions {
  apiKey: string;
  apiSecret: string;
  /** Treat ids never registered as pending messages (sandbox mode: no real Stream holds them). */
  autoCreatePending?: boolean;
  /** The app's `pending_message` hooks, as `GET /app` reports them. */
  pendingHooks?: PendingHookConfig[];
  /**
   * Delete messages still pending this long after their created_at, as Stream does. Default:
   * the longest enabled hook's timeout_ms; unset, messages stay pending for ever.
   */
  pendingTimeoutMs?: number;
  /** Keep only the latest calls, so a long-running sandbox does not grow without bound. Default: all. */
  maxLedgerEntries?: number;
  /** Keep only the latest messages, for the same reason. Default: all. */
  maxMessages?: number;
}

/** What a call did to the server's state. */
export type CallEffect = "committed" | "hard-deleted" | "soft-deleted" | null;

export interface SimulatedCall {
  /** 1, 2, 3... in arrival order. */
  seq: number;
  /** Epoch milliseconds when the call was handled. */
  at: number;
  method: string;
  /** The pathname as sent, still percent-encoded. */
  path: string;
  query: Record<string, string>;
  operation: StreamOperation;
  messageId: string | undefined;
  status: number;
  effect: CallEffect;
  /** The caller's `x-client-request-id`, to correlate with its logs. */
  clientRequestId: string | undefined;
}

export interface HandledCall {
  response: Response;
  call: SimulatedCall;
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface SimulatedStream {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Serves Stream's routes under both `/` and `/api/v2/chat`. */
  readonly app: Hono;
  /** `fetch` answered in-process by `app`, for a client whose base URL is any origin. */
  readonly fetch: FetchLike;
  /** Handles one request and says what it did; `app` is a thin wrapper around this. */
  handle(request: Request): HandledCall;
  /** Every call in arrival order, including refused ones (the latest `maxLedgerEntries`, if set). Live. */
  readonly ledger: readonly SimulatedCall[];
  /** Registers a message as Stream holds it after a pending-message hook fired. */
  addPending(message: StreamMessage, metadata?: Record<string, string>): SimulatedMessage;
  /** The other pending-message hook (or a moderator in Stream's dashboard) commits it. */
  commitExternally(id: string): boolean;
  /** Stream deletes it: the pending timeout ran out, or its author or an admin deleted it. */
  deleteExternally(id: string): boolean;
  get(id: string): SimulatedMessage | undefined;
  messages(): SimulatedMessage[];
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

interface Reply {
  status: number;
  body: unknown;
  effect: CallEffect;
}

export function createSimulatedStream(opts: SimulatedStreamOptions): SimulatedStream {
  const hookTimeouts = (opts.pendingHooks ?? [])
    .filter((hook) => hook.enabled !== false && hook.timeout_ms !== undefined)
    .map((hook) => hook.timeout_ms as number);
  const pendingTimeoutMs =
    opts.pendingTimeoutMs ?? (hookTimeouts.length > 0 ? Math.max(...hookTimeouts) : undefined);
  const store = new MessageStore(opts.autoCreatePending ?? false, pendingTimeoutMs, opts.maxMessages);
  const ledger: SimulatedCall[] = [];
  let callCount = 0;
  const appSettings = buildAppSettings(opts);

  function error(route: StreamRoute, status: number, code: number, reason: string, startedAt: number): Reply {
    const body = streamErrorBody({
      status,
      code,
      endpoint: route.endpoint,
      reason,
      duration: formatDuration(startedAt),
    });
    return { status, body, effect: null };
  }

  // Stream checks the key, then the auth type, then the token, before looking at the request.
  function refuseUnauthenticated(request: Request, url: URL, route: StreamRoute, startedAt: number) {
    if (url.searchParams.get("api_key") !== opts.apiKey) {
      return error(route, 401, STREAM_ERROR_CODES.accessKey, "api_key not found or not valid", startedAt);
    }
    if (request.headers.get("stream-auth-type") !== "jwt") {
      return error(
        route,
        401,
        STREAM_ERROR_CODES.authenticationFailed,
        "stream-auth-type missing or invalid",
        startedAt,
      );
    }
    const token = verifyServerToken(request.headers.get("authorization") ?? undefined, opts.apiSecret);
    if (!token.ok) return error(route, 401, token.code, token.reason, startedAt);
    return undefined;
  }

  function perform(route: StreamRoute, url: URL, startedAt: number): Reply {
    const id = route.messageId ?? "";
    const ok = (status: number, body: Record<string, unknown>, effect: CallEffect = null): Reply => ({
      status,
      body: { ...body, duration: formatDuration(startedAt) },
      effect,
    });

    switch (route.operation) {
      case "commit": {
        const outcome = store.commit(id, "api");
        if (outcome.ok) return ok(201, { message: outcome.message }, "committed");
        if (outcome.reason === "not-found") {
          return error(route, 404, STREAM_ERROR_CODES.notFound, `message with id ${id} not found`, startedAt);
        }
        return error(
          route,
          400,
          STREAM_ERROR_CODES.input,
          `message with id ${id} is not pending, it is ${outcome.state}`,
          startedAt,
        );
      }
      case "delete": {
        const hard = ["true", "1"].includes(url.searchParams.get("hard") ?? "");
        const outcome = store.delete(id, { hard, by: "api" });
        if (outcome.ok) return ok(200, { message: outcome.message }, hard ? "hard-deleted" : "soft-deleted");
        if (outcome.reason === "not-found") {
          return error(route, 404, STREAM_ERROR_CODES.notFound, `message with id ${id} not found`, startedAt);
        }
        return error(
          route,
          400,
          STREAM_ERROR_CODES.input,
          "pending messages cannot be soft deleted, use hard=true",
          startedAt,
        );
      }
      case "get": {
        const found = store.read(id);
        if (!found) {
          return error(route, 404, STREAM_ERROR_CODES.notFound, `message with id ${id} not found`, startedAt);
        }
        const metadata =
          found.state === "pending" && found.metadata ? { pending_message_metadata: found.metadata } : {};
        return ok(200, { message: found.message, ...metadata });
      }
      case "app":
        return ok(200, { app: appSettings });
      case "unknown":
        // Unreachable: unknown routes are answered before authentication.
        return error(route, 404, STREAM_ERROR_CODES.notFound, "route not found", startedAt);
    }
  }

  function handle(request: Request): HandledCall {
    const startedAt = performance.now();
    const url = new URL(request.url);
    const route = classifyStreamCall(request.method, url.pathname);

    let response: Response;
    let reply: Reply | undefined;
    if (route.operation === "unknown") {
      // Stream's router answers unknown paths like Go's default mux: plain text, no JSON.
      response = new Response("404 page not found\n", {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    } else {
      reply = refuseUnauthenticated(request, url, route, startedAt) ?? perform(route, url, startedAt);
      response = new Response(JSON.stringify(reply.body), {
        status: reply.status,
        headers: { ...JSON_HEADERS, ...rateLimitHeaders() },
      });
    }

    const call: SimulatedCall = {
      seq: ++callCount,
      at: Date.now(),
      method: request.method.toUpperCase(),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      operation: route.operation,
      messageId: route.messageId,
      status: response.status,
      effect: reply?.effect ?? null,
      clientRequestId: request.headers.get("x-client-request-id") ?? undefined,
    };
    ledger.push(call);
    if (opts.maxLedgerEntries !== undefined && ledger.length > opts.maxLedgerEntries) {
      ledger.splice(0, ledger.length - opts.maxLedgerEntries);
    }
    return { response, call };
  }

  const app = new Hono();
  app.all("*", (c) => handle(c.req.raw).response);

  return {
    apiKey: opts.apiKey,
    apiSecret: opts.apiSecret,
    app,
    fetch: async (input, init) => app.fetch(new Request(input, init)),
    handle,
    ledger,
    addPending: (message, metadata) => store.addPending(message, metadata),
    commitExternally: (id) => store.commit(id, "external").ok,
    deleteExternally: (id) => store.delete(id, { hard: true, by: "external" }).ok,
    get: (id) => store.get(id),
    messages: () => store.all(),
  };
}

// Stream reports its rate-limit window on every answer; a generous, never-exhausted one here.
function rateLimitHeaders(): Record<string, string> {
  const nextMinute = Math.ceil(Date.now() / 60_000) * 60;
  return {
    "x-ratelimit-limit": "10000",
    "x-ratelimit-remaining": "9999",
    "x-ratelimit-reset": String(nextMinute),
  };
}

function buildAppSettings(opts: SimulatedStreamOptions): Record<string, unknown> {
  const createdAt = new Date().toISOString();
  const pendingHooks = (opts.pendingHooks ?? []).map((hook, index) => ({
    id: `pending-hook-${index + 1}`,
    hook_type: "pending_message",
    enabled: hook.enabled ?? true,
    webhook_url: hook.webhook_url ?? "http://127.0.0.1:8787/hooks/stream",
    ...(hook.timeout_ms === undefined ? {} : { timeout_ms: hook.timeout_ms }),
    callback: { mode: hook.callback_mode ?? "CALLBACK_MODE_REST" },
    created_at: createdAt,
    updated_at: createdAt,
  }));
  return {
    name: "simulated-app",
    organization: "simulated-organization",
    disable_auth_checks: false,
    disable_permissions_checks: false,
    // A plain webhook next to the pending-message hooks, as real apps often have, so a reader
    // of event_hooks must filter by hook_type.
    event_hooks: [
      {
        id: "webhook-1",
        hook_type: "webhook",
        enabled: true,
        webhook_url: "http://127.0.0.1:9/events",
        event_types: [],
        created_at: createdAt,
        updated_at: createdAt,
      },
      ...pendingHooks,
    ],
  };
}
