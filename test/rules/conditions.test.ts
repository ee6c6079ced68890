import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { MAX_SET_PROGRAM_SIZE } from "../../src/rules/conditions/patterns.ts";
import { parseRuleSet } from "../../src/rules/index.ts";
import { decide, input } from "./helpers.ts";

type Case = {
  name: string;
  when: string;
  matches: ReturnType<typeof input>[];
  passes: ReturnType<typeof input>[];
};

const ri = (requestInfo: Record<string, string>) => input({ text: "hi" }, { requestInfo });

// One row per condition key: inputs that must match, inputs that must not.
const CASES: Case[] = [
  {
    name: "text_has_any (whole words and their forms, OR inside the list)",
    when: "text_has_any: [badword, another phrase]",
    matches: [
      input({ text: "a badword here" }),
      input({ text: "ANOTHER phrase" }),
      input({ text: "x", attachments: [{ title: "badword" }] }),
      input({ text: "two badwords" }),
    ],
    passes: [
      input({ text: "badwordzq" }),
      input({ text: "another" }),
      input({ text: "phrase another" }),
      input({}),
    ],
  },
  {
    name: "text_matches (re2 syntax, on the original text)",
    when: 'text_matches: ["(?i)buy\\\\s+now", "\\\\d{4}-\\\\d{4}"]',
    matches: [input({ text: "BUY   now!" }), input({ text: "call 1234-5678" })],
    passes: [input({ text: "buynow" }), input({ text: "12-34" })],
  },
  {
    name: "link_domain_in (domain and subdomains, with or without scheme, attachments, IDN)",
    when: "link_domain_in: [evil.example, bücher.example]",
    matches: [
      input({ text: "see https://evil.example/x" }),
      input({ text: "see www.EVIL.example." }),
      input({ text: "see evil.example" }),
      input({ text: "see http://user@a.b.evil.example:8080/path?q" }),
      input({ text: "x", attachments: [{ title_link: "https://evil.example/a" }] }),
      input({ text: "x", attachments: [{ og_scrape_url: "https://cdn.evil.example/a" }] }),
      input({ text: "x", attachments: [{ image_url: "https://img.evil.example/a.png" }] }),
      input({ text: "x", attachments: [{ asset_url: "https://evil.example/a.mp4" }] }),
      input({ text: "go to bücher.example now" }),
      input({ text: "go to https://xn--bcher-kva.example/" }),
    ],
    passes: [
      input({ text: "see notevil.example and evil.example.com" }),
      input({ text: "evil example" }),
      input({ text: "x", attachments: [{ title_link: "https://good.example/evil.example" }] }),
    ],
  },
  {
    name: "ip_in (v4, v6, CIDR, IPv4-mapped)",
    when: 'ip_in: [203.0.113.0/24, "2001:db8::/32", 198.51.100.7]',
    matches: [
      ri({ ip: "203.0.113.200" }),
      ri({ ip: "2001:db8:1::5" }),
      ri({ ip: "198.51.100.7" }),
      ri({ ip: "::ffff:203.0.113.5" }),
      ri({ ip: "203.0.113.9:5555" }),
    ],
    passes: [
      ri({ ip: "203.0.114.1" }),
      ri({ ip: "2001:db9::1" }),
      ri({ ip: "198.51.100.8" }),
      ri({ ip: "not an ip" }),
      input({ text: "no request info" }),
    ],
  },
  {
    name: "ip_in with an IPv4-mapped range",
    when: 'ip_in: ["::ffff:10.0.0.0/104"]',
    matches: [ri({ ip: "10.1.2.3" }), ri({ ip: "::ffff:10.9.9.9" })],
    passes: [ri({ ip: "11.0.0.1" })],
  },
  {
    name: "user_agent_matches",
    when: 'user_agent_matches: ["(?i)curl/", "python-requests"]',
    matches: [
      ri({ user_agent: "curl/8.1" }),
      ri({ user_agent: "CURL/7" }),
      ri({ user_agent: "python-requests/2.31" }),
    ],
    passes: [ri({ user_agent: "Mozilla/5.0" }), input({ text: "no ua" })],
  },
  {
    name: "sdk_matches",
    when: 'sdk_matches: ["^stream-chat-js-v[0-8]\\\\."]',
    matches: [ri({ sdk: "stream-chat-js-v8.1.0" })],
    passes: [ri({ sdk: "stream-chat-js-v9.0.0" }), ri({ sdk: "stream-chat-swift-v8.1" })],
  },
  {
    name: "ext_matches",
    when: 'ext_matches: ["beta=1"]',
    matches: [ri({ ext: "app=web,beta=1" })],
    passes: [ri({ ext: "app=web" })],
  },
  {
    name: "ext_has (k=v pairs and bare keys)",
    when: 'ext_has: ["app=kiosk", "debug"]',
    matches: [ri({ ext: "lang=en, app=kiosk" }), ri({ ext: "debug=true" }), ri({ ext: "debug" })],
    passes: [ri({ ext: "app=kiosk2" }), ri({ ext: "myapp=kiosk" }), ri({ ext: "" })],
  },
  {
    name: "request_type_in",
    when: "request_type_in: [SendMessage]",
    matches: [ri({ type: "SendMessage" })],
    passes: [ri({ type: "UpdateMessage" }), input({})],
  },
  {
    name: "user_id_in",
    when: "user_id_in: [spammer, 12345]",
    matches: [input({ user: { id: "spammer" } }), input({ user: { id: "12345" } })],
    passes: [input({ user: { id: "spammer2" } }), input({ user: undefined })],
  },
  {
    name: "user_role_in",
    when: "user_role_in: [guest]",
    matches: [input({ user: { id: "u", role: "guest" } })],
    passes: [input({ user: { id: "u", role: "user" } }), input({ user: { id: "u" } })],
  },
  {
    name: "cid_in",
    when: 'cid_in: ["livestream:main"]',
    matches: [input({ cid: "livestream:main" })],
    passes: [input({ cid: "livestream:main2" }), input({ cid: undefined })],
  },
  {
    name: "channel_type_in (the part of the cid before ':')",
    when: "channel_type_in: [livestream, gaming]",
    matches: [input({ cid: "livestream:main" }), input({ cid: "gaming:lobby:1" })],
    passes: [input({ cid: "messaging:livestream" }), input({ cid: "livestream" })],
  },
  {
    name: "metadata (every key, a list is OR)",
    when: "metadata: {plan: [free, trial], country: XX}",
    matches: [
      input({}, { metadata: { plan: "free", country: "XX" } }),
      input({}, { metadata: { plan: "trial", country: "XX", x: "y" } }),
    ],
    passes: [
      input({}, { metadata: { plan: "free" } }),
      input({}, { metadata: { plan: "pro", country: "XX" } }),
      input({}),
    ],
  },
  {
    name: "mentions_over",
    when: "mentions_over: 2",
    matches: [input({ mentioned_users: [{ id: "a" }, { id: "b" }, { id: "c" }] })],
    passes: [input({ mentioned_users: [{ id: "a" }, { id: "b" }] }), input({ mentioned_users: null })],
  },
  {
    name: "attachments_over",
    when: "attachments_over: 1",
    matches: [input({ attachments: [{}, {}] })],
    passes: [input({ attachments: [{}] }), input({})],
  },
  {
    name: "caps_ratio_over (number: default minimum of 10 letters)",
    when: "caps_ratio_over: 0.7",
    matches: [input({ text: "THIS IS SHOUTING!!" }), input({ text: "ÉNORME CRI ICI OUI" })],
    passes: [
      input({ text: "OK LOL" }),
      input({ text: "This Is Not Shouting" }),
      input({ text: "это нормальный текст" }),
    ],
  },
  {
    name: "caps_ratio_over (with min_length)",
    when: "caps_ratio_over: {ratio: 0.5, min_length: 3}",
    matches: [input({ text: "LOL" })],
    passes: [input({ text: "OK" }), input({ text: "Lol" })],
  },
];

