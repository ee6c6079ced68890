import { eq, inArray, sql } from "drizzle-orm";
import pino from "pino";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decisions, dispatchAttempts, hookDeliveries, messages, outbox } from "../../src/db/schema/index.ts";
import { deleteExpiredHistory } from "../../src/maintenance/retention.ts";
import { streamCalls } from "../support/counts.ts";
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

/** Moves a message's times `days` back: received, final and its deadline passed that long ago. */
const age = (h: Harness, id: string, days: number) =>
  h.db.database.db
    .update(messages)
    .set({
      finalAt: sql`now() - ${days} * interval '1 day'`,
      receivedAt: sql`now() - ${days} * interval '1 day'`,
      deadlineAt: sql`now() - ${days} * interval '1 day' + interval '1 minute'`,
    })
    .where(eq(messages.id, id));

const retain = (h: Harness, batchSize?: number) =>
  deleteExpiredHistory({ db: h.db.database.db, logger, maxAgeMs: 30 * DAY, batchSize });

const liveIds = async (h: Harness) =>
  (
    await h.db.database.db
      .select({ id: messages.id })
      .from(messages)
      .where(sql`${messages.retiredAt} is null`)
  )
    .map((r) => r.id)
    .sort();

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

    expect(await retain(h, 1)).toBe(1);

    expect(await liveIds(h)).toEqual([recentFinal, oldHeld].sort());
    const [retired] = await h.db.database.db.select().from(messages).where(eq(messages.id, oldFinal!));
    // Only the id, status and times are left.
    expect(retired).toMatchObject({ status: "committed", text: null, userId: null, cid: null, payload: {} });
    expect(retired!.retiredAt).toBeInstanceOf(Date);
    expect(await retain(h)).toBe(0); // retired once
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

describe("retention and the message's deadline", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it("keeps a message final for longer than the age whose deadline has not passed", async () => {
    const [id] = await seed(h, ["done early"]);
    // Final for 40 days by the clock of final_at, but Stream may still deliver its hooks.
    await h.db.database.db
      .update(messages)
      .set({ finalAt: sql`now() - interval '40 days'` })
      .where(eq(messages.id, id!));
    expect(await retain(h)).toBe(0);
    expect(await liveIds(h)).toEqual([id]);
    expect(await h.db.database.db.select().from(decisions).where(eq(decisions.messageId, id!))).toHaveLength(
      1,
    );
  });

  it("a signed hook replayed after retention is answered with the old status: no second record, no second commit", async () => {
    const payload = h.pending({ message: { text: "committed long ago" } });
    await h.hook("PassOnPendingMessage", payload);
    const id = payload.message.id;
    await h.waitForStatus(id, ["committed"]);
    await age(h, id, 40);
    expect(await retain(h)).toBe(1);

    const replay = await h.hook("PassOnPendingMessage", payload);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ message_id: id, status: "committed" });
    await h.service.dispatcher.stop(5_000); // anything the replay queued would have been tried
    expect(streamCalls(h.stream, id, "commit")).toHaveLength(1);
    const rows = await h.db.database.db.select().from(messages).where(eq(messages.id, id));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.retiredAt).toBeInstanceOf(Date);
    // A retired message keeps no history: the replay is answered, not recorded.
    expect(
      await h.db.database.db.select().from(hookDeliveries).where(eq(hookDeliveries.messageId, id)),
    ).toEqual([]);
    expect(await h.db.database.db.select().from(decisions).where(eq(decisions.messageId, id))).toEqual([]);
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
        const deleted = await retain(h);
        expect(deleted).toBe(1);
        expect(Date.now() - started).toBeLessThan(5000);
      });
      expect(await liveIds(h)).toEqual([locked]);
    } finally {
      await other.end();
    }
  });
});
