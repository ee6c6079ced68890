import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signServerToken } from "../../src/sandbox/server-token.ts";
import { createSimulatedStream } from "../../src/sandbox/simulated-stream.ts";
import { type FakeStream, sendHook, startFakeStream } from "../support/fake-stream.ts";
import { hookHeaders, pendingMessagePayload, signBody } from "../support/sign.ts";

let fake: FakeStream;

beforeEach(async () => {
  fake = await startFakeStream({
    pendingHooks: [{ timeout_ms: 60_000 }, { timeout_ms: 120_000, enabled: false }],
  });
});

afterEach(async () => {
  await fake.close();
});

interface CallOptions {
  prefix?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A call as the service makes it: api_key, bare server JWT, stream-auth-type. */
function callStream(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const query = new URLSearchParams({ api_key: fake.apiKey, ...opts.query });
  return fetch(`${fake.url}${opts.prefix ?? ""}${path}?${query}`, {
    method,
    headers: {
      Authorization: signServerToken(fake.apiSecret),
      "stream-auth-type": "jwt",
      "Content-Type": "application/json",
      ...opts.headers,
    },
    body: method === "POST" ? "{}" : undefined,
    signal: opts.signal,
  });
}

const commit = (id: string, opts?: CallOptions) =>
  callStream("POST", `/messages/${encodeURIComponent(id)}/commit`, opts);

function expectStreamError(body: unknown, status: number, code: number, endpoint: string): void {
  expect(body).toEqual({
    code,
    message: expect.stringMatching(new RegExp(`^${endpoint} failed with error: ".+"$`)),
    StatusCode: status,
    duration: expect.stringMatching(/^\d+\.\d{2}ms$/),
    more_info: expect.stringContaining("getstream.io"),
    details: [],
  });
}

describe("pending-message lifecycle", () => {
  it("lets only the first commit win", async () => {
    fake.sim.addPending({ id: "m1", text: "hi" });

    const first = await commit("m1");
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as { message: { id: string; text: string }; duration: string };
    expect(firstBody.message).toMatchObject({ id: "m1", text: "hi" });
    expect(firstBody.duration).toMatch(/ms$/);

    const second = await commit("m1");
    expect(second.status).toBe(400);
    expectStreamError(await second.json(), 400, 4, "CommitMessage");

    expect(fake.sim.get("m1")).toMatchObject({ state: "committed", committedBy: "api", commitAttempts: 2 });
    expect(fake.sim.ledger.map((call) => [call.operation, call.messageId, call.status, call.effect])).toEqual(
      [
        ["commit", "m1", 201, "committed"],
        ["commit", "m1", 400, null],
      ],
    );
  });

  it("serves the same routes under /api/v2/chat", async () => {
    fake.sim.addPending({ id: "m2" });
    const committed = await commit("m2", { prefix: "/api/v2/chat" });
    expect(committed.status).toBe(201);
    const read = await callStream("GET", "/messages/m2", { prefix: "/api/v2/chat" });
    expect(read.status).toBe(200);
    expect(fake.sim.ledger.map((call) => call.path)).toEqual([
      "/api/v2/chat/messages/m2/commit",
      "/api/v2/chat/messages/m2",
    ]);
  });

  it("answers 404 code 16 for unknown ids, on every message route", async () => {
    for (const response of [
      await commit("nope"),
      await callStream("GET", "/messages/nope"),
      await callStream("DELETE", "/messages/nope", { query: { hard: "true" } }),
    ]) {
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/json");
      const body = (await response.json()) as { code: number };
      expect(body.code).toBe(16);
    }
    expectStreamError(await (await commit("nope")).json(), 404, 16, "CommitMessage");
    expect(fake.sim.get("nope")).toBeUndefined();
  });

  it("refuses a commit after the other hook committed, and 404s one after an expiry", async () => {
    fake.sim.addPending({ id: "by-other-hook" });
    fake.sim.addPending({ id: "expired" });
    expect(fake.sim.commitExternally("by-other-hook")).toBe(true);
    expect(fake.sim.deleteExternally("expired")).toBe(true);

    expect((await commit("by-other-hook")).status).toBe(400);
    expect(fake.sim.get("by-other-hook")).toMatchObject({ state: "committed", committedBy: "external" });

    const late = await commit("expired");
    expect(late.status).toBe(404);
    expectStreamError(await late.json(), 404, 16, "CommitMessage");
    expect((await callStream("GET", "/messages/expired")).status).toBe(404);
    expect(fake.sim.get("expired")).toMatchObject({
      state: "deleted",
      deletedBy: "external",
      hardDeleted: true,
    });
  });

  it("refuses a soft delete of a pending message and accepts a hard one", async () => {
    fake.sim.addPending({ id: "to-reject" });

    const soft = await callStream("DELETE", "/messages/to-reject");
    expect(soft.status).toBe(400);
    expectStreamError(await soft.json(), 400, 4, "DeleteMessage");
    expect(fake.sim.get("to-reject")?.state).toBe("pending");

    const hard = await callStream("DELETE", "/messages/to-reject", { query: { hard: "true" } });
    expect(hard.status).toBe(200);
    expect(((await hard.json()) as { message: { id: string } }).message.id).toBe("to-reject");
    expect(fake.sim.get("to-reject")).toMatchObject({
      state: "deleted",
      deletedBy: "api",
      hardDeleted: true,
    });

    expect((await commit("to-reject")).status).toBe(404);
    expect((await callStream("GET", "/messages/to-reject")).status).toBe(404);
    expect(fake.sim.ledger.map((call) => call.effect)).toEqual([null, "hard-deleted", null, null]);
  });

  it("reads a pending message with its metadata, and without it once committed", async () => {
    fake.sim.addPending({ id: "m3", text: "read me" }, { locale: "fr" });
    const pending = (await (await callStream("GET", "/messages/m3")).json()) as Record<string, unknown>;
    expect(pending).toMatchObject({
      message: { id: "m3", text: "read me" },
      pending_message_metadata: { locale: "fr" },
    });

    await commit("m3");
    const committed = (await (await callStream("GET", "/messages/m3")).json()) as Record<string, unknown>;
    expect(committed).toMatchObject({ message: { id: "m3" } });
    expect(committed).not.toHaveProperty("pending_message_metadata");
  });

  it("decodes the id from the path and keeps the raw path in the ledger", async () => {
    fake.sim.addPending({ id: "a/b c%d" });
    const response = await commit("a/b c%d");
    expect(response.status).toBe(201);
    expect(fake.sim.get("a/b c%d")?.state).toBe("committed");
    expect(fake.sim.ledger[0]).toMatchObject({
      path: "/messages/a%2Fb%20c%25d/commit",
      messageId: "a/b c%d",
    });
  });

  it("reports the app's pending-message hooks", async () => {
    const response = await callStream("GET", "/app");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { app: { event_hooks: Array<Record<string, unknown>> } };
    const pendingHooks = body.app.event_hooks.filter((hook) => hook.hook_type === "pending_message");
    expect(pendingHooks).toEqual([
      expect.objectContaining({
        enabled: true,
        timeout_ms: 60_000,
        callback: { mode: "CALLBACK_MODE_REST" },
      }),
      expect.objectContaining({ enabled: false, timeout_ms: 120_000 }),
    ]);
    expect(body.app.event_hooks.some((hook) => hook.hook_type !== "pending_message")).toBe(true);
  });

  it("answers unknown routes with a plain-text 404, like Stream's router", async () => {
    const response = await callStream("POST", "/messages/m1/approve");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(await response.text()).toBe("404 page not found\n");
    expect(fake.sim.ledger[0]).toMatchObject({ operation: "unknown", status: 404 });
  });
});

describe("authentication", () => {
  const expiredToken = (secret: string) =>
    signServerToken(secret, { exp: Math.floor(Date.now() / 1000) - 10 });
  const refusals: Array<[string, (secret: string) => CallOptions, number]> = [
    ["a wrong api_key", () => ({ query: { api_key: "someone-else" } }), 2],
    ["no stream-auth-type", () => ({ headers: { "stream-auth-type": "" } }), 5],
    ["no Authorization", () => ({ headers: { Authorization: "" } }), 5],
    ["a Bearer prefix", (secret) => ({ headers: { Authorization: `Bearer ${signServerToken(secret)}` } }), 5],
    [
      "a token signed with another secret",
      () => ({ headers: { Authorization: signServerToken("other") } }),
      43,
    ],
    ["an expired token", (secret) => ({ headers: { Authorization: expiredToken(secret) } }), 40],
  ];

  it.each(refusals)("refuses %s with 401 and changes nothing", async (_label, callOptions, code) => {
    fake.sim.addPending({ id: "guarded" });
    const response = await commit("guarded", callOptions(fake.apiSecret));
    expect(response.status).toBe(401);
    expectStreamError(await response.json(), 401, code, "CommitMessage");
    expect(fake.sim.get("guarded")).toMatchObject({ state: "pending", commitAttempts: 0 });
    expect(fake.sim.ledger[0]).toMatchObject({ operation: "commit", status: 401, effect: null });
  });

  it("refuses a user token on a server-side call", async () => {
    fake.sim.addPending({ id: "guarded" });
    const userToken = signServerToken(fake.apiSecret, { server: false, user_id: "alice" });
    const response = await commit("guarded", { headers: { Authorization: userToken } });
    expect(response.status).toBe(401);
    expect(fake.sim.get("guarded")?.state).toBe("pending");
  });
});

describe("sandbox mode (autoCreatePending)", () => {
  it("treats unknown ids as pending, and still lets only the first commit win", async () => {
    const sandbox = await startFakeStream({ autoCreatePending: true });
    try {
      const query = new URLSearchParams({ api_key: sandbox.apiKey });
      const headers = { Authorization: signServerToken(sandbox.apiSecret), "stream-auth-type": "jwt" };
      const url = `${sandbox.url}/messages/never-registered/commit?${query}`;
      expect((await fetch(url, { method: "POST", headers })).status).toBe(201);
      expect((await fetch(url, { method: "POST", headers })).status).toBe(400);
      expect(sandbox.sim.get("never-registered")?.state).toBe("committed");
    } finally {
      await sandbox.close();
    }
  });

  it("serves in-process through app.fetch, with no socket", async () => {
    fake.sim.addPending({ id: "in-process" });
    const response = await fake.sim.fetch(
      `http://stream.invalid/messages/in-process/commit?api_key=${fake.apiKey}`,
      {
        method: "POST",
        headers: { Authorization: signServerToken(fake.apiSecret), "stream-auth-type": "jwt" },
      },
    );
    expect(response.status).toBe(201);
    expect(fake.ledger).toHaveLength(0);
    expect(fake.sim.ledger).toHaveLength(1);
  });

  it("keeps only the latest calls when the ledger is capped, numbering them all", async () => {
    const sim = createSimulatedStream({ apiKey: "k", apiSecret: "s", maxLedgerEntries: 2 });
    const headers = { Authorization: signServerToken("s"), "stream-auth-type": "jwt" };
    for (let i = 0; i < 3; i += 1) await sim.fetch("http://stream.invalid/app?api_key=k", { headers });
    expect(sim.ledger.map((call) => call.seq)).toEqual([2, 3]);
  });

  it("keeps only the latest messages when capped; a forgotten one is adopted again (sandbox)", async () => {
    const sim = createSimulatedStream({
      apiKey: "k",
      apiSecret: "s",
      autoCreatePending: true,
      maxMessages: 3,
    });
    const headers = { Authorization: signServerToken("s"), "stream-auth-type": "jwt" };
    const commit = (id: string) =>
      sim.fetch(`http://stream.invalid/messages/${id}/commit?api_key=k`, { method: "POST", headers });
    for (let i = 0; i < 1000; i += 1) expect((await commit(`m${i}`)).status).toBe(201);
    expect(sim.messages().map((message) => message.id)).toEqual(["m997", "m998", "m999"]);
    expect((await commit("m999")).status).toBe(400);
    expect((await commit("m0")).status).toBe(201);
    expect(sim.messages()).toHaveLength(3);
  });
});

describe("faults", () => {
  it("answers a 5xx in Stream's JSON shape without applying the call", async () => {
    fake.sim.addPending({ id: "f1" });
    fake.faults.enqueue({ kind: "serverError", status: 503 });

    const response = await commit("f1");
    expect(response.status).toBe(503);
    expectStreamError(await response.json(), 503, -1, "CommitMessage");
    expect(fake.sim.get("f1")?.state).toBe("pending");
    expect(fake.ledger[0]).toMatchObject({
      fault: { kind: "serverError" },
      effectApplied: false,
      clientSaw: { kind: "response", status: 503 },
    });

    expect((await commit("f1")).status).toBe(201);
    expect(fake.faults.queued).toBe(0);
  });

  it("can answer a 5xx after the call landed", async () => {
    fake.sim.addPending({ id: "f2" });
    fake.faults.enqueue({ kind: "serverError", applyEffect: true });
    expect((await commit("f2")).status).toBe(500);
    expect(fake.sim.get("f2")?.state).toBe("committed");
    expect(fake.ledger[0]).toMatchObject({
      effectApplied: true,
      simulated: { status: 201, effect: "committed" },
    });
  });

  it("answers a plain-text 429 with the rate-limit headers", async () => {
    fake.sim.addPending({ id: "f3" });
    const resetAt = Math.floor(Date.now() / 1000) + 30;
    fake.faults.enqueue({ kind: "rateLimited", resetAt, limit: 100 });

    const response = await commit("f3");
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(response.headers.get("x-ratelimit-reset")).toBe(String(resetAt));
    expect(response.headers.get("x-ratelimit-limit")).toBe("100");
    expect(response.headers.get("x-ratelimit-remaining")).toBe("0");
    await expect(response.clone().json()).rejects.toThrow();
    expect(fake.sim.get("f3")?.state).toBe("pending");
    expect(fake.ledger[0]?.effectApplied).toBe(false);
  });

  it("delays before the effect: nothing has changed while the call waits", async () => {
    fake.sim.addPending({ id: "f4" });
    fake.faults.enqueue({ kind: "delay", ms: 300, phase: "beforeEffect" });

    const startedAt = Date.now();
    const inFlight = commit("f4");
    await fake.waitForCall((call) => call.messageId === "f4");
    expect(fake.sim.get("f4")?.state).toBe("pending");
    expect((await inFlight).status).toBe(201);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    expect(fake.sim.get("f4")?.state).toBe("committed");
  });

  it("delays after the effect: a client that gives up still committed the message", async () => {
    fake.sim.addPending({ id: "f5" });
    fake.faults.enqueue({ kind: "delay", ms: 2_000, phase: "afterEffect" });

    await expect(commit("f5", { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(fake.sim.get("f5")?.state).toBe("committed");
    const call = await fake.waitForCall((c) => c.messageId === "f5" && c.clientSaw.kind !== "inFlight");
    expect(call).toMatchObject({ effectApplied: true, clientSaw: { kind: "clientGone" } });
  });

  it("resets the connection after the commit landed: the answer is lost, the retry sees 400", async () => {
    fake.sim.addPending({ id: "f6" });
    fake.faults.enqueue({ kind: "reset" });

    await expect(commit("f6")).rejects.toThrow();
    expect(fake.sim.get("f6")?.state).toBe("committed");
    expect(fake.ledger[0]).toMatchObject({
      fault: { kind: "reset" },
      effectApplied: true,
      simulated: { status: 201, effect: "committed" },
      clientSaw: { kind: "reset" },
    });

    // What a client does with an unknown outcome: retry, then tell "already committed" from "gone".
    expect((await commit("f6")).status).toBe(400);
    expect((await callStream("GET", "/messages/f6")).status).toBe(200);
  });

  it("can reset the connection before the call lands", async () => {
    fake.sim.addPending({ id: "f7" });
    fake.faults.enqueue({ kind: "reset", applyEffect: false });
    await expect(commit("f7")).rejects.toThrow();
    expect(fake.sim.get("f7")?.state).toBe("pending");
    expect(fake.sim.ledger).toHaveLength(0);
  });

  it("blackholes a call: no answer, no effect, and close() still returns", async () => {
    fake.sim.addPending({ id: "f8" });
    fake.faults.enqueue({ kind: "blackhole" });

    await expect(commit("f8", { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(fake.sim.get("f8")?.state).toBe("pending");
    expect(fake.ledger[0]).toMatchObject({ effectApplied: false, clientSaw: { kind: "noAnswer" } });

    fake.faults.enqueue({ kind: "blackhole", applyEffect: true });
    const hanging = commit("f8");
    hanging.catch(() => {});
    await fake.waitForCall((call) => call.seq === 2);
    expect(fake.sim.get("f8")?.state).toBe("committed");
    // close() must not wait for the held connection.
    await fake.close();
    await expect(hanging).rejects.toThrow();
  });

  it("applies queued faults only to the calls they match", async () => {
    fake.sim.addPending({ id: "f9" });
    fake.faults.enqueue({ kind: "serverError", match: { operation: "commit", messageId: "f9" } });

    expect((await callStream("GET", "/messages/f9")).status).toBe(200);
    expect((await commit("other")).status).toBe(404);
    expect((await commit("f9")).status).toBe(500);
    expect((await commit("f9")).status).toBe(201);
    expect(fake.ledger.map((call) => call.fault?.kind)).toEqual([
      undefined,
      undefined,
      "serverError",
      undefined,
    ]);
  });

  it("takes faults from a rule when the queue has none", async () => {
    fake.sim.addPending({ id: "f10" });
    fake.faults.setRule((call) =>
      call.operation === "commit" && call.seq <= 2 ? { kind: "serverError", status: 502 } : undefined,
    );
    expect((await commit("f10")).status).toBe(502);
    expect((await commit("f10")).status).toBe(502);
    expect((await commit("f10")).status).toBe(201);
    fake.faults.clear();
    expect((await commit("f10")).status).toBe(400);
  });
});

describe("hooks signed like Stream", () => {
  it("signs the raw body as lowercase hex HMAC-SHA256", () => {
    // RFC 4231, test case 2.
    const expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    expect(signBody("what do ya want for nothing?", "Jefe")).toBe(expected);
    expect(signBody(Buffer.from("what do ya want for nothing?"), "Jefe")).toBe(expected);
  });

  it("sends the headers and signed body Stream sends", async () => {
    const payload = pendingMessagePayload({ message: { id: "hook-1", text: "a < b" } });
    let received: Request | undefined;
    const response = await sendHook("http://gatehouse.test/", "/hooks/stream/PassOnPendingMessage", payload, {
      apiKey: "key",
      secret: "secret",
      webhookId: "delivery-1",
      attempt: 2,
      fetch: async (input, init) => {
        received = new Request(input, init);
        return new Response(null, { status: 200 });
      },
    });
    expect(response.status).toBe(200);
    expect(received?.url).toBe("http://gatehouse.test/hooks/stream/PassOnPendingMessage");
    const raw = await received!.text();
    expect(JSON.parse(raw)).toEqual(payload);
    expect(received?.headers.get("x-signature")).toBe(signBody(raw, "secret"));
    expect(received?.headers.get("x-api-key")).toBe("key");
    expect(received?.headers.get("x-webhook-id")).toBe("delivery-1");
    expect(received?.headers.get("x-webhook-attempt")).toBe("2");
    expect(received?.headers.get("content-type")).toBe("application/json");
  });

  it("signs the uncompressed bytes of a gzipped hook", () => {
    const hook = hookHeaders({ apiKey: "key", secret: "secret", body: pendingMessagePayload(), gzip: true });
    expect(hook.headers["Content-Encoding"]).toBe("gzip");
    const inflated = gunzipSync(hook.body as Buffer);
    expect(inflated.toString()).toBe(hook.signedBody);
    expect(hook.headers["X-Signature"]).toBe(signBody(inflated, "secret"));
  });

  it("builds a realistic pending-message payload", () => {
    const payload = pendingMessagePayload({ message: { text: "<b>hi</b>" }, metadata: { a: "1" } });
    expect(payload.message).toMatchObject({
      id: expect.stringMatching(/^msg-/),
      text: "<b>hi</b>",
      html: "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n",
      type: "regular",
      cid: "messaging:general",
      user: { id: "alice", role: "user" },
    });
    expect(payload.metadata).toEqual({ a: "1" });
    expect(payload.request_info).toMatchObject({
      type: "client",
      ip: expect.any(String),
      sdk: expect.any(String),
    });
    expect(pendingMessagePayload({ request_info: null })).not.toHaveProperty("request_info");
    expect(pendingMessagePayload().message.id).not.toBe(pendingMessagePayload().message.id);
  });
});
