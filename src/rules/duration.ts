const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "500ms", "10s", "1m", "2h", "1d" (a positive integer and a unit); null if malformed. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = UNIT_MS[match[2] as string] as number;
  if (!Number.isSafeInteger(amount) || amount <= 0) return null;
  return amount * unit;
}
