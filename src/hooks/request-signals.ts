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

export function requestSignals(info: RequestInfo | null | undefined): RequestSignals {
  const ip = info?.ip?.trim();
  return {
    // Only a well-formed address goes into the inet column; the raw value stays in request_info.
    ip: ip && isIP(ip) ? ip : null,
    userAgent: info?.user_agent ?? null,
    sdk: info?.sdk ?? null,
    ext: info?.ext ?? null,
    requestType: info?.type ?? null,
  };
}
