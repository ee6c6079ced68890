import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/rows.ts";
import {
  ASTRAL_CACHE_BYTES,
  CharClass,
  CharTable,
  charTableFor,
  FULL_NORMALIZATION,
} from "../../src/rules/text/normalize.ts";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/service.ts";
import { signBody } from "../support/sign.ts";
import { SOAK } from "./random.ts";

// The hook endpoint faces the internet: anything can arrive. Whatever the body, headers or
// encoding, the answer is a 4xx (or a 2xx for a genuine hook), never a 5xx, nothing unverified
// is stored, and the process stays up. Runs in-process on the test database (PGlite or Postgres),
// and against a real socket for what only a socket can send.

const RUNS = SOAK ? 2000 : 150;
const PASS = "PassOnPendingMessage";

describe("hostile input: hook endpoint", () => {
  let h: Harness;
  let path: string;

  beforeAll(async () => {
    h = await startHarness({ startWorkers: false });
    path = h.service.config.hookPath;
  });
  afterAll(() => h?.close());

  const post = (hook: string, body: Uint8Array | string, headers: Record<string, string>) =>
    h.service.app.request(`${path}/${hook}`, { method: "POST", headers, body });

  const signedHeaders = (signedBytes: Uint8Array | string, extra: Record<string, string> = {}) => ({
    "Content-Type": "application/json",
    "X-Api-Key": h.stream.apiKey,
    "X-Signature": signBody(Buffer.from(signedBytes), h.stream.apiSecret),
    "X-Webhook-Id": "fuzz",
    "X-Webhook-Attempt": "1",
    ...extra,
  });

  const stored = async () => {
    const [row] = rowsOf<{ messages: string | number; deliveries: string | number }>(
      await h.db.database.db.execute(
        sql`select (select count(*) from messages) as messages, (select count(*) from hook_deliveries) as deliveries`,
      ),
    );
    return { messages: Number(row?.messages), deliveries: Number(row?.deliveries) };
  };

  /** A genuine payload's bytes, for mutation. */
  const validBytes = () => Buffer.from(JSON.stringify(h.pending()));

  const mutate = (bytes: Buffer, edits: { at: number; op: number; byte: number }[]): Buffer => {
    const out = [...bytes];
    for (const { at, op, byte } of edits) {
      const i = at % (out.length + 1);
      if (op === 0) out[i] = byte;
      else if (op === 1) out.splice(i, 0, byte);
      else out.splice(i, 1);
    }
    return Buffer.from(out);
  };

  const anyBody = fc.oneof(
    fc.uint8Array({ maxLength: 2048 }),
    fc.string({ unit: "binary", maxLength: 512 }),
    fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? ""),
    fc
      .array(
        fc.record({
          at: fc.nat(),
          op: fc.integer({ min: 0, max: 2 }),
          byte: fc.integer({ min: 0, max: 255 }),
        }),
        {
          maxLength: 8,
        },
      )
      .map((edits) => mutate(validBytes(), edits)),
  );

  const headerValue = fc.string({ maxLength: 80 });
  const hostileHeaders = fc.record(
    {
      "X-Api-Key": fc.oneof(headerValue, fc.constant("__right__")),
      "X-Signature": fc.oneof(
        headerValue,
        fc.stringMatching(/^[0-9a-f]{64}$/),
        fc.stringMatching(/^[0-9A-F]{64}$/),
      ),
      "Content-Encoding": fc.constantFrom("gzip", "br", "deflate", "identity", "GZIP", "gzip, gzip", ""),
      "Content-Type": fc.constantFrom(
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=x",
        "",
      ),
      "X-Webhook-Id": headerValue,
      "X-Webhook-Attempt": fc.oneof(headerValue, fc.constantFrom("-1", "0", "1e309", "99999999999999999999")),
    },
    { requiredKeys: [] },
  );

  it("unsigned or mis-signed requests of any shape get a 4xx and store nothing", async () => {
    const before = await stored();
    await fc.assert(
      fc.asyncProperty(
        anyBody,
        hostileHeaders,
        fc.constantFrom(PASS, "DeletedPendingMessage"),
        async (body, headers, hook) => {
          const sent = { ...headers };
          if (sent["X-Api-Key"] === "__right__") sent["X-Api-Key"] = h.stream.apiKey;
          const response = await post(hook, body, sent);
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS },
    );
    expect(await stored()).toEqual(before);
  });

  it("signed bodies of any shape never get a 5xx; a 2xx only for a well-formed payload", async () => {
    const signedBody = fc.oneof(
      anyBody,
      // Genuine payloads with hostile values in every field a sender controls.
      fc
        .record({
          text: fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.jsonValue()),
          extra: fc.dictionary(fc.string({ unit: "binary", maxLength: 20 }), fc.jsonValue({ maxDepth: 4 }), {
            maxKeys: 20,
          }),
          metadata: fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }), {
            maxKeys: 5,
          }),
          request_info: fc.option(fc.jsonValue({ maxDepth: 2 })),
          created_at: fc.oneof(
            fc.string(),
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
        })
        .map(({ text, extra, metadata, request_info, created_at }) => {
          const payload = h.pending();
          Object.assign(payload.message, extra, { id: payload.message.id, text, created_at });
          return JSON.stringify({ ...payload, metadata, request_info });
        }),
    );
    await fc.assert(
      fc.asyncProperty(signedBody, fc.boolean(), async (body, gzip) => {
        const bytes = Buffer.from(body);
        const response = await post(
          PASS,
          gzip ? gzipSync(bytes) : bytes,
          signedHeaders(bytes, gzip ? { "Content-Encoding": "gzip" } : {}),
        );
        expect(response.status, await response.clone().text()).toBeLessThan(500);
        if (response.ok)
          expect(((await response.json()) as { message_id?: unknown }).message_id).toBeTypeOf("string");
      }),
      { numRuns: RUNS },
    );
  });

  // Bodies that once got a 503 on every retry (a poison message nobody could moderate), and
  // other shapes at the edges of what Postgres and JSON allow.
  const edgeCases: [string, (json: string) => string | Buffer, number][] = [
    ["U+0000 in the text", (j) => j.replace('"text":"', '"text":"a\\u0000'), 200],
    ["U+0000 in a key", (j) => j.replace('"silent":', '"k\\u0000":1,"silent":'), 200],
    ["U+0000 in metadata", (j) => j.replace('"locale":"', '"locale":"\\u0000'), 200],
    ["a lone surrogate", (j) => j.replace('"text":"', '"text":"\\ud800'), 200],
    ["an escaped backslash before u0000", (j) => j.replace('"text":"', '"text":"\\\\u0000'), 200],
    ["a valid surrogate pair", (j) => j.replace('"text":"', '"text":"\\ud83d\\ude00'), 200],
    ["invalid UTF-8 bytes", (j) => spliceBytes(j, '"text":"', Buffer.from([0xff, 0xfe, 0xc3])), 200],
    [
      "arrays nested 5000 deep",
      (j) => j.replace('"reply_count":0', `"reply_count":${"[".repeat(5000)}${"]".repeat(5000)}`),
      400,
    ],
    [
      "objects nested 3000 deep",
      (j) => j.replace('"reply_count":0', `"reply_count":${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`),
      400,
    ],
    ["brackets inside strings", (j) => j.replace('"text":"', `"text":"${"[{".repeat(3000)}`), 200],
    [
      "50 000 fields",
      (j) =>
        j.replace(
          '"silent":',
          `${Array.from({ length: 50_000 }, (_, i) => `"f${i}":${i}`).join(",")},"silent":`,
        ),
      200,
    ],
    ["a number beyond float range", (j) => j.replace('"reply_count":0', '"reply_count":1e999'), 200],
    [
      "a 30-digit integer",
      (j) => j.replace('"reply_count":0', '"reply_count":123456789012345678901234567890'),
      200,
    ],
    ["created_at in year -271821", (j) => withCreatedAt(j, "-271821-04-20T00:00:00.000Z"), 200],
    ["created_at in year 10000", (j) => withCreatedAt(j, "+010000-01-01T00:00:00.000Z"), 200],
    ["created_at in year 275760", (j) => withCreatedAt(j, "+275760-09-13T00:00:00.000Z"), 200],
    ["created_at not a date", (j) => withCreatedAt(j, "yesterday-ish"), 200],
    ["a 500 kB cid", (j) => j.replace('"cid":"messaging:general"', `"cid":"${"c".repeat(500_000)}"`), 400],
    ["a 10 kB user id", (j) => j.replace('"id":"alice"', `"id":"${"u".repeat(10_000)}"`), 400],
    ["a 256-character message id", (j) => j.replace(/"id":"msg-[^"]*"/, `"id":"${"m".repeat(256)}"`), 400],
    ["message.id a number", (j) => j.replace(/"id":"msg-[^"]*"/, '"id":42'), 400],
    // Sent to Stream as a path segment: ".." once turned the commit into POST /commit.
    ['message.id ".."', (j) => j.replace(/"id":"msg-[^"]*"/, '"id":".."'), 400],
    ['message.id "."', (j) => j.replace(/"id":"msg-[^"]*"/, '"id":"."'), 400],
    ['message.id "../x" (one encoded segment)', (j) => j.replace(/"id":"msg-[^"]*"/, '"id":"../x"'), 200],
    ["a duplicate message key", (j) => j.replace('{"message":{', '{"message":{"id":"dup-first",'), 200],
  ];

  it.each(edgeCases)("signed body with %s: answered %d", async (_name, edit, expected) => {
    const body = edit(JSON.stringify(h.pending()));
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    const response = await post(PASS, bytes, signedHeaders(bytes));
    expect(response.status, await response.clone().text()).toBe(expected);
  });

  // The normalizer caches what each character folds to: a message of distinct astral characters
  // once added about 250 bytes per character, per normalization profile, for good. Those that
  // folding changes (mathematical letters, enclosed ones) are cached within a budget; the others
  // (ideographs, historic scripts, unassigned code points) are not cached at all.
  it("distinct astral characters leave the normalizer's character cache within its byte budget", async () => {
    const astral = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => String.fromCodePoint(from + i)).join("");
    // 40 000 distinct characters, of every kind: several times what the budget holds.
    const starts = [0x1d400, 0x1f100, 0x10400, 0x16e40, 0x1e900, 0x11000, 0x17000, 0x1f300];
    for (let m = 0; m < 20; m++) {
      const from = starts[m] ?? 0x20000 + m * 2000;
      const payload = h.pending({ message: { text: astral(from, 2000) } });
      expect((await post(PASS, JSON.stringify(payload), signedHeaders(JSON.stringify(payload)))).status).toBe(
        200,
      );
    }
    const table = charTableFor(FULL_NORMALIZATION);
    expect(table.astralCacheBytes).toBeGreaterThan(0);
    expect(table.astralCacheBytes).toBeLessThanOrEqual(ASTRAL_CACHE_BYTES);
  });

  it("bodies over the limit get 413, compressed or not, without inflating them whole", async () => {
    const limit = h.service.config.maxBodyBytes;
    const big = Buffer.alloc(limit + 1, 0x20);
    expect((await post(PASS, big, signedHeaders(big))).status).toBe(413);
    // A gzip bomb: 64 MB of zeros in about 64 kB.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const started = Date.now();
    const response = await post(PASS, bomb, signedHeaders("x", { "Content-Encoding": "gzip" }));
    expect(response.status).toBe(413);
    expect(Date.now() - started).toBeLessThan(5000);
    const garbage = Buffer.from("definitely not gzip");
    expect((await post(PASS, garbage, signedHeaders(garbage, { "Content-Encoding": "gzip" }))).status).toBe(
      400,
    );
  });

  it("stays up under malformed HTTP on a real socket", async () => {
    const server = serve({ fetch: h.service.app.fetch, hostname: "127.0.0.1", port: 0 });
    await new Promise((resolve) => server.once("listening", resolve));
    const port = (server.address() as { port: number }).port;
    const raw = (text: string | Buffer) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, "127.0.0.1");
        let answer = "";
        socket.on("data", (chunk) => {
          answer += chunk.toString("latin1");
        });
        socket.on("error", () => resolve(answer));
        socket.on("close", () => resolve(answer));
        socket.setTimeout(2000, () => socket.destroy());
        socket.end(text);
      });
    const hook = `${path}/${PASS}`;
    const answers = await Promise.all([
      raw("GARBAGE\r\n\r\n"),
      raw(`POST ${hook} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"short":`),
      raw(`POST ${hook} HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n`),
      raw(`POST ${hook} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello`),
      raw(`POST ${hook} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnope\r\n0\r\n\r\n`),
      raw(`POST ${hook} HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`),
      raw(
        Buffer.concat([
          Buffer.from(`POST ${hook} HTTP/1.1\r\nHost: x\r\nX-Api-Key: `),
          Buffer.from([0xff, 0x00, 0xc3]),
          Buffer.from("\r\n\r\n"),
        ]),
      ),
    ]);
    for (const answer of answers) expect(answer).not.toMatch(/^HTTP\/1\.1 5\d\d/);
    // Still serving: health, and a genuine hook.
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const genuine = Buffer.from(JSON.stringify(h.pending()));
    const ok = await fetch(`http://127.0.0.1:${port}${hook}`, {
      method: "POST",
      headers: signedHeaders(genuine),
      body: genuine,
    });
    expect(ok.status).toBe(200);
    await new Promise((resolve) => server.close(resolve));
  });
});

