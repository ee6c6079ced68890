import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgres } from "../../src/db/client.ts";
import type { Service } from "../../src/service.ts";
import { anotherReplica, api, createModerator, holdMessage } from "../review/helpers.ts";
import { describeWithPostgres } from "../support/db.ts";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/service.ts";
import { startTcpProxy } from "../support/tcp-proxy.ts";

const RULES = `
default_action: approve
review_timeout_action: expire
rules:
  - id: needs-a-look
    action: review
    when: { text_has_any: [maybe] }
`;

interface Received {
  event: string;
  data: string;
}

/** Opens GET /api/events on a service and collects what it sends, until close(). */
async function openEvents(service: Service, token = ADMIN_TOKEN) {
  const controller = new AbortController();
  const response = await service.app.request("/api/events", {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const received: Received[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let endedByServer = false;
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          endedByServer = true;
          return;
        }
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? "message";
          const data = /^data: ?(.*)$/m.exec(block)?.[1] ?? "";
          received.push({ event, data });
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
  })();
  /** Polls (generously) until an event matching `accept` has arrived. */
  const waitFor = async (accept: (event: { kind: string; id?: string; status?: string }) => boolean) => {
    const until = Date.now() + 15_000;
    for (;;) {
      const found = received
        .filter((r) => r.event === "queue")
        .map((r) => JSON.parse(r.data))
        .find(accept);
      if (found) return found;
      if (Date.now() > until) throw new Error(`no such queue event; got ${JSON.stringify(received)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await expect.poll(() => received.some((r) => r.event === "ready"), { timeout: 15_000 }).toBe(true);
  return {
    received,
    waitFor,
    endedByServer: () => endedByServer,
    queueEvents: () => received.filter((r) => r.event === "queue").map((r) => JSON.parse(r.data)),
    close: async () => {
      controller.abort();
      await reader.cancel().catch(() => {});
      await pump;
    },
  };
}

describe("GET /api/events: the live queue feed", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES });
  });
  afterAll(() => h.close());

  it("needs a token, like the rest of the API", async () => {
    const response = await h.service.app.request("/api/events");
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe("unauthenticated");
  });

  it("tells who a token belongs to (the console's sign-in)", async () => {
    const dana = await createModerator(h.service, "Dana");
    const me = await api<{ id: string; name: string; role: string }>(h.service, "GET", "/api/me", {
      token: dana.token,
    });
    expect(me.body).toEqual({ id: dana.id, name: "Dana", role: "moderator" });
    const admin = await api<{ role: string }>(h.service, "GET", "/api/me");
    expect(admin.body.role).toBe("admin");
  });

  it("announces a message entering the queue, its claim, and its leaving; nothing for messages never held", async () => {
    const events = await openEvents(h.service);
    try {
      const approved = h.pending({ message: { text: "nothing to see" } });
      await h.hook("PassOnPendingMessage", approved);
      const id = await holdMessage(h, { message: { text: "maybe later" } });
      await events.waitFor((e) => e.kind === "held" && e.id === id);

      const dana = await createModerator(h.service, "Dana");
      expect((await api(h.service, "POST", `/api/messages/${id}/claim`, { token: dana.token })).status).toBe(
        200,
      );
      await events.waitFor((e) => e.kind === "claim" && e.id === id);

      expect(
        (await api(h.service, "POST", `/api/messages/${id}/approve`, { token: dana.token })).status,
      ).toBe(202);
      const left = await events.waitFor((e) => e.kind === "left" && e.id === id);
      expect(left.status).toBe("committing");
      // Committing -> committed is not a queue change: only the message's leaving the queue is.
      await h.waitForStatus(id, ["committed"]);
      expect(events.queueEvents().filter((e) => e.id === approved.message.id)).toEqual([]);
      expect(events.queueEvents().filter((e) => e.id === id && e.kind === "left")).toHaveLength(1);
    } finally {
      await events.close();
    }
  });

  it("forgets a console that disconnects", async () => {
    const before = h.service.queueEvents.subscriberCount;
    const events = await openEvents(h.service);
    expect(h.service.queueEvents.subscriberCount).toBe(before + 1);
    await events.close();
    await expect.poll(() => h.service.queueEvents.subscriberCount, { timeout: 15_000 }).toBe(before);
  });

  it("ends every open stream when the service shuts down, and refuses new ones with a 503", async () => {
    const replica = await anotherReplica(h);
    const events = await openEvents(replica);
    await replica.shutdown();
    await expect.poll(() => events.endedByServer(), { timeout: 15_000 }).toBe(true);
    await events.close();
    // A stream asked for after that is refused, saying what to do, rather than left silent.
    const late = await replica.app.request("/api/events", {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(late.status).toBe(503);
    const problem = (await late.json()) as { code: string; detail: string };
    expect(problem.code).toBe("events_unavailable");
    expect(problem.detail).toMatch(/reload the page/);
  });
});

describeWithPostgres("GET /api/events across replicas (LISTEN/NOTIFY)", () => {
  let h: Harness;
  let other: Service;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES });
    other = await anotherReplica(h, { database: h.db.openPool(4), instanceId: "replica-b" });
  });
  afterAll(async () => {
    await other?.shutdown();
    await h?.close();
  });

  it("a console on one replica hears about messages held and decided through another", async () => {
    const onA = await openEvents(h.service);
    try {
      const payload = h.pending({ message: { text: "maybe through replica b" } });
      const response = await h.hook("PassOnPendingMessage", payload, { to: other });
      expect(((await response.json()) as { status: string }).status).toBe("held");
      const id = payload.message.id;
      await onA.waitFor((e) => e.kind === "held" && e.id === id);
      expect((await api(other, "POST", `/api/messages/${id}/reject`)).status).toBe(202);
      const left = await onA.waitFor((e) => e.kind === "left" && e.id === id);
      expect(left.status).toBe("rejecting");
    } finally {
      await onA.close();
    }
  });
});

describeWithPostgres("GET /api/events when the listening connection is cut", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES });
  });
  afterAll(() => h?.close());

  it("tells the console to refetch (resync), and keeps announcing once Postgres is reachable again", async () => {
    const url = new URL(h.db.url!);
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    const cut = await anotherReplica(h, { database: openPostgres({ url: url.toString(), poolSize: 2 }) });
    try {
      const events = await openEvents(cut);
      proxy.drop();
      // Whatever is held while the connection is down cannot be heard: the resync covers it.
      const missed = await holdMessage(h, { message: { text: "maybe while cut off" } });
      proxy.heal();
      await events.waitFor((e) => e.kind === "resync");
      const id = await holdMessage(h, { message: { text: "maybe after the cut" } });
      await events.waitFor((e) => e.kind === "held" && e.id === id);
      expect(events.queueEvents().some((e) => e.id === missed)).toBe(false);
      await events.close();
    } finally {
      await cut.shutdown();
      await cut.database.close();
      await proxy.close();
    }
  });
});
