import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/service.ts";
import { api, holdMessage, REVIEW_RULES } from "./helpers.ts";

interface DecisionPage {
  items: {
    id: number;
    message_id: string;
    action: string;
    source: string;
    user_id: string;
    cid: string;
    created_at: string;
    request_info: { ip: string | null };
  }[];
  next_cursor: string | null;
}

describe("searching the decision log", () => {
  let h: Harness;
  const ids: Record<string, string> = {};
  let between: { since: string; until: string };

  const send = async (name: string, text: string, ip: string | null, user: string, cid: string) => {
    const payload = h.pending({
      message: { id: `s-${name}`, text, cid, user: { id: user } },
      request_info: ip === null ? null : { ip },
    });
    expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);
    ids[name] = payload.message.id;
  };

  beforeAll(async () => {
    h = await startHarness({ rulesYaml: REVIEW_RULES, startWorkers: false });
    await send("v4-a", "hello", "203.0.113.7", "alice", "messaging:general");
    await send("v4-b", "badword here", "203.0.113.200", "bob", "messaging:general");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date().toISOString();
    await send("v4-other", "maybe", "198.51.100.4", "alice", "messaging:random");
    await send("v6-a", "hello", "2001:db8::1", "carol", "messaging:random");
    await send("v6-b", "spam spam", "2001:db8:ffff::42", "carol", "team:ops");
    await new Promise((resolve) => setTimeout(resolve, 20));
    between = { since, until: new Date().toISOString() };
    await send("v6-other", "hello", "2001:db9::1", "dave", "team:ops");
    await send("no-ip", "hello", null, "dave", "team:ops");
    // A moderator decision on a held message carries the sender's ip too.
    const held = await holdMessage(h, {
      message: { id: "s-held", cid: "team:ops", user: { id: "erin" } },
      request_info: { ip: "203.0.113.9" },
    });
    ids.held = held;
    expect(
      (await api(h.service, "POST", `/api/messages/${held}/reject`, { body: { reason: "no" } })).status,
    ).toBe(202);
  });
  afterAll(async () => {
    await h.close();
  });

  const search = async (query: string) => {
    const answer = await api<DecisionPage>(h.service, "GET", `/api/decisions?limit=100&${query}`);
    expect(answer.status, `${query}: ${JSON.stringify(answer.body)}`).toBe(200);
    return answer.body.items;
  };
  const messagesOf = async (query: string) =>
    [...new Set((await search(query)).map((d) => d.message_id))].sort();
  const sorted = (...names: string[]) => names.map((name) => ids[name]!).sort();

  it("lists every decision newest first", async () => {
    const all = await search("");
    // Eight rules decisions and one moderator decision.
    expect(all).toHaveLength(9);
    const times = all.map((d) => Date.parse(d.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all[0]).toMatchObject({ message_id: ids.held, source: "moderator", action: "reject" });
  });

  it("filters by an IPv4 address or CIDR block", async () => {
    expect(await messagesOf("ip=203.0.113.7")).toEqual(sorted("v4-a"));
    expect(await messagesOf(`ip=${encodeURIComponent("203.0.113.0/24")}`)).toEqual(
      sorted("v4-a", "v4-b", "held"),
    );
    expect(await messagesOf(`ip=${encodeURIComponent("203.0.113.128/25")}`)).toEqual(sorted("v4-b"));
    expect(await messagesOf(`ip=${encodeURIComponent("0.0.0.0/0")}`)).toEqual(
      sorted("v4-a", "v4-b", "v4-other", "held"),
    );
  });

  it("filters by an IPv6 address or CIDR block", async () => {
    expect(await messagesOf(`ip=${encodeURIComponent("2001:db8::1")}`)).toEqual(sorted("v6-a"));
    expect(await messagesOf(`ip=${encodeURIComponent("2001:db8::/32")}`)).toEqual(sorted("v6-a", "v6-b"));
    expect(await messagesOf(`ip=${encodeURIComponent("2001:db8:ffff::/48")}`)).toEqual(sorted("v6-b"));
    expect(await messagesOf(`ip=${encodeURIComponent("::/0")}`)).toEqual(sorted("v6-a", "v6-b", "v6-other"));
  });

  it("refuses an ip that is neither an address nor a CIDR block, naming the field", async () => {
    for (const bad of ["203.0.113", "203.0.113.0/33", "2001:db8::/129", "not-an-ip", "10.0.0.1/8/1"]) {
      const answer = await api(h.service, "GET", `/api/decisions?ip=${encodeURIComponent(bad)}`);
      expect(answer.status, bad).toBe(400);
      expect(answer.body.code).toBe("invalid_request");
      expect(answer.body.detail).toContain("ip");
    }
  });

  it("filters by user_id, cid, action, source and rule_id", async () => {
    expect(await messagesOf("user_id=alice")).toEqual(sorted("v4-a", "v4-other"));
    expect(await messagesOf("cid=team:ops")).toEqual(sorted("v6-b", "v6-other", "no-ip", "held"));
    expect(await messagesOf("action=reject")).toEqual(sorted("v4-b", "held"));
    expect(await messagesOf("action=review")).toEqual(sorted("v4-other", "v6-b", "held"));
    expect(await messagesOf("source=moderator")).toEqual(sorted("held"));
    expect(await messagesOf("rule_id=banned-words")).toEqual(sorted("v4-b"));
    expect(await messagesOf("rule_id=spammy")).toEqual(sorted("v6-b"));
    expect(await messagesOf("action=review&cid=team:ops&user_id=carol")).toEqual(sorted("v6-b"));
    expect(await messagesOf(`message_id=${ids.held}`)).toEqual(sorted("held"));
  });

  it("filters by a time range: since inclusive, until exclusive", async () => {
    expect(await messagesOf(`since=${between.since}&until=${between.until}`)).toEqual(
      sorted("v4-other", "v6-a", "v6-b"),
    );
    expect(await messagesOf(`until=${between.since}`)).toEqual(sorted("v4-a", "v4-b"));
    const bad = await api(h.service, "GET", "/api/decisions?since=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain("since");
  });

  it("pages through the log with a cursor, without gaps or repeats", async () => {
    const all = (await search("")).map((d) => d.id);
    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: DecisionPage } = await api<DecisionPage>(
        h.service,
        "GET",
        `/api/decisions?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      paged.push(...page.body.items.map((d) => d.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(paged).toEqual(all);
  });

  it("reports stats: counts by status and action, queue depth, latencies", async () => {
    const queued = await holdMessage(h, { message: { id: "s-queued" } });
    const stats = await api<{
      messages_by_status: Record<string, number>;
      decisions_by_action: Record<string, number>;
      decisions_by_source: Record<string, number>;
      queue: { depth: number; earliest_deadline_at: string; seconds_left: number };
      latency_ms: {
        rules_evaluation: { p50: number; p99: number; count: number };
        review: { count: number };
      };
    }>(h.service, "GET", "/api/stats");
    expect(stats.status).toBe(200);
    expect(stats.body.messages_by_status).toMatchObject({ committing: 4, rejecting: 2, held: 3 });
    expect(stats.body.decisions_by_action).toEqual({ approve: 4, reject: 2, review: 4 });
    expect(stats.body.decisions_by_source).toEqual({ rules: 9, moderator: 1 });
    expect(stats.body.queue.depth).toBe(3);
    expect(stats.body.queue.seconds_left).toBeGreaterThan(0);
    expect(stats.body.latency_ms.rules_evaluation.count).toBe(9);
    expect(stats.body.latency_ms.rules_evaluation.p99).toBeGreaterThanOrEqual(
      stats.body.latency_ms.rules_evaluation.p50,
    );
    expect(stats.body.latency_ms.review.count).toBe(1);
    expect(queued).toBe("s-queued");

    const empty = await api<{ messages_by_status: Record<string, number> }>(
      h.service,
      "GET",
      "/api/stats?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z",
    );
    expect(empty.body.messages_by_status).toEqual({});
    const backwards = await api(
      h.service,
      "GET",
      "/api/stats?since=2000-01-02T00:00:00Z&until=2000-01-01T00:00:00Z",
    );
    expect(backwards.status).toBe(400);
  });
});
