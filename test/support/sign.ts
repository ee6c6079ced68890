import { createHmac, randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";

// Signs and shapes pending-message hooks the way Stream sends them (see PROTOCOL.md).

/** Lowercase hex HMAC-SHA256 of the raw body bytes, keyed with the API secret. */
export function signBody(raw: string | Buffer, secret: string): string {
  return createHmac("sha256", secret).update(raw).digest("hex");
}

export interface HookRequestOptions {
  apiKey: string;
  secret: string;
  /** A payload object is serialised with JSON.stringify; a string or Buffer is sent as is. */
  body: unknown;
  /** Stable across retries of one delivery. Default: a new UUID. */
  webhookId?: string;
  attempt?: number;
  /** Compress the body; the signature still covers the uncompressed bytes, as Stream does. */
  gzip?: boolean;
  /** Send this X-Signature instead of the right one. */
  signature?: string;
}

export interface HookRequest {
  headers: Record<string, string>;
  /** The bytes to send: compressed when `gzip` is set. */
  body: string | Buffer;
  /** The bytes the signature covers. */
  signedBody: string | Buffer;
  webhookId: string;
}

export function rawHookBody(body: unknown): string | Buffer {
  return typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
}

export function hookHeaders(opts: HookRequestOptions): HookRequest {
  const signedBody = rawHookBody(opts.body);
  const webhookId = opts.webhookId ?? randomUUID();
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "X-Signature": opts.signature ?? signBody(signedBody, opts.secret),
    "X-Api-Key": opts.apiKey,
    "X-Webhook-Id": webhookId,
    "X-Webhook-Attempt": String(opts.attempt ?? 1),
  };
  if (!opts.gzip) return { headers, body: signedBody, signedBody, webhookId };
  headers["Content-Encoding"] = "gzip";
  return { headers, body: gzipSync(signedBody), signedBody, webhookId };
}

export interface StreamMessagePayload {
  id: string;
  [field: string]: unknown;
}

export interface RequestInfo {
  type?: string;
  ip?: string;
  user_agent?: string;
  sdk?: string;
  ext?: string;
  [field: string]: unknown;
}

export interface PendingMessagePayload {
  message: StreamMessagePayload;
  metadata: Record<string, string>;
  request_info?: RequestInfo;
}

export interface PendingMessageOverrides {
  /** Merged over the default message; a `text` without `html` also sets a matching `html`. */
  message?: Partial<StreamMessagePayload>;
  /** Replaces the default metadata. */
  metadata?: Record<string, string>;
  /** Merged over the default; `null` leaves it out, as in a server-side send. */
  request_info?: RequestInfo | null;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;");
}

/** A body like Stream's PassOnPendingMessage / DeletedPendingMessage hook. */
export function pendingMessagePayload(overrides: PendingMessageOverrides = {}): PendingMessagePayload {
  const now = new Date().toISOString();
  const text = overrides.message?.text ?? "Hello there, anyone around?";
  const userCreatedAt = "2024-03-11T09:12:44.517396Z";
  const message: StreamMessagePayload = {
    id: `msg-${randomUUID()}`,
    text,
    html: `<p>${escapeHtml(String(text))}</p>\n`,
    type: "regular",
    cid: "messaging:general",
    user: {
      id: "alice",
      role: "user",
      name: "Alice",
      banned: false,
      online: true,
      created_at: userCreatedAt,
      updated_at: userCreatedAt,
      last_active: now,
      teams: [],
    },
    attachments: [],
    latest_reactions: [],
    own_reactions: [],
    reaction_counts: {},
    reaction_scores: {},
    reply_count: 0,
    deleted_reply_count: 0,
    mentioned_users: [],
    silent: false,
    pinned: false,
    pinned_at: null,
    pinned_by: null,
    pin_expires: null,
    shadowed: false,
    restricted_visibility: [],
    created_at: now,
    updated_at: now,
    ...overrides.message,
  };
  const requestInfo: RequestInfo = {
    type: "client",
    ip: "203.0.113.24",
    user_agent:
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
    sdk: "stream-chat-react-12.13.1-stream-chat-javascript-client-browser-9.53.0",
    ext: "",
    ...overrides.request_info,
  };
  return {
    message,
    metadata: overrides.metadata ?? { client_version: "web-2.4.0", locale: "en-US" },
    ...(overrides.request_info === null ? {} : { request_info: requestInfo }),
  };
}
