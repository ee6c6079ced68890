import { storableIp } from "../../hooks/request-signals.ts";
import type { RateQuery } from "../../rules/types.ts";

/** Keys the live path counts by: the user id, or the IP in the form the decision log stores. */
function senderKey(by: RateQuery["by"], value: string | null | undefined): string | null {
  if (!value) return null;
  if (by === "user") return `user:${value}`;
  const ip = storableIp(value);
  return ip ? `ip:${ip}` : null;
}

/** How many additions between sweeps of senders who fell out of every window. */
const SWEEP_EVERY = 10_000;

/**
 * Rate counts for a replay, from the stored messages themselves: each sender's receipt times,
 * oldest first, kept only as far back as the longest window (so memory is bounded by the
 * messages of one window, not of the whole replay). Counts what the live path counts: a user's
 * earlier messages, and an IP's earlier messages that the rules decided.
 */
export class RateHistory {
  private readonly times = new Map<string, { at: number[]; start: number }>();
  private added = 0;

  constructor(private readonly longestWindowMs: number) {}

  /** Records one stored message; messages must be added in receipt order. */
  add(userId: string | null, ip: string | null, receivedMs: number): void {
    if (this.longestWindowMs <= 0) return;
    this.push(senderKey("user", userId), receivedMs);
    this.push(senderKey("ip", ip), receivedMs);
    if (++this.added % SWEEP_EVERY === 0) this.sweep(receivedMs);
  }

  /** Earlier messages per query key in each query's window before `receivedMs`. */
  counts(queries: readonly RateQuery[], receivedMs: number): Map<string, number> {
    const counts = new Map<string, number>();
    for (const query of queries) counts.set(query.key, this.count(query, receivedMs));
    return counts;
  }

  private count(query: RateQuery, receivedMs: number): number {
    const key = senderKey(query.by, query.value);
    const entry = key ? this.times.get(key) : undefined;
    if (!entry) return 0;
    // The live path counts received_at > receivedAt - window: find the first time past that.
    const after = receivedMs - query.windowMs;
    let low = entry.start;
    let high = entry.at.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((entry.at[middle] as number) > after) high = middle;
      else low = middle + 1;
    }
    return entry.at.length - low;
  }

  private push(key: string | null, receivedMs: number): void {
    if (!key) return;
    let entry = this.times.get(key);
    if (!entry) {
      entry = { at: [], start: 0 };
      this.times.set(key, entry);
    }
    entry.at.push(receivedMs);
    const oldest = receivedMs - this.longestWindowMs;
    while ((entry.at[entry.start] as number) <= oldest) entry.start++;
    // Drop what fell out of the window once it is most of the array (amortised linear).
    if (entry.start > 64 && entry.start * 2 > entry.at.length) {
      entry.at = entry.at.slice(entry.start);
      entry.start = 0;
    }
  }

  private sweep(nowMs: number): void {
    const oldest = nowMs - this.longestWindowMs;
    for (const [key, entry] of this.times) {
      if ((entry.at[entry.at.length - 1] as number) <= oldest) this.times.delete(key);
    }
  }
}
