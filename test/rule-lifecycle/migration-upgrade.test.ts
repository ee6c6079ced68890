import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { type Database, openPglite, openPostgres, rawQuery } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { compileCandidate } from "../../src/rule-lifecycle/backtest/candidate.ts";
import { replayWindow } from "../../src/rule-lifecycle/backtest/replay.ts";
import { sqlReplaySource } from "../../src/rule-lifecycle/backtest/replay-source.ts";
import { TEST_DATABASE_URL } from "../support/db.ts";
import { migrateUpTo } from "../support/migrations.ts";
import { storeMessages } from "../support/stored-messages.ts";

// A database made before the rules history existed, with messages and decisions in it, must take
// migration 0002 at the next start and keep every row.

describe("rule lifecycle migrations on a database with rows", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openEmptyDatabase(): Promise<{ database: Database; url: string | undefined }> {
    if (!TEST_DATABASE_URL) {
      const database = await openPglite(undefined);
      cleanups.push(() => database.close());
      return { database, url: undefined };
    }
    const serverUrl = TEST_DATABASE_URL;
    const name = `gatehouse_upgrade_${randomBytes(6).toString("hex")}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    cleanups.push(async () => {
      const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    });
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const database = openPostgres({ url: url.toString(), poolSize: 2 });
    cleanups.push(() => database.close());
    return { database, url: url.toString() };
  }

  it("0002 (rules history, shadow matches, samples) keeps every row", async () => {
    const { database, url } = await openEmptyDatabase();
    await migrateUpTo(database, "0002_rule_lifecycle");
    const query = rawQuery(database.db);
    await query(
      `insert into messages (id, status, payload, deadline_at) values ('old-1', 'held', '{"id":"old-1"}', now() + interval '1 hour')`,
      [],
    );
    await query(
      `insert into decisions (message_id, action, source, matches, ruleset_version)
       values ('old-1', 'review', 'rules', '[{"rule_id":"links","action":"review","conditions":[]}]', 'abc')`,
      [],
    );

    await migrateDatabase(database, url);

    const [decision] = await query<{ shadow_matches: unknown; sampled_rules: unknown; matches: unknown }>(
      "select shadow_matches, sampled_rules, matches from decisions where message_id = 'old-1'",
      [],
    );
    expect(decision).toEqual({
      shadow_matches: [],
      sampled_rules: null,
      matches: [{ rule_id: "links", action: "review", conditions: [] }],
    });
    await query(
      `insert into rule_versions (version, source, content) values ('v1', 'rules.yaml', 'rules: []')`,
      [],
    );
    await query(`insert into rule_activations (version, trigger, replica) values ('v1', 'start', 'r1')`, []);
    const [activation] = await query<{ n: number }>("select count(*)::int as n from rule_activations", []);
    expect(activation?.n).toBe(1);
    // Applying again is a no-op: the migrator remembers 0002.
    await migrateDatabase(database, url);
  });

  it("0005 (backtests) keeps every row, and the upgraded log can be replayed", async () => {
    const { database, url } = await openEmptyDatabase();
    await migrateUpTo(database, "0005_backtests");
    const query = rawQuery(database.db);
    const receivedAt = new Date(Date.now() - 3_600_000);
    await storeMessages(query, [
      { id: "old-1", receivedAt, text: "a scam", rules: { action: "approve" } },
      {
        id: "old-2",
        receivedAt,
        text: "fine",
        rules: { action: "review", ruleIds: ["links"] },
        moderator: "approve",
      },
    ]);

    await migrateDatabase(database, url);

    const { result } = await replayWindow({
      candidate: compileCandidate({
        rules: "rules:\n  - id: scam\n    action: reject\n    when: { text_has_any: [scam] }\n",
        lists: {},
        activeLists: {},
      }),
      source: sqlReplaySource(query),
      since: new Date(receivedAt.getTime() - 1000),
      until: new Date(),
    });
    expect(result.messages.replayed).toBe(2);
    expect(result.agreement.moderator_approved.total).toBe(1);
    const [table] = await query<{ n: number }>("select count(*)::int as n from backtests", []);
    expect(table?.n).toBe(0);
    await migrateDatabase(database, url);
  });
});
