import { domainToASCII } from "node:url";
import type { PendingMessage } from "../hooks/payload.ts";
import type { LinkHost } from "./conditions/types.ts";
import { isSpace } from "./text/char-kinds.ts";
import { codeUnitsOf } from "./text/code-units.ts";

// Attachment fields that hold a URL the message points to.
const ATTACHMENT_URL_FIELDS = ["title_link", "og_scrape_url", "image_url", "asset_url", "thumb_url"] as const;

/** The longest host name DNS allows: a longer candidate is refused before IDNA mapping. */
export const MAX_HOST_LENGTH = 253;

// Characters that end a link candidate in free text. Scanning by hand (rather than with a URL
// regex) keeps extraction linear on hostile input such as "a.a.a.a.a...".
const CHUNK_BREAK_ASCII = new Uint8Array(128);
for (const char of " \t\n\r\f\v<>\"'`()[]{}|\\^") CHUNK_BREAK_ASCII[char.charCodeAt(0)] = 1;
function isChunkBreak(code: number): boolean {
  return code < 128 ? CHUNK_BREAK_ASCII[code] === 1 : isSpace(code);
}

// Every scan below is a single loop over the candidate, from the start or from the end, with no
// regex: a regex such as /[.,;:!?]+$/ is retried at every position of a punctuation run, which is
// quadratic (a 20,000-character run held the event loop for most of a second).
const SCHEME_CHAR = new Uint8Array(128); // [a-z0-9+.-], either case
for (const char of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
  SCHEME_CHAR[char.charCodeAt(0)] = 1;
const TRAILING_PUNCTUATION = new Uint8Array(128); // sentence punctuation after a bare link
for (const char of ".,;:!?") TRAILING_PUNCTUATION[char.charCodeAt(0)] = 1;
const DOT = 0x2e;
const COLON = 0x3a;
const SLASH = 0x2f;
const AT = 0x40;

const isAsciiLetter = (code: number) => (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;
const isDigit = (code: number) => code >= 0x30 && code <= 0x39;

let examined = 0;

/**
 * Characters the link scans have examined since the process started. Tests read it to check that
 * the work stays linear in the input whatever its shape; it is not a metric.
 */
export function linkScanWork(): number {
  return examined;
}

/**
 * Canonical form of a host name: IDNs in punycode, lower case, no trailing dot. Null when the
 * name is not a plausible domain (no dot, empty label, non-alphabetic top-level label).
 */
export function canonicalHost(name: string): string | null {
  let end = name.length;
  while (end > 0 && name.charCodeAt(end - 1) === DOT) end--;
  examined += name.length - end;
  if (end === 0 || end > MAX_HOST_LENGTH) return null;
  examined += end; // domainToASCII reads it once more, at most MAX_HOST_LENGTH characters
  const ascii = domainToASCII(end === name.length ? name : name.slice(0, end)).toLowerCase();
  if (ascii === "" || !ascii.includes(".")) return null;
  const labels = ascii.split(".");
  if (labels.some((label) => label.length === 0 || label.length > 63)) return null;
  const tld = labels[labels.length - 1] as string;
  if (!/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld)) return null;
  return ascii;
}

/** The host of a URL-looking string, with or without scheme; null when it has none. */
export function hostOfLink(candidate: string): string | null {
  const length = candidate.length;
  // The scheme, /^[a-z][a-z0-9+.-]*:\/\//i: ':' is not a scheme character, so the longest run of
  // them is the only place "://" can follow.
  let start = 0;
  if (length > 0 && isAsciiLetter(candidate.charCodeAt(0))) {
    let i = 1;
    while (i < length && candidate.charCodeAt(i) < 128 && SCHEME_CHAR[candidate.charCodeAt(i)] === 1) i++;
    examined += i;
    if (candidate.startsWith("://", i)) start = i + 3;
  }
  if (start === 0 && candidate.startsWith("//")) start = 2;
  // The authority runs to the first '/', '?' or '#'; the host follows its last '@' (user info).
  let end = start;
  let hostStart = start;
  for (; end < length; end++) {
    const code = candidate.charCodeAt(end);
    if (code === SLASH || code === 0x3f || code === 0x23) break;
    if (code === AT) hostStart = end + 1;
  }
  examined += end - start;
  // A port, /:\d*$/: the digits at the end, then a colon.
  let portStart = end;
  while (portStart > hostStart && isDigit(candidate.charCodeAt(portStart - 1))) portStart--;
  examined += end - portStart;
  if (portStart > hostStart && candidate.charCodeAt(portStart - 1) === COLON) end = portStart - 1;
  // Trailing sentence punctuation is not part of a bare link ("see evil.example.").
  const beforePunctuation = end;
  while (end > hostStart && TRAILING_PUNCTUATION[candidate.charCodeAt(end - 1)] === 1) end--;
  examined += beforePunctuation - end;
  if (end - hostStart > MAX_HOST_LENGTH) return null;
  return canonicalHost(candidate.slice(hostStart, end));
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
  // A long text is read from a copy of its code units (see code-units.ts).
  const codes = codeUnitsOf(text);
  const length = text.length;
  let start = 0;
  while (start < length) {
    const from = start;
    while (start < length && isChunkBreak(codes === null ? text.charCodeAt(start) : (codes[start] as number)))
      start++;
    // A link has a dot, or an ideographic full stop (IDNA maps it to one): a chunk without one
    // is not cut out of the text at all.
    let end = start;
    let dotted = false;
    for (; end < length; end++) {
      const code = codes === null ? text.charCodeAt(end) : (codes[end] as number);
      if (isChunkBreak(code)) break;
      if (code === DOT || code === 0x3002 || code === 0xff0e) dotted = true;
    }
    examined += end - from;
    // Sentence punctuation after a link ends the sentence, not the link ("see example.org, then"):
    // the span a rule reports, and the link a moderator is shown, stop before it.
    let linkEnd = end;
    while (linkEnd > start) {
      const code = codes === null ? text.charCodeAt(linkEnd - 1) : (codes[linkEnd - 1] as number);
      if (TRAILING_PUNCTUATION[code] !== 1) break;
      linkEnd--;
    }
    examined += end - linkEnd;
    if (dotted && linkEnd > start) {
      const chunk = text.slice(start, linkEnd);
      const host = hostOfLink(chunk);
      if (host) out.push({ host, field, start, end: linkEnd, text: chunk });
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
