import { gzipSync } from "node:zlib";
import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { outbox } from "../../src/db/schema/index.ts";
import type { MessageRecord } from "../../src/review/message-record.ts";
import { api } from "../support/api.ts";
import { appliedCommits, storedRows, streamCalls } from "../support/counts.ts";
import { describeWithPostgres } from "../support/db.ts";
import { type Harness, startHarness } from "../support/service.ts";
import { hookHeaders, signBody } from "../support/sign.ts";

const RULES = `
default_action: approve
rules:
  - id: banned-words
    action: reject
    when: { text_has_any: [badword] }
  - id: needs-a-look
    action: review
    when: { text_has_any: [maybe] }
`;

const fetchRecord = async (h: Harness, id: string) =>
  (await api<MessageRecord>(h.service, "GET", `/api/messages/${encodeURIComponent(id)}`)).body;

describe("hook endpoints: every row of the contract's table", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ rulesYaml: RULES });
  });
  afterEach(async () => {
    await h.close();
  });

  it("serves rules already warmed up: a long first message does not meet cold code", () => {
    expect(h.service.rules.current.isWarm).toBe(true);
  });

  it("valid, new message: 200 with status after the receipt is durable; decision logged with request_info; committed once", async () => {
    const payload = h.pending({
      message: { text: "hello world" },
      metadata: { campaign: "spring" },
      request_info: {
        type: "client",
        ip: "203.0.113.9",
        user_agent: "Mozilla/5.0",
        sdk: "stream-chat-js-9.1.0",
        ext: "k=v",
      },
    });
    const response = await h.hook("PassOnPendingMessage", payload, { webhookId: "wh-1", attempt: 1 });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message_id: payload.message.id, status: "committing" });

    // Durable before the answer: the rows are there the moment the 200 is.
    expect(await storedRows(h.db.database.db, payload.message.id)).toEqual({
      messages: 1,
      decisions: 1,
      outbox: 1,
      deliveries: 1,
    });
    const record = await fetchRecord(h, payload.message.id);
    expect(record.decisions[0]).toMatchObject({
      action: "approve",
      source: "rules",
      request_info: {
        ip: "203.0.113.9",
        user_agent: "Mozilla/5.0",
        sdk: "stream-chat-js-9.1.0",
        ext: "k=v",
        type: "client",
      },
    });
    expect(record.metadata).toEqual({ campaign: "spring" });
    expect(record.deliveries[0]).toMatchObject({ webhook_id: "wh-1", attempt: 1, outcome: "new" });

    await h.waitForStatus(payload.message.id, ["committed"]);
    expect(appliedCommits(h.stream, payload.message.id)).toHaveLength(1);
    expect(h.stream.sim.get(payload.message.id)?.state).toBe("committed");
  });

  it("keeps unknown fields of the message in the stored payload", async () => {
    const payload = h.pending({ message: { text: "hi", custom_priority: "high", nested: { a: [1, 2] } } });
    expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);
    const record = await fetchRecord(h, payload.message.id);
    expect(record.message).toMatchObject({ custom_priority: "high", nested: { a: [1, 2] } });
  });

  it("rejected message: hard-deleted at Stream, never committed", async () => {
    const payload = h.pending({ message: { text: "this has a badword in it" } });
    const response = await h.hook("PassOnPendingMessage", payload);
    expect(await response.json()).toEqual({ message_id: payload.message.id, status: "rejecting" });
    await h.waitForStatus(payload.message.id, ["rejected"]);
    expect(streamCalls(h.stream, payload.message.id, "commit")).toHaveLength(0);
    expect(streamCalls(h.stream, payload.message.id, "delete")).toHaveLength(1);
    expect(streamCalls(h.stream, payload.message.id, "delete")[0]?.simulated?.query.hard).toBe("true");
  });

  it("valid, message already known (retry, replay, the other hook): 200 with the current status and nothing new", async () => {
    const payload = h.pending({ message: { text: "hello again" } });
    await h.hook("PassOnPendingMessage", payload, { webhookId: "wh-a", attempt: 1 });
    await h.waitForStatus(payload.message.id, ["committed"]);

    const retry = await h.hook("PassOnPendingMessage", payload, { webhookId: "wh-a", attempt: 2 });
    const otherHook = await h.hook("PassOnPendingMessage", payload, { webhookId: "wh-b", attempt: 1 });
    for (const response of [retry, otherHook]) {
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ message_id: payload.message.id, status: "committed" });
    }
    // A replay with a changed text is still the same message: the first decision stands.
    const replay = await h.hook("PassOnPendingMessage", {
      ...payload,
      message: { ...payload.message, text: "badword" },
    });
    expect(await replay.json()).toEqual({ message_id: payload.message.id, status: "committed" });

    expect(await storedRows(h.db.database.db, payload.message.id)).toEqual({
      messages: 1,
      decisions: 1,
      outbox: 1,
      deliveries: 4,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(streamCalls(h.stream, payload.message.id, "commit")).toHaveLength(1);
  });

  it("DeletedPendingMessage: 200, the held message becomes deleted, nothing is sent to Stream", async () => {
    const payload = h.pending({ message: { text: "maybe this is fine" } });
    expect(await (await h.hook("PassOnPendingMessage", payload)).json()).toMatchObject({ status: "held" });
    const deleted = await h.hook("DeletedPendingMessage", payload);
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ message_id: payload.message.id, status: "deleted" });
    expect(await h.status(payload.message.id)).toBe("deleted");
    // Approving it now is impossible: the record is closed.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(streamCalls(h.stream, payload.message.id)).toHaveLength(0);
  });

  it("DeletedPendingMessage cancels an undelivered commit", async () => {
    h.stream.faults.setRule((call) =>
      call.operation === "commit" ? { kind: "serverError", status: 503 } : undefined,
    );
    const payload = h.pending({ message: { text: "hello" } });
    await h.hook("PassOnPendingMessage", payload);
    await h.stream.waitForCall(
      (call) => call.operation === "commit" && call.messageId === payload.message.id,
    );
    expect(await (await h.hook("DeletedPendingMessage", payload)).json()).toMatchObject({
      status: "deleted",
    });
    const callsAtDelete = streamCalls(h.stream, payload.message.id).length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(streamCalls(h.stream, payload.message.id)).toHaveLength(callsAtDelete);
    const [row] = await h.db.database.db
      .select({ state: outbox.state })
      .from(outbox)
      .where(eq(outbox.messageId, payload.message.id));
    expect(row?.state).toBe("cancelled");
    expect(await h.status(payload.message.id)).toBe("deleted");
  });

  it("DeletedPendingMessage before PassOnPendingMessage: the late hook cannot revive the message", async () => {
    const payload = h.pending({ message: { text: "hello" } });
    expect(await (await h.hook("DeletedPendingMessage", payload)).json()).toMatchObject({
      status: "deleted",
    });
    const late = await h.hook("PassOnPendingMessage", payload);
    expect(await late.json()).toEqual({ message_id: payload.message.id, status: "deleted" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(streamCalls(h.stream, payload.message.id)).toHaveLength(0);
    expect((await storedRows(h.db.database.db, payload.message.id)).decisions).toBe(0);
  });

  it("DeletedPendingMessage after a commit leaves the committed record as it is", async () => {
    const payload = h.pending({ message: { text: "hello" } });
    await h.hook("PassOnPendingMessage", payload);
    await h.waitForStatus(payload.message.id, ["committed"]);
    expect(await (await h.hook("DeletedPendingMessage", payload)).json()).toMatchObject({
      status: "committed",
    });
  });

  describe("401: nothing stored", () => {
    const cases: Array<[string, (h: Harness, payload: unknown) => Promise<Response>, string]> = [
      [
        "missing X-Signature",
        (h, p) => h.hook("PassOnPendingMessage", p, { signature: "" }),
        "invalid_signature",
      ],
      [
        "malformed X-Signature",
        (h, p) => h.hook("PassOnPendingMessage", p, { signature: "zz" }),
        "invalid_signature",
      ],
      [
        "signature made with another secret",
        (h, p) =>
          h.hook("PassOnPendingMessage", p, { signature: signBody(JSON.stringify(p), "not-the-secret") }),
        "invalid_signature",
      ],
      [
        "unknown X-Api-Key",
        (h, p) => h.hook("PassOnPendingMessage", p, { apiKey: "someone-else" }),
        "unknown_api_key",
      ],
      ["missing X-Api-Key", (h, p) => h.hook("DeletedPendingMessage", p, { apiKey: "" }), "unknown_api_key"],
    ];
    for (const [name, send, code] of cases) {
      it(name, async () => {
        const payload = h.pending();
        const response = await send(h, payload);
        expect(response.status).toBe(401);
        expect(response.headers.get("content-type")).toContain("application/problem+json");
        expect(await response.json()).toMatchObject({ status: 401, code });
        expect(await storedRows(h.db.database.db)).toEqual({
          messages: 0,
          decisions: 0,
          outbox: 0,
          deliveries: 0,
        });
        expect(streamCalls(h.stream, payload.message.id)).toHaveLength(0);
      });
    }

    it("a body changed after signing", async () => {
      const payload = h.pending();
      const signature = signBody(JSON.stringify(payload), h.stream.apiSecret);
      const tampered = { ...payload, message: { ...payload.message, text: "changed" } };
      const response = await h.hook("PassOnPendingMessage", tampered, { signature });
      expect(response.status).toBe(401);
      expect(await storedRows(h.db.database.db)).toMatchObject({ messages: 0 });
    });
  });

  it("gzip bodies are verified over the uncompressed bytes", async () => {
    const payload = h.pending();
    const ok = await h.hook("PassOnPendingMessage", payload, { gzip: true });
    expect(ok.status).toBe(200);
    const signedOverCompressed = h.pending();
    const compressed = gzipSync(JSON.stringify(signedOverCompressed));
    const wrong = await h.service.app.request(`${h.service.config.hookPath}/PassOnPendingMessage`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        "X-Api-Key": h.stream.apiKey,
        "X-Signature": signBody(compressed, h.stream.apiSecret),
      },
      body: compressed,
    });
    expect(wrong.status).toBe(401);
  });

  describe("400: nothing stored", () => {
    const raw = async (h: Harness, body: string) =>
      h.service.app.request(`${h.service.config.hookPath}/PassOnPendingMessage`, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Api-Key": h.stream.apiKey,
          "X-Signature": signBody(body, h.stream.apiSecret),
        },
        body,
      });
    const cases: Array<[string, string, string, RegExp]> = [
      ["body not JSON", "{not json", "invalid_json", /not.*JSON/i],
      ["no message", JSON.stringify({ metadata: {} }), "missing_message_id", /message/],
      ["no message.id", JSON.stringify({ message: { text: "hi" } }), "missing_message_id", /message\.id/],
      ["empty message.id", JSON.stringify({ message: { id: "" } }), "missing_message_id", /message\.id/],
      [
        "message.text not a string",
        JSON.stringify({ message: { id: "m1", text: 42 } }),
        "invalid_payload",
        /message\.text/,
      ],
    ];
    for (const [name, body, code, detail] of cases) {
      it(name, async () => {
        const response = await raw(h, body);
        expect(response.status).toBe(400);
        const problem = (await response.json()) as { detail: string };
        expect(problem).toMatchObject({ status: 400, code });
        expect(problem.detail).toMatch(detail);
        expect(await storedRows(h.db.database.db)).toEqual({
          messages: 0,
          decisions: 0,
          outbox: 0,
          deliveries: 0,
        });
      });
    }
  });

  describe("413: nothing stored", () => {
    it("body over MAX_BODY_BYTES", async () => {
      const payload = h.pending({ message: { text: "x".repeat(1_100_000) } });
      const response = await h.hook("PassOnPendingMessage", payload);
      expect(response.status).toBe(413);
      expect(((await response.json()) as { detail: string }).detail).toMatch(/MAX_BODY_BYTES/);
      expect(await storedRows(h.db.database.db)).toMatchObject({ messages: 0, deliveries: 0 });
    });

    it("a body longer than its declared Content-Length, in process where no HTTP parser enforces it", async () => {
      const payload = h.pending({ message: { text: "x".repeat(1_100_000) } });
      const signed = hookHeaders({ apiKey: h.stream.apiKey, secret: h.stream.apiSecret, body: payload });
      const response = await h.service.app.request(`${h.service.config.hookPath}/PassOnPendingMessage`, {
        method: "POST",
        headers: { ...signed.headers, "content-length": "100" },
        body: signed.body,
      });
      expect(response.status).toBe(413);
      expect(await storedRows(h.db.database.db)).toMatchObject({ messages: 0, deliveries: 0 });
    });

    it("a small gzip body that inflates past MAX_BODY_BYTES", async () => {
      const payload = h.pending({ message: { text: "a".repeat(2_000_000) } });
      const response = await h.hook("PassOnPendingMessage", payload, { gzip: true });
      expect(response.status).toBe(413);
      expect(await storedRows(h.db.database.db)).toMatchObject({ messages: 0 });
    });
  });

  it("503 with Retry-After when the receipt cannot be stored; nothing half-stored; the retry succeeds", async () => {
    // The last statement of the receive transaction fails: everything before it must roll back.
    await h.db.database.db.execute(sql`
      create function refuse_delivery() returns trigger language plpgsql as $$
      begin raise exception 'storage is failing'; end $$`);
    await h.db.database.db.execute(sql`
      create trigger refuse_delivery before insert on hook_deliveries for each row execute function refuse_delivery()`);
    const payload = h.pending();
    const failed = await h.hook("PassOnPendingMessage", payload);
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await failed.json()).toMatchObject({ code: "database_unavailable" });
    expect(await storedRows(h.db.database.db)).toEqual({
      messages: 0,
      decisions: 0,
      outbox: 0,
      deliveries: 0,
    });

    await h.db.database.db.execute(sql`drop trigger refuse_delivery on hook_deliveries`);
    const retried = await h.hook("PassOnPendingMessage", payload, { attempt: 2 });
    expect(retried.status).toBe(200);
    await h.waitForStatus(payload.message.id, ["committed"]);
    expect(appliedCommits(h.stream, payload.message.id)).toHaveLength(1);
  });

  it("404 problem for an unknown hook name", async () => {
    const response = await h.hook("Nope" as "PassOnPendingMessage", h.pending());
    expect(response.status).toBe(404);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/PassOnPendingMessage/);
  });
});

