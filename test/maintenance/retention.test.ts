import { eq, inArray, sql } from "drizzle-orm";
import pino from "pino";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decisions, dispatchAttempts, hookDeliveries, messages, outbox } from "../../src/db/schema/index.ts";
import { deleteExpiredHistory } from "../../src/maintenance/retention.ts";
import { describeWithPostgres } from "../support/db.ts";
import { type Harness, startHarness } from "../support/service.ts";

const DAY = 86_400_000;
const logger = pino({ level: "silent" });

/** Sends messages through the service and waits until each is final (committed, or held). */
async function seed(h: Harness, texts: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const text of texts) {
    const payload = h.pending({ message: { text } });
    await h.hook("PassOnPendingMessage", payload);
    ids.push(payload.message.id);
  }
  for (const id of ids) await h.waitForStatus(id, ["committed", "held"]);
  return ids;
}

const age = (h: Harness, id: string, days: number) =>
  h.db.database.db
    .update(messages)
    .set({
      finalAt: sql`now() - ${days} * interval '1 day'`,
      receivedAt: sql`now() - ${days} * interval '1 day'`,
    })
    .where(eq(messages.id, id));

describe("retention", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({
      rulesYaml: "rules: [{id: hold, action: review, when: {text_has_any: [hold]}}]",
    });
  });
  afterEach(async () => {
    await h.close();
  });

  it("deletes the whole history of messages final for longer than the age, and nothing else", async () => {
    const [oldFinal, recentFinal, oldHeld] = await seed(h, ["old and done", "recent and done", "hold me"]);
    await age(h, oldFinal!, 40);
    await age(h, recentFinal!, 5);
    await age(h, oldHeld!, 40); // held: still open, whatever its age

    expect(
      await deleteExpiredHistory({ db: h.db.database.db, logger, maxAgeMs: 30 * DAY, batchSize: 1 }),
    ).toBe(1);

    const remaining = await h.db.database.db.select({ id: messages.id }).from(messages);
    expect(remaining.map((r) => r.id).sort()).toEqual([recentFinal, oldHeld].sort());
    for (const table of [decisions, hookDeliveries, dispatchAttempts, outbox]) {
      const left = await h.db.database.db
        .select()
        .from(table)
        .where(inArray(table.messageId, [oldFinal!]));
      expect(left).toHaveLength(0);
    }
    const kept = await h.db.database.db.select().from(decisions).where(eq(decisions.messageId, recentFinal!));
    expect(kept).toHaveLength(1);
  });
});

describeWithPostgres("retention never blocks", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("skips a message another transaction holds instead of waiting for it", async () => {
    const [locked, free] = await seed(h, ["one", "two"]);
    await age(h, locked!, 40);
    await age(h, free!, 40);
    const other = postgres(h.db.url!, { max: 1, onnotice: () => {} });
    try {
      await other.begin(async (tx) => {
        await tx`select id from messages where id = ${locked!} for update`;
        const started = Date.now();
        const deleted = await deleteExpiredHistory({ db: h.db.database.db, logger, maxAgeMs: 30 * DAY });
        expect(deleted).toBe(1);
        expect(Date.now() - started).toBeLessThan(5000);
      });
      const remaining = await h.db.database.db.select({ id: messages.id }).from(messages);
      expect(remaining.map((r) => r.id)).toEqual([locked]);
    } finally {
      await other.end();
    }
  });
});
