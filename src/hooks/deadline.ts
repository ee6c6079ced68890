import type { StreamClient } from "../dispatch/stream-client.ts";

export interface PendingHookSettings {
  enabled?: boolean;
  hook_type?: string;
  timeout_ms?: number;
}

export type TimeoutSource = "PENDING_TIMEOUT_MS" | "stream_app" | "default";

/**
 * The pending timeout Stream applies to our messages: the longest of the app's enabled
 * pending_message hooks (Stream uses the longest when several set one).
 */
export function timeoutFromAppHooks(hooks: readonly PendingHookSettings[]): number | undefined {
  const timeouts = hooks
    .filter((hook) => hook.hook_type === "pending_message" && hook.enabled !== false)
    .map((hook) => hook.timeout_ms)
    .filter((ms): ms is number => typeof ms === "number" && ms > 0);
  return timeouts.length > 0 ? Math.max(...timeouts) : undefined;
}

/** PENDING_TIMEOUT_MS, else the app's hooks from GET /app, else Stream's 3-day default. */
export async function resolvePendingTimeout(
  configured: number | undefined,
  fallbackMs: number,
  stream: Pick<StreamClient, "getApp">,
): Promise<{ timeoutMs: number; source: TimeoutSource; detail?: string }> {
  if (configured !== undefined) return { timeoutMs: configured, source: "PENDING_TIMEOUT_MS" };
  const app = await stream.getApp();
  if (app.kind === "ok") {
    const hooks = (app.body as { app?: { event_hooks?: PendingHookSettings[] } })?.app?.event_hooks ?? [];
    const fromApp = timeoutFromAppHooks(hooks);
    if (fromApp !== undefined) return { timeoutMs: fromApp, source: "stream_app" };
    return {
      timeoutMs: fallbackMs,
      source: "default",
      detail: "GET /app lists no enabled pending_message hook with timeout_ms",
    };
  }
  return { timeoutMs: fallbackMs, source: "default", detail: `GET /app failed: ${app.message}` };
}

/**
 * deadline = message.created_at (or receipt time) + timeout. A created_at later than our receipt
 * (clock skew, or a forged field) is ignored: the deadline must never move past Stream's own.
 */
export function computeDeadline(
  createdAt: string | null | undefined,
  receivedAt: Date,
  timeoutMs: number,
): Date {
  const created = createdAt ? Date.parse(createdAt) : Number.NaN;
  // Before 1970 is no real message's time; clamping keeps such a deadline past (the message
  // expires) and within what Postgres can store (a year like -271821 is not).
  const start = Number.isFinite(created)
    ? Math.max(0, Math.min(created, receivedAt.getTime()))
    : receivedAt.getTime();
  return new Date(start + timeoutMs);
}
