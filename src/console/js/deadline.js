// Countdowns against the server's clock: the queue answers seconds_left as well as deadline_at,
// so a moderator whose laptop clock is off still sees the real time left.

let serverOffsetMs = 0;

/** Learns the offset from a queue answer fetched at `fetchedAt` (the local clock). */
export function learnClock(items, fetchedAt) {
  const first = items.find((item) => item.seconds_left > 0);
  if (!first) return;
  // seconds_left is rounded down: the true time left is within the next second.
  const offset = Date.parse(first.deadline_at) - (fetchedAt + first.seconds_left * 1000 + 500);
  serverOffsetMs = Math.abs(offset) < 1500 ? 0 : offset;
}

export function msLeft(deadlineIso) {
  return Date.parse(deadlineIso) - (Date.now() + serverOffsetMs);
}

/** "4m 05s", "59s", "due". */
export function formatLeft(ms) {
  if (ms <= 0) return "due";
  const total = Math.floor(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
  return `${seconds}s`;
}

/** The colour band: plenty of time, soon, urgent, past. */
export function urgency(ms) {
  if (ms <= 0) return "due";
  if (ms <= 30_000) return "urgent";
  if (ms <= 120_000) return "soon";
  return "ok";
}

/** Updates one countdown element in place. */
export function paintCountdown(element, deadlineIso) {
  const left = msLeft(deadlineIso);
  const text = formatLeft(left);
  if (element.textContent !== text) element.textContent = text;
  element.dataset.urgency = urgency(left);
}
