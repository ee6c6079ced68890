import type { RawQuery } from "./client.ts";

/**
 * Postgres's clock, read in the process. Every comparison of times the service makes (a row due,
 * a lease run out, a deadline passed) is against Postgres's `now()`, the one clock all replicas
 * share; code that must decide in the process (time left before a deadline, when to try again)
 * uses this instead of Date.now(), so a replica whose own clock is off does not act early or late.
 *
 * It keeps the offset between the two clocks, measured by `sync()` (half the round trip counted
 * on each side), and reads the local clock plus that offset.
 */
export class DbClock {
  private offsetMs = 0;
  private syncedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly query: RawQuery,
    private readonly localNow: () => number = Date.now,
  ) {}

  /** Milliseconds since the epoch on Postgres's clock. */
  now = (): number => this.localNow() + this.offsetMs;

  /** Local minus Postgres, as last measured. */
  get skewMs(): number {
    return -this.offsetMs;
  }

  /** Measures the offset again. */
  async sync(): Promise<void> {
    const sentAt = this.localNow();
    const [row] = await this.query<{ ms: string | number }>(
      "select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms",
      [],
    );
    const receivedAt = this.localNow();
    this.offsetMs = Number(row!.ms) - (sentAt + receivedAt) / 2;
    this.syncedAt = receivedAt;
  }

  /** Measures again if the last measure is older than `maxAgeMs`; never throws. */
  async refresh(maxAgeMs: number): Promise<void> {
    if (this.localNow() - this.syncedAt < maxAgeMs) return;
    await this.sync().catch(() => {});
  }
}
