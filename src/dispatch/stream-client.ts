import { randomUUID } from "node:crypto";
import { fetchTransport, type HttpAnswer, nodeHttpTransport, TimeoutError } from "./http-transport.ts";
import { serverToken } from "./stream-jwt.ts";

/**
 * What a call to Stream came to, in the terms the dispatcher decides on:
 * - `ok`: Stream answered 2xx; the effect happened.
 * - `refused`: Stream answered with a definite error (4xx in its JSON error shape, with its
 *   numeric `code`); the effect did not happen now.
 * - `rate_limited`: 429; nothing happened; try again at `retryAt`.
 * - `unknown`: timeout, connection error, 408 or 5xx; the effect may or may not have happened.
 * - `not_stream`: a 4xx that is not Stream's error (a proxy's page, a mistyped `STREAM_BASE_URL`):
 *   nothing can be concluded from it, least of all that the message is gone. Retried like an
 *   unknown outcome, and counted apart so it can be alarmed on.
 */
export type StreamOutcome =
  | { kind: "ok"; status: number; body: unknown }
  | { kind: "refused"; status: number; code: number; message: string }
  | { kind: "rate_limited"; status: 429; retryAt: number; message: string }
  | { kind: "unknown"; status: number | undefined; message: string }
  | { kind: "not_stream"; status: number; message: string };

/** Stream's error code for "not found" (PROTOCOL.md). */
export const STREAM_NOT_FOUND_CODE = 16;

/**
 * Stream itself says it does not have the message: its JSON 404 with code 16. Any other 404 (an
 * HTML page, a proxy, a wrong base URL) says nothing about the message.
 */
export function isGone(outcome: StreamOutcome): boolean {
  return outcome.kind === "refused" && outcome.status === 404 && outcome.code === STREAM_NOT_FOUND_CODE;
}

export interface StreamClient {
  commitMessage(id: string, options?: CallOptions): Promise<StreamOutcome>;
  hardDeleteMessage(id: string, options?: CallOptions): Promise<StreamOutcome>;
  getMessage(id: string, options?: CallOptions): Promise<StreamOutcome>;
  getApp(options?: CallOptions): Promise<StreamOutcome>;
}

export interface CallOptions {
  /** Upper bound for this call, e.g. the time left before the message's deadline. */
  timeoutMs?: number;
}

export interface StreamClientOptions {
  apiKey: string;
  /** The secret our calls are signed with (the first of a rotation list). */
  secret: string;
  baseUrl: string;
  timeoutMs: number;
  /** Replaces global fetch: the sandbox routes calls into the in-process simulated Stream. */
  fetch?: typeof fetch;
  clientName?: string;
}

const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;

export function createStreamClient(options: StreamClientOptions): StreamClient {
  const send = options.fetch ? fetchTransport(options.fetch) : nodeHttpTransport();
  const token = serverToken(options.secret);
  const base = options.baseUrl.replace(/\/+$/, "");
  const clientName = options.clientName ?? "gatehouse-0.1.0";

  async function call(
    method: string,
    path: string,
    query: Record<string, string>,
    callOptions?: CallOptions,
  ) {
    const url = new URL(`${base}${path}`);
    url.searchParams.set("api_key", options.apiKey);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const timeoutMs = Math.max(
      1,
      Math.min(options.timeoutMs, callOptions?.timeoutMs ?? Number.POSITIVE_INFINITY),
    );
    let answer: HttpAnswer;
    try {
      answer = await send(
        method,
        url,
        {
          Authorization: token,
          "stream-auth-type": "jwt",
          "X-Stream-Client": clientName,
          "x-client-request-id": randomUUID(),
          ...(method === "POST" ? { "Content-Type": "application/json" } : {}),
        },
        method === "POST" ? "{}" : undefined,
        timeoutMs,
      );
    } catch (error) {
      const { cause, code } = error as { cause?: { code?: string }; code?: string };
      const message =
        error instanceof TimeoutError ? error.message : (cause?.code ?? code ?? (error as Error).message);
      return { kind: "unknown", status: undefined, message } satisfies StreamOutcome;
    }
    return classify(answer);
  }

  const messagePath = (id: string) => `/messages/${encodeURIComponent(id)}`;
  /** Receipt refuses such ids; a row stored before that rule must still never reach another path. */
  const onMessage = (id: string, send: () => Promise<StreamOutcome>): Promise<StreamOutcome> =>
    isPathSegmentSafe(id)
      ? send()
      : Promise.resolve({
          kind: "refused",
          status: 400,
          // Stream's code for an input error: the request was never sent.
          code: 4,
          message: `message id ${JSON.stringify(id)} cannot be sent in a URL path; nothing was called`,
        });
  return {
    commitMessage: (id, o) => onMessage(id, () => call("POST", `${messagePath(id)}/commit`, {}, o)),
    hardDeleteMessage: (id, o) => onMessage(id, () => call("DELETE", messagePath(id), { hard: "true" }, o)),
    getMessage: (id, o) => onMessage(id, () => call("GET", messagePath(id), {}, o)),
    getApp: (o) => call("GET", "/app", {}, o),
  };
}

/**
 * encodeURIComponent leaves "." alone, and URLs resolve a "." or ".." segment (encoded or not)
 * against the path: an id of ".." would turn POST /messages/../commit into POST /commit.
 */
export function isPathSegmentSafe(id: string): boolean {
  return id !== "" && id !== "." && id !== "..";
}

function classify(answer: HttpAnswer): StreamOutcome {
  const { status, text } = answer;
  const body = parseJson(text);
  if (status >= 200 && status < 300) return { kind: "ok", status, body };
  const errorBody = (body ?? {}) as { code?: unknown; message?: unknown };
  const message =
    typeof errorBody.message === "string" ? errorBody.message : text.slice(0, 300) || `HTTP ${status}`;
  if (status === 429) {
    return { kind: "rate_limited", status, retryAt: rateLimitReset(answer), message };
  }
  if (status === 408 || status >= 500) return { kind: "unknown", status, message };
  if (typeof errorBody.code !== "number") {
    return {
      kind: "not_stream",
      status,
      message: `HTTP ${status} without Stream's JSON error (is STREAM_BASE_URL right? a proxy in the way?): ${text.slice(0, 200)}`,
    };
  }
  return { kind: "refused", status, code: errorBody.code, message };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** X-RateLimit-Reset is unix seconds; Retry-After (seconds) is honoured too when an edge sends it. */
function rateLimitReset(answer: HttpAnswer): number {
  const reset = Number(answer.header("x-ratelimit-reset"));
  if (Number.isFinite(reset) && reset > 0) return reset * 1000;
  const retryAfter = Number(answer.header("retry-after"));
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Date.now() + retryAfter * 1000;
  return Date.now() + DEFAULT_RATE_LIMIT_WAIT_MS;
}
