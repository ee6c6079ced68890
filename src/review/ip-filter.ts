import { isIP } from "node:net";

/**
 * An IPv4/IPv6 address or CIDR block, normalised for Postgres' inet: a bare address means that
 * one host. Returns undefined for anything else, so the caller can say so before querying.
 */
export function parseIpFilter(value: string): string | undefined {
  const trimmed = value.trim();
  const [address, prefix, extra] = trimmed.split("/");
  // isIP accepts a zone ("fe80::1%eth0"), which means nothing off the host and Postgres refuses.
  if (extra !== undefined || !address || address.includes("%")) return undefined;
  const family = isIP(address);
  if (family === 0) return undefined;
  if (prefix === undefined) return address;
  if (!/^\d{1,3}$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  return bits <= (family === 4 ? 32 : 128) ? `${address}/${bits}` : undefined;
}