describe.each(CASES)("condition $name", ({ when, matches, passes }) => {
  it.each(matches.map((m, i) => [i, m] as const))("matches input #%i", (_i, evaluation) => {
    const decision = decide(when, evaluation);
    expect(decision.action).toBe("reject");
    expect(decision.matches[0]?.conditions[0]?.detail).toBeTruthy();
  });
  it.each(passes.map((p, i) => [i, p] as const))("does not match input #%i", (_i, evaluation) => {
    const decision = decide(when, evaluation);
    expect(decision.action).toBe("approve");
    expect(decision.matches).toEqual([]);
  });
});

describe("combining conditions", () => {
  it("ANDs the keys of `when`", () => {
    const when = "text_has_any: [promo]\nchannel_type_in: [livestream]";
    expect(decide(when, input({ text: "promo", cid: "livestream:a" })).action).toBe("reject");
    expect(decide(when, input({ text: "promo", cid: "messaging:a" })).action).toBe("approve");
    expect(decide(when, input({ text: "hello", cid: "livestream:a" })).action).toBe("approve");
  });

  it("ORs the keys of `unless`", () => {
    const rules = parseRuleSet(
      "rules:\n  - id: r\n    action: reject\n    when: {text_has_any: [promo]}\n    unless:\n      user_role_in: [admin]\n      metadata: {verified: 'true'}\n",
      "r.yaml",
    );
    expect(rules.evaluate(input({ text: "promo" })).action).toBe("reject");
    expect(rules.evaluate(input({ text: "promo", user: { id: "a", role: "admin" } })).action).toBe("approve");
    expect(rules.evaluate(input({ text: "promo" }, { metadata: { verified: "true" } })).action).toBe(
      "approve",
    );
  });

  it("explains every condition of a matched rule", () => {
    const decision = decide(
      "text_has_any: [promo]\nip_in: [203.0.113.0/24]",
      input({ text: "big PROMO", cid: "x:y" }, { requestInfo: { ip: "203.0.113.4" } }),
    );
    const conditions = decision.matches[0]?.conditions ?? [];
    expect(conditions.map((c) => c.key).sort()).toEqual(["ip_in", "text_has_any"]);
    expect(conditions.find((c) => c.key === "ip_in")?.detail).toBe("ip 203.0.113.4 in 203.0.113.0/24");
    expect(conditions.find((c) => c.key === "text_has_any")?.spans).toEqual([
      { field: "text", start: 4, end: 9, text: "PROMO", normalized: "promo" },
    ]);
  });

  it.each([
    ["an ideographic space", "见\u3000evil.example\u3000好"],
    ["no-break spaces", "see\u00a0evil.example\u00a0now"],
    ["an em space and a line separator", "see\u2003evil.example\u2028next"],
    ["a space, far into a long text", `${"chat. ".repeat(200)}see evil.example, then ${"more ".repeat(200)}`],
  ])("link_domain_in ends a link at %s, as at any space", (_name, text) => {
    const spans = decide("link_domain_in: [evil.example]", input({ text })).matches[0]?.conditions[0]?.spans;
    expect(spans?.map((span) => span.text)).toEqual(["evil.example"]);
  });

  it("reports link spans with the canonical host", () => {
    const decision = decide("link_domain_in: [bücher.example]", input({ text: "visit BÜCHER.example/x" }));
    expect(decision.matches[0]?.conditions[0]?.spans).toEqual([
      { field: "text", start: 6, end: 22, text: "BÜCHER.example/x", normalized: "xn--bcher-kva.example" },
    ]);
  });

  it("reports text_matches spans", () => {
    const decision = decide('text_matches: ["\\\\d{3}-\\\\d{4}"]', input({ text: "call 555-1234 now" }));
    expect(decision.matches[0]?.conditions[0]?.spans).toEqual([
      { field: "text", start: 5, end: 13, text: "555-1234", normalized: "555-1234" },
    ]);
  });

  it("text_matches reports exactly the first match of a search, whatever the pattern and text (property)", () => {
    // The condition asks re2js whether a pattern occurs before searching for where: the two
    // must agree on every text, with word boundaries, case folding, anchors and classes.
    const patterns = [
      "(?i)\\bfree\\s+nitro\\b",
      "\\b[13][a-km-z1-9]{4,6}\\b",
      "^ab|cd$",
      "(?i)(?:x|yy)+z",
      "\\d{2,}-\\d",
      "[^a-c ]{3}",
      "\\Bb\\w",
      "é+\\b",
    ];
    const text = fc
      .array(fc.constantFrom(..."ab cdxyzYZ13-9é\n".split(""), "free", "FREE ", " nitro", "1abcd"), {
        maxLength: 30,
      })
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(fc.constantFrom(...patterns), text, (pattern, message) => {
        const when = `text_matches: [${JSON.stringify(pattern)}]`;
        const spans = decide(when, input({ text: message })).matches[0]?.conditions[0]?.spans;
        const search = RE2JS.compile(pattern).matcher(message);
        if (!search.find()) {
          expect(spans).toBeUndefined();
          return;
        }
        expect(spans).toEqual([
          {
            field: "text",
            start: search.start(),
            end: search.end(),
            text: message.slice(search.start(), search.end()),
            normalized: message.slice(search.start(), search.end()),
          },
        ]);
      }),
      { numRuns: 2000 },
    );
    // All of them in one condition: which occur is asked of one re2js set, in one pass. Each
    // pattern that occurs reports its first match, in the order the rule lists the patterns.
    const when = `text_matches: [${patterns.map((p) => JSON.stringify(p)).join(", ")}]`;
    fc.assert(
      fc.property(text, (message) => {
        const expected = patterns.flatMap((pattern) => {
          const search = RE2JS.compile(pattern).matcher(message);
          if (!search.find()) return [];
          const found = message.slice(search.start(), search.end());
          return [
            { field: "text", start: search.start(), end: search.end(), text: found, normalized: found },
          ];
        });
        const spans = decide(when, input({ text: message })).matches[0]?.conditions[0]?.spans;
        expect(spans ?? []).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

it("text_matches with patterns too large to run as one set tests them one by one, with the same answers", () => {
  // Each pattern is under the per-pattern limit; together they are over MAX_SET_PROGRAM_SIZE.
  const big = "[a-z]{1000}".repeat(19);
  const patterns = ["(?i)free\\s+nitro", ...[1, 2, 3, 4, 5, 6].map((n) => `${big}${n}`), "\\d{3}-\\d{4}"];
  const size = patterns.reduce((sum, pattern) => sum + RE2JS.compile(pattern).programSize(), 0);
  expect(size).toBeGreaterThan(MAX_SET_PROGRAM_SIZE);
  const when = `text_matches: [${patterns.map((pattern) => JSON.stringify(pattern)).join(", ")}]`;
  const spans = decide(when, input({ text: "FREE nitro, call 555-1234" })).matches[0]?.conditions[0]?.spans;
  expect(spans?.map((span) => span.text)).toEqual(["FREE nitro", "555-1234"]);
  expect(decide(when, input({ text: "nothing to see" })).matches).toEqual([]);
});

describe("rate", () => {
  const rules = parseRuleSet(
    "rules:\n  - id: flood\n    action: review\n    when:\n      rate: {max: 5, per: 10s, by: user}\n  - id: ip-flood\n    action: reject\n    when:\n      rate: {max: 100, per: 1m, by: ip}\n",
    "r.yaml",
  );
  const message = input({ text: "hi", user: { id: "u7" } }, { requestInfo: { ip: "203.0.113.9" } });

  it("asks the caller to count per user and per ip", () => {
    expect(rules.rateQueries(message)).toEqual([
      { key: "user:10000:u7", by: "user", value: "u7", windowMs: 10_000 },
      { key: "ip:60000:203.0.113.9", by: "ip", value: "203.0.113.9", windowMs: 60_000 },
    ]);
  });

  it("asks nothing when no rule uses rate", () => {
    expect(parseRuleSet("rules: []\n", "r.yaml").rateQueries(message)).toEqual([]);
  });

  it("matches once `max` earlier messages were counted in the window", () => {
    const counts = (n: number) => ({ ...message, rateCounts: new Map([["user:10000:u7", n]]) });
    expect(rules.evaluate(counts(4)).action).toBe("approve");
    const decision = rules.evaluate(counts(5));
    expect(decision.action).toBe("review");
    expect(decision.matches[0]?.conditions[0]?.detail).toBe("5 earlier messages by user u7 in 10s (max 5)");
  });

  it("counts absent from rateCounts are zero", () => {
    expect(rules.evaluate(message).action).toBe("approve");
  });

  it("skips a sender without a user id or ip", () => {
    const anonymous = input({ text: "hi", user: undefined });
    expect(rules.rateQueries(anonymous)).toEqual([]);
    expect(rules.evaluate(anonymous).action).toBe("approve");
  });
});
