import { domainToASCII } from "node:url";
import type { PendingMessage } from "../hooks/payload.ts";
import type { LinkHost } from "./conditions/types.ts";

// Attachment fields that hold a URL the message points to.
const ATTACHMENT_URL_FIELDS = ["title_link", "og_scrape_url", "image_url", "asset_url", "thumb_url"] as const;

// Characters that end a link candidate in free text. Scanning by hand (rather than with a URL
// regex) keeps extraction linear on hostile input such as "a.a.a.a.a...".
const CHUNK_BREAK_ASCII = new Uint8Array(128);
for (const char of " \t\n\r\f\v<>\"'`()[]{}|\\^") CHUNK_BREAK_ASCII[char.charCodeAt(0)] = 1;
const UNICODE_SPACE = /\s/u;

function isChunkBreak(code: number): boolean {
  if (code < 128) return CHUNK_BREAK_ASCII[code] === 1;
  return UNICODE_SPACE.test(String.fromCharCode(code));
}

/**
 * Canonical form of a host name: IDNs in punycode, lower case, no trailing dot. Null when the
 * name is not a plausible domain (no dot, empty label, non-alphabetic top-level label).
 */
export function canonicalHost(name: string): string | null {
  const trimmed = name.replace(/\.+$/, "");
  if (trimmed.length === 0 || trimmed.length > 253) return null;
  const ascii = domainToASCII(trimmed).toLowerCase();
  if (ascii === "" || !ascii.includes(".")) return null;
  const labels = ascii.split(".");
  if (labels.some((label) => label.length === 0 || label.length > 63)) return null;
  const tld = labels[labels.length - 1] as string;
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld)) return null;
  return ascii;
}

/** The host of a URL-looking string, with or without scheme; null when it has none. */
export function hostOfLink(candidate: string): string | null {
  let rest = candidate;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(rest);
  if (scheme) rest = rest.slice(scheme[0].length);
  else if (rest.startsWith("//")) rest = rest.slice(2);
  const authorityEnd = rest.search(/[/?#]/);
  let authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf("@");
  if (at !== -1) authority = authority.slice(at + 1);
  const port = /:\d*$/.exec(authority);
  if (port) authority = authority.slice(0, port.index);
  // Trailing sentence punctuation is not part of a bare link ("see evil.example.").
  authority = authority.replace(/[.,;:!?]+$/u, "");
  return canonicalHost(authority);
}

/** Every link host in the message text and its attachments' URL fields. */
export function extractLinkHosts(message: PendingMessage): LinkHost[] {
  const hosts: LinkHost[] = [];
  if (typeof message.text === "string") collectFromText(message.text, "text", hosts);
  (message.attachments ?? []).forEach((attachment, index) => {
    for (const name of ATTACHMENT_URL_FIELDS) {
      const value = (attachment as Record<string, unknown>)[name];
      if (typeof value !== "string" || value.length === 0) continue;
      const host = hostOfLink(value.trim());
      if (host)
        hosts.push({
          host,
          field: `attachments[${index}].${name}`,
          start: 0,
          end: value.length,
          text: value,
        });
    }
  });
  return hosts;
}

function collectFromText(text: string, field: string, out: LinkHost[]): void {
  let start = 0;
  const length = text.length;
  while (start < length) {
    while (start < length && isChunkBreak(text.charCodeAt(start))) start++;
    let end = start;
    while (end < length && !isChunkBreak(text.charCodeAt(end))) end++;
    if (end > start) {
      const chunk = text.slice(start, end);
      // Cheap pre-filter: a link has a dot (or an ideographic full stop, which IDNA maps to one).
      if (chunk.includes(".") || chunk.includes("\u3002") || chunk.includes("\uff0e")) {
        const host = hostOfLink(chunk);
        if (host) out.push({ host, field, start, end, text: chunk });
      }
    }
    start = end;
  }
}

/** True when `host` is `domain` or one of its subdomains (both canonical). */
export function hostInDomain(host: string, domain: string): boolean {
  return (
    host === domain ||
    (host.length > domain.length && host.endsWith(domain) && host[host.length - domain.length - 1] === ".")
  );
}
