import { domainToASCII } from "node:url";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { MAX_CLIENT_IP_LENGTH, parseClientIp } from "../../src/rules/conditions/network.ts";
import { parseRuleSet } from "../../src/rules/index.ts";
import {
  canonicalHost,
  extractLinkHosts,
  hostInDomain,
  hostOfLink,
  linkScanWork,
  MAX_HOST_LENGTH,
} from "../../src/rules/links.ts";
import { input } from "./helpers.ts";

// Link extraction and the small conditions run on every message, on text the sender chose. Their
// work must be linear in that text whatever its shape. Checked deterministically, never by timing:
// no regex ever runs over more than a host label, the scans' own count of characters examined
// stays within a constant factor of the input, and IDNA mapping never sees more than a host name.

const domainToAsciiInputs = vi.hoisted(() => ({ longest: 0 }));
vi.mock("node:url", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:url")>();
  return {
    ...actual,
    domainToASCII(name: string) {
      domainToAsciiInputs.longest = Math.max(domainToAsciiInputs.longest, name.length);
      return actual.domainToASCII(name);
    },
  };
});

/** The longest string any regex was run on during `run` (every RegExp method goes through exec). */
function longestRegexInput(run: () => void): number {
  const original = RegExp.prototype.exec;
  let longest = 0;
  RegExp.prototype.exec = function (this: RegExp, text: string) {
    longest = Math.max(longest, String(text).length);
    return original.call(this, text);
  };
  try {
    run();
  } finally {
    RegExp.prototype.exec = original;
  }
  return longest;
}

/** Characters the link scans examined during `run`. */
function linkWorkOf(run: () => void): number {
  const before = linkScanWork();
  run();
  return linkScanWork() - before;
}

const N = 20_000;
const HOSTILE: Record<string, string> = {
  "a run of dots": ".".repeat(N),
  "a punctuation run between letters": `a${"!".repeat(N)}a`,
  "mixed sentence punctuation": `x.${".,;:!?".repeat(N / 6)}x`,
  "a.a.a.a...": "a.".repeat(N / 2),
  "a.a.a.a... then punctuation": `${"a.".repeat(N / 4)}${"?".repeat(N / 2)}b`,
  "a long host after a scheme": `http://${"a".repeat(N)}.com/`,
  "a long would-be scheme": `${"a".repeat(N)}.x:/`,
  "a long scheme": `${"a+".repeat(N / 2)}://evil.example`,
  "a long user info": `https://${"u@".repeat(N / 2)}evil.example/`,
  "colons and digits": `evil.example${"1:".repeat(N / 2)}`,
  "a long port": `evil.example:${"9".repeat(N)}`,
  "a long path": `https://evil.example/${"x/".repeat(N / 2)}`,
  "ideographic full stops": "\u3002".repeat(N),
  "many short chunks": "a.bc ".repeat(N / 5),
  "many dotted words with punctuation": "a.b!? ".repeat(N / 6),
  "many at signs": "@.".repeat(N / 2),
};

describe("link extraction does linear, bounded work on hostile text", () => {
  it.each(Object.entries(HOSTILE))("%s", (_name, text) => {
    const message = { id: "m", text, attachments: [{ title_link: text, image_url: text }] };
    domainToAsciiInputs.longest = 0;
    let work = 0;
    const longest = longestRegexInput(() => {
      work = linkWorkOf(() => extractLinkHosts(message));
    });
    // The only regexes left on this path test one character, or one top-level label.
    expect(longest).toBeLessThanOrEqual(63);
    // Each of the three fields (text, two attachment URLs) is scanned a bounded number of times.
    expect(work).toBeLessThanOrEqual(3 * 6 * text.length);
    expect(domainToAsciiInputs.longest).toBeLessThanOrEqual(MAX_HOST_LENGTH);
  });

  it("work grows in proportion to the text, for every shape", () => {
    for (const text of Object.values(HOSTILE)) {
      const once = linkWorkOf(() => extractLinkHosts({ id: "m", text }));
      const fourTimes = linkWorkOf(() => extractLinkHosts({ id: "m", text: text.repeat(4) }));
      expect(fourTimes).toBeLessThanOrEqual(4 * once + 64);
    }
  });

  it("still finds the link before a long punctuation run, through the rules", () => {
    const rules = parseRuleSet(
      "rules:\n  - id: links\n    action: reject\n    when: {link_domain_in: [evil.example]}\n",
      "r.yaml",
    );
    const text = `see evil.example${"!".repeat(N)} and www.evil.example${".".repeat(N)}`;
    let action = "";
    const work = linkWorkOf(() => {
      action = rules.evaluate(input({ text })).action;
    });
    expect(action).toBe("reject");
    expect(work).toBeLessThanOrEqual(6 * text.length);
  });
});