// Every filter of the review API is validated before it reaches a query: a value the database
// cannot take is a 400 naming the parameter, never a 500 with the SQL and its parameters logged.
describe("hostile input: review API filters", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ startWorkers: false });
  });
  afterAll(() => h?.close());

  const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const get = async (path: string) => {
    const response = await h.service.app.request(path, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const cases: [string, string, string][] = [
    ["an IPv6 address with a zone", "/api/decisions?ip=fe80::1%25eth0", "ip"],
    ["a CIDR block with a zone", "/api/decisions?ip=fe80::1%25eth0/64", "ip"],
    ["since in year 0", "/api/decisions?since=0000-01-01T00:00:00Z", "since"],
    ["until in year 0", "/api/decisions?until=0000-01-01T00:00:00Z", "until"],
    ["since past year 9999", "/api/decisions?since=%2B010000-01-01T00:00:00Z", "since"],
    ["stats since in year 0", "/api/stats?since=0000-01-01T00:00:00Z", "since"],
    ["stats until in year 0", "/api/stats?until=0000-01-01T00:00:00Z", "until"],
    [
      "a decisions cursor whose id is not a number",
      `/api/decisions?cursor=${cursor(["1700000000000000", "abc"])}`,
      "cursor",
    ],
    [
      "a decisions cursor whose id overflows bigint",
      `/api/decisions?cursor=${cursor(["1700000000000000", "99999999999999999999"])}`,
      "cursor",
    ],
    [
      "a decisions cursor with a 19-digit time",
      `/api/decisions?cursor=${cursor(["9999999999999999999", "1"])}`,
      "cursor",
    ],
    [
      "a decisions cursor with a negative 19-digit time",
      `/api/decisions?cursor=${cursor(["-9223372036854775808", "1"])}`,
      "cursor",
    ],
    [
      "a queue cursor with a 19-digit time",
      `/api/queue?cursor=${cursor(["9999999999999999999", "m"])}`,
      "cursor",
    ],
  ];

  it.each(cases)("%s: 400 naming the parameter", async (_name, path, parameter) => {
    const answer = await get(path);
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.code).toMatch(/^invalid_/);
    expect(String(answer.body.detail)).toContain(parameter);
  });

  it("honest values at the edges still work", async () => {
    for (const path of [
      "/api/decisions?ip=fe80::1",
      "/api/decisions?ip=fe80::/10",
      "/api/decisions?since=0001-01-01T00:00:00Z&until=9999-12-31T23:59:59Z",
      "/api/stats?since=0001-01-01T00:00:00Z",
      `/api/decisions?cursor=${cursor(["1700000000000000", "12"])}`,
      `/api/queue?cursor=${cursor(["1700000000000000", "any message id"])}`,
    ]) {
      const answer = await get(path);
      expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(200);
    }
  });
});

