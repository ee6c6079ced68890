import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decisions, messages } from "../../src/db/schema/index.ts";
import { storedRows } from "../support/counts.ts";
import { type Harness, startHarness } from "../support/service.ts";

// Signed hooks whose values Postgres cannot store as they are: each must be stored in the form it
// can take, or refused with a 400 that names the field. A 503 would be retried by Stream forever.
describe("signed hooks with values Postgres cannot store as sent", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      startWorkers: false,
      rulesYaml: "rules: [{id: flood, action: review, when: {rate: {max: 5, per: 1m, by: ip}}}]",
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("an IPv6 address with a zone id is stored: the address in the ip column, the raw value in request_info", async () => {
    const payload = h.pending();
    const withZone = { ...payload, request_info: { type: "client", ip: "fe80::1%eth0", user_agent: "ua" } };
    const response = await h.hook("PassOnPendingMessage", withZone);
    expect(response.status, await response.clone().text()).toBe(200);
    const [decision] = await h.db.database.db
      .select({ ip: decisions.ip })
      .from(decisions)
      .where(eq(decisions.messageId, payload.message.id));
    expect(decision!.ip).toBe("fe80::1");
    const [message] = await h.db.database.db
      .select({ requestInfo: messages.requestInfo })
      .from(messages)
      .where(eq(messages.id, payload.message.id));
    expect(message!.requestInfo).toMatchObject({ ip: "fe80::1%eth0" });
  });

  // 1,000 characters, 3,000 bytes, and no repetition Postgres could compress below its limit.
  const longHan = Array.from({ length: 1000 }, (_, i) =>
    String.fromCharCode(0x4e00 + ((i * 7919) % 20000)),
  ).join("");

  it.each([
    ["message.user.id", (p: ReturnType<Harness["pending"]>) => ({ ...p.message, user: { id: longHan } })],
    ["message.cid", (p: ReturnType<Harness["pending"]>) => ({ ...p.message, cid: `messaging:${longHan}` })],
  ])(
    "%s over Postgres's index entry size (in bytes, not characters) is a 400 naming it",
    async (field, edit) => {
      const payload = h.pending();
      const before = await storedRows(h.db.database.db);
      const response = await h.hook("PassOnPendingMessage", { ...payload, message: edit(payload) });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { detail: string };
      expect(problem.detail).toContain(field);
      expect(problem.detail).toMatch(/bytes/);
      expect(await storedRows(h.db.database.db)).toEqual(before);
    },
  );
});
