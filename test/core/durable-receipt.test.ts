import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Database, openPglite, rawQuery, rawSql } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { hookPayloadSchema } from "../../src/hooks/payload.ts";
import { DEFAULT_RECEIPT_BATCHING, ReceiptBatcher } from "../../src/hooks/receipt-batcher.ts";
import { receivePendingMessage } from "../../src/hooks/receive.ts";
import { moderate } from "../../src/review/moderate.ts";
import { builtInRuleSet, parseRuleSet } from "../../src/rules/index.ts";
import { pendingMessagePayload } from "../support/sign.ts";

// The embedded database on disk never fsyncs by itself: a receipt is answered only after the WAL
// segments its commit wrote are synced.
describe("embedded database durability", () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  const openOnDisk = async () => {
    database = await openPglite(mkdtempSync(join(tmpdir(), "gatehouse-durable-")));
    await migrateDatabase(database);
    return database;
  };

  it("syncs the WAL segment holding the latest commit, and only what was written since", async () => {
    const db = await openOnDisk();
    const query = rawQuery(db.db);
    await query("insert into moderators (name, role, token_hash) values ('a', 'admin', 'h1')", []);
    const [{ name: current }] = (await query<{ name: string }>(
      "select pg_walfile_name(pg_current_wal_insert_lsn()) as name",
      [],
    )) as [{ name: string }];
    expect(await db.syncCommitted!()).toEqual([current]);
    // Nothing new: still the current segment (it may have grown), nothing older.
    expect(await db.syncCommitted!()).toEqual([current]);
  });

  it("in memory there is nothing to sync", async () => {
    database = await openPglite(undefined);
    expect(database.syncCommitted).toBeUndefined();
  });

  it("a receipt is answered only after its commit was synced", async () => {
    const db = await openOnDisk();
    const query = rawQuery(db.db);
    let release!: () => void;
    const synced = new Promise<void>((resolve) => {
      release = resolve;
    });
    let rowsWhenSyncing: number | undefined;
    let syncing!: () => void;
    const syncStarted = new Promise<void>((resolve) => {
      syncing = resolve;
    });
    const batcher = new ReceiptBatcher(rawSql(db.db), {
      ...DEFAULT_RECEIPT_BATCHING,
      syncCommitted: async () => {
        const [row] = await query<{ n: number }>("select count(*)::int as n from messages", []);
        rowsWhenSyncing = row!.n;
        syncing();
        await synced;
        await db.syncCommitted!();
      },
    });
    let answered = false;
    const receipt = receivePendingMessage(
      { db: db.db, rules: builtInRuleSet, pendingTimeoutMs: 60_000, receipts: batcher },
      hookPayloadSchema.parse(pendingMessagePayload()),
      { webhookId: null, attempt: null },
    ).then((r) => {
      answered = true;
      return r;
    });
    await syncStarted;
    expect(rowsWhenSyncing).toBe(1); // committed before the sync
    expect(answered).toBe(false);
    release();
    expect(await receipt).toMatchObject({ isNew: true, status: "committing" });
  });

  it("a moderator's decision is synced before it is answered or sent to Stream", async () => {
    const db = await openOnDisk();
    const query = rawQuery(db.db);
    const payload = hookPayloadSchema.parse(pendingMessagePayload());
    const held = await receivePendingMessage(
      {
        db: db.db,
        rules: () => parseRuleSet("default_action: review\nrules: []", "test"),
        pendingTimeoutMs: 60_000,
      },
      payload,
      { webhookId: null, attempt: null },
    );
    expect(held.status).toBe("held");

    let release!: () => void;
    const synced = new Promise<void>((resolve) => {
      release = resolve;
    });
    let syncing!: () => void;
    const syncStarted = new Promise<void>((resolve) => {
      syncing = resolve;
    });
    let decisionsWhenSyncing: number | undefined;
    const dispatched: string[] = [];
    let answered = false;
    const decided = moderate(
      {
        db: db.db,
        onDecided: (d) => dispatched.push(d.messageId),
        syncCommitted: async () => {
          const [row] = await query<{ n: number }>(
            "select count(*)::int as n from decisions where source = 'moderator'",
            [],
          );
          decisionsWhenSyncing = row!.n;
          syncing();
          await synced;
          await db.syncCommitted!();
        },
      },
      {
        messageId: payload.message.id,
        action: "approve",
        actor: { kind: "moderator", id: "1", name: "ann" },
        reason: null,
      },
    ).then((result) => {
      answered = true;
      return result;
    });
    await syncStarted;
    expect(decisionsWhenSyncing).toBe(1); // committed before the sync
    expect(answered).toBe(false);
    expect(dispatched).toEqual([]);
    release();
    expect(await decided).toMatchObject({ ok: true, status: "committing" });
    expect(dispatched).toEqual([payload.message.id]);
  });
});