// A database that stops answering: only a real server shows it. Embedded PGlite runs on the
// service's own thread, so while it is busy no timer of the service can fire at all.
describeWithPostgres(
  "hook endpoints: a database that hangs",
  () => {
    let h: Harness;
    afterEach(async () => {
      await h.close();
    });

    it("503 when the receipt is not confirmed in time; Stream's retry then finds it stored", async () => {
      h = await startHarness({ rulesYaml: RULES, env: { RECEIPT_TIMEOUT_MS: "300" } });
      // The first delivery's write hangs for a second (a database that stopped answering).
      await h.db.database.db.execute(sql`
      create function slow_first_delivery() returns trigger language plpgsql as $$
      begin if new.attempt = 1 then perform pg_sleep(1); end if; return new; end $$`);
      await h.db.database.db.execute(sql`
      create trigger slow_first_delivery before insert on hook_deliveries for each row execute function slow_first_delivery()`);
      const payload = h.pending();
      const started = Date.now();
      const first = await h.hook("PassOnPendingMessage", payload, { attempt: 1 });
      expect(first.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(900);
      expect(first.headers.get("retry-after")).toMatch(/^\d+$/);

      await h.waitForStatus(payload.message.id, ["committed"]);
      const retry = await h.hook("PassOnPendingMessage", payload, { attempt: 2 });
      expect(await retry.json()).toEqual({ message_id: payload.message.id, status: "committed" });
      expect(appliedCommits(h.stream, payload.message.id)).toHaveLength(1);
    });
  },
  "needs a database server that can hang independently of the service (PGlite runs on the service's thread)",
);
