import { Problem } from "./problem.ts";

const DAY_MS = 86_400_000;

/** [since, until) from optional query values: until defaults to now, since to a day before until. */
export function resolveWindow(sinceText?: string, untilText?: string): { since: Date; until: Date } {
  const until = untilText ? new Date(untilText) : new Date();
  const since = sinceText ? new Date(sinceText) : new Date(until.getTime() - DAY_MS);
  if (since.getTime() >= until.getTime()) {
    throw new Problem(
      "invalid_request",
      `since (${since.toISOString()}) must be earlier than until (${until.toISOString()}).`,
    );
  }
  return { since, until };
}
