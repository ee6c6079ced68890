// The JSON error shape of Stream's REST API. Stream prefixes the reason with the name of the
// endpoint that failed, e.g. `CommitMessage failed with error: "..."`.

export interface StreamErrorBody {
  code: number;
  message: string;
  StatusCode: number;
  duration: string;
  more_info: string;
  details: unknown[];
}

export const STREAM_ERROR_CODES = {
  internal: -1,
  accessKey: 2,
  input: 4,
  authenticationFailed: 5,
  rateLimited: 9,
  notFound: 16,
  notAllowed: 17,
} as const;

/** Stream reports durations as a string with a unit, e.g. "0.84ms". */
export function formatDuration(startedAtMs: number, nowMs = performance.now()): string {
  return `${Math.max(0, nowMs - startedAtMs).toFixed(2)}ms`;
}

export function streamErrorBody(opts: {
  status: number;
  code: number;
  endpoint: string;
  reason: string;
  duration?: string;
}): StreamErrorBody {
  return {
    code: opts.code,
    message: `${opts.endpoint} failed with error: "${opts.reason}"`,
    StatusCode: opts.status,
    duration: opts.duration ?? "0.00ms",
    more_info: "https://getstream.io/chat/docs/api_errors_response",
    details: [],
  };
}
