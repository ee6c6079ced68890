import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

interface ProblemKind {
  status: ContentfulStatusCode;
  title: string;
  /** When a client gets it and what to do: the OpenAPI error descriptions are built from it. */
  description: string;
}

/**
 * Every problem the service answers with, by its stable `code`: the one place a code gets its
 * status and title. Handlers build a problem from a code and a detail saying what went wrong this
 * time; the OpenAPI document lists, for each route, the codes it can answer with.
 */
export const PROBLEMS = {
  invalid_request: {
    status: 400,
    title: "Invalid request",
    description: "A parameter or the body is invalid; `detail` names the field.",
  },
  invalid_cursor: {
    status: 400,
    title: "Invalid cursor",
    description: "`cursor` is not a `next_cursor` this service issued; omit it to start over.",
  },
  invalid_json: {
    status: 400,
    title: "Body is not JSON",
    description: "The hook's body could not be parsed.",
  },
  invalid_payload: {
    status: 400,
    title: "Invalid payload",
    description: "The hook's payload does not have the shape Stream sends; `detail` names the field.",
  },
  missing_message_id: {
    status: 400,
    title: "No message.id",
    description: "The hook's payload has no `message.id`.",
  },
  bad_encoding: {
    status: 400,
    title: "Unreadable body",
    description: "The hook's Content-Encoding is neither gzip nor identity, or the gzip is broken.",
  },
  unauthenticated: {
    status: 401,
    title: "Authentication required",
    description: "No `Authorization: Bearer <token>` header.",
  },
  invalid_token: {
    status: 401,
    title: "Invalid token",
    description: "The bearer token is unknown, or its moderator is disabled.",
  },
  unknown_api_key: {
    status: 401,
    title: "Unknown API key",
    description: "`X-Api-Key` is missing or is not STREAM_API_KEY.",
  },
  invalid_signature: {
    status: 401,
    title: "Invalid signature",
    description: "`X-Signature` is missing or is not the HMAC-SHA256 of the body with STREAM_API_SECRET.",
  },
  forbidden: { status: 403, title: "Admin only", description: "The route needs an admin token." },
  not_found: { status: 404, title: "Not found", description: "No such route; /docs lists them." },
  message_not_found: {
    status: 404,
    title: "Unknown message",
    description: "No message with this id has been received.",
  },
  moderator_not_found: { status: 404, title: "Unknown moderator", description: "No moderator has this id." },
  rules_version_not_found: {
    status: 404,
    title: "Unknown rules version",
    description:
      "No rule set with this version was ever recorded in force; GET /api/rules/versions lists them.",
  },
  backtest_not_found: {
    status: 404,
    title: "Unknown backtest",
    description:
      "No backtest has this id, or it expired (BACKTEST_KEEP_MS); GET /api/rules/backtest lists them.",
  },
  rules_invalid: {
    status: 400,
    title: "Invalid rules",
    description:
      "The candidate rules file does not compile; `detail`, `line`, `ruleId` and `field` say where.",
  },
  backtest_busy: {
    status: 429,
    title: "A backtest is running",
    description:
      "This replica runs one backtest at a time; wait for it to finish or cancel it, then start yours.",
  },
  backtest_finished: {
    status: 409,
    title: "Backtest already ended",
    description: "The backtest finished, failed or was cancelled already; there is nothing to cancel.",
  },
  claimed: {
    status: 409,
    title: "Claimed by another moderator",
    description: "Another moderator holds the claim on the message (`claimed_by` says who, until when).",
  },
  already_decided: {
    status: 409,
    title: "Already decided",
    description: "The message was decided already (`current_status` says how).",
  },
  message_expired: {
    status: 410,
    title: "Message expired",
    description: "The message's pending deadline passed: Stream no longer holds it.",
  },
  message_deleted: {
    status: 410,
    title: "Message deleted",
    description: "The message was deleted upstream (DeletedPendingMessage) before it was decided.",
  },
  body_too_large: {
    status: 413,
    title: "Body too large",
    description:
      "The body is over the route's limit: MAX_BODY_BYTES for a hook (also once inflated), BACKTEST_BODY_LIMIT_BYTES (4 MB by default) for POST /api/rules/backtest, API_BODY_LIMIT_BYTES (64 KB by default) for every other route.",
  },
  internal: {
    status: 500,
    title: "Internal error",
    description: "Something went wrong on the service's side; it has been logged.",
  },
  database_unavailable: {
    status: 503,
    title: "Storage unavailable",
    description: "The receipt could not be made durable in time; retry after `Retry-After` seconds.",
  },
  shutting_down: {
    status: 503,
    title: "Shutting down",
    description: "This replica is shutting down; retry after `Retry-After` seconds (on another).",
  },
  events_unavailable: {
    status: 503,
    title: "Live updates unavailable",
    description: "GET /api/events could not listen for queue changes on the database; retry in a moment.",
  },
} as const satisfies Record<string, ProblemKind>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface ProblemOptions {
  /** More members of the problem+json body (`current_status`, `claimed_by`, `limit_bytes`...). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/**
 * An error a client can act on, answered as RFC 9457 problem+json with a stable `code` that
 * tools can branch on. Anything else that escapes a handler is a 500 with no internals exposed.
 */
export class Problem extends Error {
  readonly status: ContentfulStatusCode;
  readonly title: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    options: ProblemOptions = {},
  ) {
    const kind: ProblemKind = PROBLEMS[code];
    super(`${kind.title}: ${detail}`);
    this.name = "Problem";
    this.status = kind.status;
    this.title = kind.title;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

export function problemResponse(c: Context, problem: Problem): Response {
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value);
  return c.body(
    JSON.stringify({
      type: `https://gatehouse.dev/problems/${problem.code}`,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      code: problem.code,
      ...problem.extra,
    }),
    problem.status,
    { "Content-Type": "application/problem+json" },
  );
}