// A cache that lets a character go recomputes it: same answer, bounded memory.
describe("hostile input: caches keyed by message text stay bounded", () => {
  it("a character the cache let go folds exactly as before", () => {
    const roomy = new CharTable(FULL_NORMALIZATION, Number.MAX_SAFE_INTEGER);
    const tiny = new CharTable(FULL_NORMALIZATION, 4096);
    const folded = (table: CharTable, codePoint: number) => {
      const entry = table.entry(codePoint);
      return (entry & 15) === CharClass.Expansion ? [...table.expansion(entry)] : entry;
    };
    // Emoji, mathematical letters (which fold to ASCII), unassigned and private-use code points.
    const codePoint = fc.oneof(
      fc.integer({ min: 0x1f300, max: 0x1faff }),
      fc.integer({ min: 0x1d400, max: 0x1d7ff }),
      fc.integer({ min: 0x10000, max: 0x10ffff }),
      fc.integer({ min: 0x80, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff),
    );
    fc.assert(
      fc.property(fc.array(codePoint, { minLength: 1, maxLength: 400 }), (codePoints) => {
        for (const c of codePoints) expect(folded(tiny, c)).toEqual(folded(roomy, c));
        expect(tiny.astralCacheBytes).toBeLessThanOrEqual(4096);
      }),
      { numRuns: RUNS },
    );
  });
});

/** The message's own created_at (the user object has one too, earlier in the text). */
function withCreatedAt(json: string, value: string): string {
  const payload = JSON.parse(json) as { message: Record<string, unknown> };
  payload.message.created_at = value;
  return JSON.stringify(payload);
}

/** The JSON text with raw bytes inserted right after `after`. */
function spliceBytes(json: string, after: string, bytes: Buffer): Buffer {
  const at = json.indexOf(after) + after.length;
  return Buffer.concat([Buffer.from(json.slice(0, at)), bytes, Buffer.from(json.slice(at))]);
}
