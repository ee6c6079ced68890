import { isIP } from "node:net";
import type { RequestInfo } from "./payload.ts";

/** The sender's request signals as the decision log's columns. */
export interface RequestSignals {
  ip: string | null;
  userAgent: string | null;
  sdk: string | null;
  ext: string | null;
  requestType: string | null;
}

/**
 * The address as the inet column can hold it, or null when it is no address. An IPv6 address may
 * carry a zone id (`fe80::1%eth0`), which Node accepts and Postgres refuses: it is left out here
 * (the raw value stays in request_info), or the receipt would fail on every retry.
 */
export function storableIp(raw: string | null | undefined): string | null {
  const trimmed = raw?.trim();
  if (!trimmed || !isIP(trimmed)) return null;
  const zone = trimmed.indexOf("%");
  return zone >= 0 ? trimmed.slice(0, zone) : trimmed;
}

export function requestSignals(info: RequestInfo | null | undefined): RequestSignals {
  return {
    // Only a well-formed address goes into the inet column; the raw value stays in request_info.
    ip: storableIp(info?.ip),
    userAgent: info?.user_agent ?? null,
    sdk: info?.sdk ?? null,
    ext: info?.ext ?? null,
    requestType: info?.type ?? null,
  };
}
