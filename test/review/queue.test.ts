import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/service.ts";
import { api, createModerator, holdMessage, REVIEW_RULES } from "./helpers.ts";

interface QueuePage {
  items: {
    id: string;
    cid: string;
    user: { id: string; name: string };
    seconds_left: number;
    deadline_at: string;
    matches: { rule_id: string; conditions: { spans?: { text: string }[] }[] }[];
    request_info: { ip?: string };
    claim: unknown;
  }[];
  next_cursor: string | null;
}

describe("the review queue", () => {
  let h: Harness;
  /** Held message ids in deadline order (created_at staggered so deadlines differ). */
  const ordered: string[] = [];
  const base = Date.now();
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: REVIEW_RULES, env: { PENDING_TIMEOUT_MS: "600000" } });
    // Sent in scrambled order; the queue must still come out by deadline.
    const offsets = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4, 11, 10];
    const byOffset = new Map<number, string>();
    for (const offset of offsets) {
      const spam = offset % 2 === 1;
      const id = await holdMessage(h, {
        message: {
          id: `q-${String(offset).padStart(2, "0")}`,
          text: spam ? "buy spam now" : "maybe later",
          created_at: new Date(base - 60_000 + offset * 1000).toISOString(),
          cid: offset < 6 ? "messaging:general" : "messaging:random",
          user: { id: offset % 3 === 0 ? "carol" : "bob", name: offset % 3 === 0 ? "Carol" : "Bob" },
        },
      });
      byOffset.set(offset, id);
    }
    for (const offset of [...byOffset.keys()].sort((a, b) => a - b)) ordered.push(byOffset.get(offset)!);
    // Messages the rules did not hold never appear.
    await h.hook("PassOnPendingMessage", h.pending({ message: { text: "hello" } }));
  });
  afterAll(async () => {
    await h.close();
  });

  it("lists held messages earliest deadline first, with seconds left, matches and spans, sender, channel and request_info", async () => {
    const page = await api<QueuePage>(h.service, "GET", "/api/queue?limit=100");
    expect(page.status).toBe(200);
    expect(page.body.items.map((item) => item.id)).toEqual(ordered);
    expect(page.body.next_cursor).toBeNull();
    const first = page.body.items[0]!;
    expect(first.seconds_left).toBeGreaterThan(400);
    expect(first.seconds_left).toBeLessThanOrEqual(600);
    expect(first.user).toMatchObject({ id: "carol", name: "Carol" });
    expect(first.cid).toBe("messaging:general");
    expect(first.request_info.ip).toBe("203.0.113.24");
    expect(first.matches[0]).toMatchObject({ rule_id: "needs-a-look" });
    expect(first.matches[0]!.conditions[0]!.spans![0]!.text).toBe("maybe");
    expect(first.claim).toBeNull();
  });

  it("filters by cid, user_id and rule_id", async () => {
    const ids = async (query: string) =>
      (await api<QueuePage>(h.service, "GET", `/api/queue?limit=100&${query}`)).body.items.map(
        (item) => item.id,
      );
    expect(await ids("cid=messaging:general")).toEqual(ordered.slice(0, 6));
    expect(await ids("user_id=carol")).toEqual(ordered.filter((_, offset) => offset % 3 === 0));
    expect(await ids("rule_id=spammy")).toEqual(ordered.filter((_, offset) => offset % 2 === 1));
    expect(await ids("rule_id=spammy&cid=messaging:random&user_id=bob")).toEqual(
      ordered.filter((_, offset) => offset % 2 === 1 && offset >= 6 && offset % 3 !== 0),
    );
    expect(await ids("rule_id=no-such-rule")).toEqual([]);
  });

  it("pages with a cursor that stays correct while messages leave the queue concurrently", async () => {
    const moderator = await createModerator(h.service, "Pat");
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    let decisionsInFlight: Promise<unknown> = Promise.resolve();
    do {
      const query: string = `/api/queue?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      // The page is read while other moderators' decisions (on both sides of the cursor) land.
      const [page] = await Promise.all([
        api<QueuePage>(h.service, "GET", query, { token: moderator.token }),
        decisionsInFlight,
      ]);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.next_cursor;
      const onThisPage = page.body.items[0]?.id;
      const later = ordered[seen.length + 1];
      decisionsInFlight = Promise.all([
        onThisPage ? api(h.service, "POST", `/api/messages/${onThisPage}/approve`) : undefined,
        later && round % 2 === 0 ? api(h.service, "POST", `/api/messages/${later}/reject`) : undefined,
      ]);
      round++;
    } while (cursor);
    await decisionsInFlight;

    // Nothing seen twice, and everything still held when its page was read was seen, in order.
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(ordered.filter((id) => seen.includes(id)));
    const decidedBeforeSeen = ordered.filter((id) => !seen.includes(id));
    for (const id of decidedBeforeSeen) expect(await h.status(id)).toMatch(/^reject/);
    expect(seen.length + decidedBeforeSeen.length).toBe(ordered.length);
  });

  it("refuses a cursor it did not issue", async () => {
    const answer = await api(h.service, "GET", "/api/queue?cursor=bm9wZQ");
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("invalid_cursor");
    const limit = await api(h.service, "GET", "/api/queue?limit=0");
    expect(limit.status).toBe(400);
    expect(limit.body.detail).toContain("limit");
  });
});
