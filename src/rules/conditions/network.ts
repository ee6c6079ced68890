import ipaddr from "ipaddr.js";
import { SpecError } from "../errors.ts";
import { expectStringList } from "../validate.ts";
import type { ConditionDefinition } from "./types.ts";

type Range = { kind: "ipv4" | "ipv6"; address: ipaddr.IPv4 | ipaddr.IPv6; prefix: number; text: string };

/** Parses "203.0.113.7", "203.0.113.0/24", "2001:db8::/32"; IPv4-mapped IPv6 ranges become IPv4. */
export function parseIpRange(text: string): Range | null {
  try {
    let address: ipaddr.IPv4 | ipaddr.IPv6;
    let prefix: number;
    if (text.includes("/")) {
      [address, prefix] = ipaddr.parseCIDR(text);
    } else {
      address = ipaddr.parse(text);
      prefix = address.kind() === "ipv4" ? 32 : 128;
    }
    if (address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() && prefix >= 96) {
      return { kind: "ipv4", address: address.toIPv4Address(), prefix: prefix - 96, text };
    }
    return { kind: address.kind(), address, prefix, text };
  } catch {
    return null;
  }
}

/** Longest client address text parsed (IPv6 with an IPv4 tail is 45, plus brackets, zone, port). */
export const MAX_CLIENT_IP_LENGTH = 128;

/**
 * The client address as the rules see it: IPv4-mapped IPv6 ("::ffff:203.0.113.7", as a dual-stack
 * proxy reports it) is unwrapped so IPv4 ranges match it. A trailing port is tolerated.
 */
export function parseClientIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  let candidate = text.trim();
  // The longest real form, "[v6 with an embedded v4 and a zone]:port", is well under this; parsing
  // anything longer would only spend time on a client-chosen string that cannot be an address.
  if (candidate.length > MAX_CLIENT_IP_LENGTH) return null;
  if (!ipaddr.isValid(candidate)) {
    const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(candidate);
    const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(candidate);
    candidate = bracketed?.[1] ?? v4WithPort?.[1] ?? candidate;
    if (!ipaddr.isValid(candidate)) return null;
  }
  try {
    return ipaddr.process(candidate);
  } catch {
    return null;
  }
}

export const ipIn: ConditionDefinition = {
  key: "ip_in",
  compile(raw, path) {
    const ranges = expectStringList(raw, path).map((text, index) => {
      const range = parseIpRange(text);
      if (!range) throw new SpecError([...path, index], `"${text}" is not an IP address or CIDR range`);
      return range;
    });
    return {
      key: "ip_in",
      test(ctx) {
        const ipText = ctx.input.requestInfo?.ip;
        if (!ipText) return null;
        const address = parseClientIp(ipText);
        if (!address) return null;
        const kind = address.kind();
        for (const range of ranges) {
          if (range.kind !== kind) continue;
          // The kinds are equal, so the cast only restates what the check established.
          if ((address as ipaddr.IPv4).match(range.address as ipaddr.IPv4, range.prefix)) {
            return { key: "ip_in", detail: `ip ${ipText} in ${range.text}` };
          }
        }
        return null;
      },
    };
  },
};