describe("ip_in parses a bounded client address", () => {
  it("refuses an address text longer than any address without parsing it", () => {
    for (const ip of [
      "a:".repeat(N / 2),
      "1:".repeat(N / 2),
      `[${"f".repeat(N)}]:80`,
      `fe80::1%${"a".repeat(N)}`,
    ]) {
      let parsed: unknown;
      const longest = longestRegexInput(() => {
        parsed = parseClientIp(ip);
      });
      expect(parsed).toBeNull();
      expect(longest).toBeLessThanOrEqual(MAX_CLIENT_IP_LENGTH);
    }
    expect(parseClientIp(`  [2001:db8::1]:8080  `)?.toString()).toBe("2001:db8::1");
    expect(parseClientIp("::ffff:203.0.113.7")?.toString()).toBe("203.0.113.7");
  });
});

// The scans replaced regexes; they must find exactly the hosts the regexes found.
function referenceCanonicalHost(name: string): string | null {
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

function referenceHostOfLink(candidate: string): string | null {
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
  authority = authority.replace(/[.,;:!?]+$/u, "");
  return referenceCanonicalHost(authority);
}

const linkAlphabet = fc.constantFrom(
  ..."aZx9+-.,;:!?/?#@ \u3002\uff0eéß",
  "ev",
  "il",
  "example",
  "http",
  "://",
  "//",
  "xn--",
  ".com",
  ":80",
  "\u212a", // Kelvin sign: case-folds to "k" only under the u flag
);

describe("the scans agree with the regexes they replaced", () => {
  it("hostOfLink and canonicalHost", () => {
    fc.assert(
      fc.property(fc.array(linkAlphabet, { maxLength: 24 }), (parts) => {
        const candidate = parts.join("");
        expect(hostOfLink(candidate)).toBe(referenceHostOfLink(candidate));
        expect(canonicalHost(candidate)).toBe(referenceCanonicalHost(candidate));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (candidate) => {
        expect(hostOfLink(candidate)).toBe(referenceHostOfLink(candidate));
      }),
    );
  });

  it("link_domain_in names the earliest listed domain a link is in, as a scan of the list would", () => {
    const labels = fc.constantFrom("a", "b", "evil", "example", "com");
    const domain = fc
      .tuple(fc.array(labels, { minLength: 1, maxLength: 3 }), fc.constantFrom("com", "example"))
      .map(([parts, tld]) => [...parts, tld].join("."));
    fc.assert(
      fc.property(
        fc.array(domain, { minLength: 1, maxLength: 5 }),
        fc.array(domain, { maxLength: 4 }),
        (listed, links) => {
          const rules = parseRuleSet(
            `rules:\n  - id: r\n    action: reject\n    when: {link_domain_in: ${JSON.stringify(listed)}}\n`,
            "r.yaml",
          );
          const decision = rules.evaluate(input({ text: links.map((l) => `https://${l}/`).join(" ") }));
          const expected = new Set<string>();
          for (const link of links) {
            const found = listed.find((d) => hostInDomain(link, d));
            if (found) expected.add(found);
          }
          const detail = decision.matches[0]?.conditions[0]?.detail;
          expect(detail).toBe(expected.size === 0 ? undefined : `link to ${[...expected].join(", ")}`);
        },
      ),
    );
  });
});
