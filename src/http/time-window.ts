import { Problem } from "./problem.ts";

const DAY_MS = 86_400_000;

/** [since, until) from optional values: until defaults to now, since to `defaultSpanMs` (a day) before until. */
export function resolveWindow(
  sinceText?: string,
  untilText?: string,
  defaultSpanMs = DAY_MS,
): { since: Date; until: Date } {
  const until = untilText ? new Date(untilText) : new Date();
  const since = sinceText ? new Date(sinceText) : new Date(until.getTime() - defaultSpanMs);
  if (since.getTime() >= until.getTime()) {
    throw new Problem(
      "invalid_request",
      `since (${since.toISOString()}) must be earlier than until (${until.toISOString()}).`,
    );
  }
  return { since, until };
}
