import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/rows.ts";
import { RULES_YAML } from "../support/load-driver.ts";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/service.ts";

// Every filter of the review API takes text from whoever holds a moderator token. Classic SQL
// injection payloads in each must be data: a 200 that matches nothing (or exactly what the text
// literally says) or a 400, never a 5xx, never rows the filter should not let through, and the
// tables intact afterwards.

const PAYLOADS = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "alice' --",
  "alice'; DROP TABLE messages; --",
  "'); DELETE FROM decisions; --",
  '" OR ""="',
  "1) OR (1=1",
  "%' OR '%'='",
  "%",
  "_",
  "\\",
  "\\'; select pg_sleep(5); --",
  "$1",
  "$$ OR $$a$$=$$a",
  "' UNION SELECT * FROM moderators --",
  "alice\u0000",
  "ᴬˡⁱᶜᵉ",
  "' AND (SELECT count(*) FROM pg_sleep(5)) > 0 --",
  "*/ OR 1=1 /*",
  "'::text OR true --",
];

const ROUTES: { path: string; params: string[] }[] = [
  {
    path: "/api/decisions",
    params: [
      "user_id",
      "cid",
      "ip",
      "action",
      "source",
      "rule_id",
      "message_id",
      "since",
      "until",
      "limit",
      "cursor",
    ],
  },
  { path: "/api/queue", params: ["cid", "user_id", "rule_id", "limit", "cursor"] },
];

describe("hostile input: SQL injection in review API filters", () => {
  let h: Harness;
  let before: Record<string, number>;

  const counts = async () => {
    const [row] = rowsOf<Record<string, string | number>>(
      await h.db.database.db.execute(
        sql`select (select count(*) from messages) as messages, (select count(*) from decisions) as decisions,
                   (select count(*) from moderators) as moderators`,
      ),
    );
    return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
  };

  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES_YAML, startWorkers: false });
    // Something for every filter to find: approved, rejected and held messages from two users.
    for (const [text, user] of [
      ["hello", "alice"],
      ["a badword here", "bob"],
      ["holdme please", "alice"],
      ["holdme too", "bob"],
    ] as const) {
      const response = await h.hook(
        "PassOnPendingMessage",
        h.pending({ message: { text, user: { id: user } } }),
      );
      expect(response.status).toBe(200);
    }
    before = await counts();
  });
  afterAll(() => h?.close());

  const get = (path: string, query: Record<string, string>) =>
    h.service.app.request(`${path}?${new URLSearchParams(query)}`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });

  it("the filters work on honest values (so the checks below can tell)", async () => {
    const all = (await (await get("/api/decisions", {})).json()) as { items: unknown[] };
    expect(all.items.length).toBe(4);
    const alice = (await (await get("/api/decisions", { user_id: "alice" })).json()) as { items: unknown[] };
    expect(alice.items.length).toBe(2);
    const queue = (await (await get("/api/queue", {})).json()) as { items: unknown[] };
    expect(queue.items.length).toBe(2);
  });

  for (const { path, params } of ROUTES) {
    it(`GET ${path}: every filter treats injection payloads as data`, async () => {
      const problems: string[] = [];
      for (const param of params) {
        for (const payload of PAYLOADS) {
          const started = Date.now();
          const response = await get(path, { [param]: payload });
          const elapsed = Date.now() - started;
          const text = await response.text();
          if (response.status >= 500)
            problems.push(`${param}=${JSON.stringify(payload)}: ${response.status} ${text}`);
          if (elapsed > 2000)
            problems.push(`${param}=${JSON.stringify(payload)}: took ${elapsed} ms (injected sleep?)`);
          if (response.status === 200) {
            // No payload is a real user, cid, rule or message: a filter given one matches nothing.
            const items = (JSON.parse(text) as { items: unknown[] }).items;
            if (param !== "limit" && items.length > 0) {
              problems.push(`${param}=${JSON.stringify(payload)}: matched ${items.length} row(s)`);
            }
          } else if (response.status !== 400) {
            problems.push(`${param}=${JSON.stringify(payload)}: unexpected ${response.status}`);
          }
        }
      }
      expect(problems).toEqual([]);
      expect(await counts()).toEqual(before);
    });
  }

  it("a NUL in a JSON body field is refused, not a 500", async () => {
    const [held] = rowsOf<{ id: string }>(
      await h.db.database.db.execute(sql`select id from messages where status = 'held' limit 1`),
    );
    const response = await h.service.app.request(`/api/messages/${encodeURIComponent(held!.id)}/approve`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "ok\u0000'); DELETE FROM messages; --" }),
    });
    expect(response.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it("injection in the message id path segment is data too", async () => {
    for (const payload of PAYLOADS) {
      const response = await h.service.app.request(`/api/messages/${encodeURIComponent(payload)}`, {
        headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(response.status, payload).toBe(payload.includes("\u0000") ? 400 : 404);
    }
    expect(await counts()).toEqual(before);
  });
});
