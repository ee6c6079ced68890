import { afterEach, beforeEach, expect, it } from "vitest";
import { rawQuery } from "../../src/db/client.ts";
import { analyzeGrownTables } from "../../src/maintenance/planner-statistics.ts";
import { describeWithPostgres, openTestDatabase, type TestDatabase } from "../support/db.ts";
import { startHarness } from "../support/service.ts";

describeWithPostgres(
  "planner statistics for fast-growing tables",
  () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await openTestDatabase();
    });
    afterEach(async () => {
      await db.close();
    });

    /** Statistics reach the view when a backend flushes them (about once a second): poll. */
    async function analyzedWithin(ms: number): Promise<string[]> {
      const query = rawQuery(db.database.db);
      const until = Date.now() + ms;
      for (;;) {
        const tables = await analyzeGrownTables(query);
        if (tables.length > 0 || Date.now() > until) return tables;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }

    it("a hot table that more than doubled is analyzed, once; a small change is left to autovacuum", async () => {
      const query = rawQuery(db.database.db);
      await query(
        `insert into hook_deliveries (message_id, hook, outcome, status_after)
         select 'm-' || g, 'PassOnPendingMessage', 'new', 'committing' from generate_series(1, 2000) g`,
        [],
      );
      expect(await analyzedWithin(10_000)).toEqual(["hook_deliveries"]);
      const [stats] = await query<{ analyzed: boolean; rows: number }>(
        `select last_analyze is not null as analyzed, n_mod_since_analyze::int as rows
           from pg_stat_user_tables where relname = 'hook_deliveries'`,
        [],
      );
      expect(stats).toEqual({ analyzed: true, rows: 0 });

      // 100 more rows on 2000: not doubled, and under the minimum.
      await query(
        `insert into hook_deliveries (message_id, hook, outcome, status_after)
         select 'n-' || g, 'PassOnPendingMessage', 'new', 'committing' from generate_series(1, 100) g`,
        [],
      );
      expect(await analyzedWithin(2_000)).toEqual([]);
    });

    it("the service runs it on its own, every PLANNER_STATISTICS_INTERVAL_MS", async () => {
      const h = await startHarness({ env: { PLANNER_STATISTICS_INTERVAL_MS: "200" } });
      try {
        const query = rawQuery(h.db.database.db);
        await query(
          `insert into dispatch_attempts (message_id, call, dispatcher)
           select 'm-' || g, 'commit', 'elsewhere' from generate_series(1, 2000) g`,
          [],
        );
        const until = Date.now() + 10_000;
        let analyzed = false;
        while (!analyzed && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          const [row] = await query<{ analyzed: boolean }>(
            "select last_analyze is not null as analyzed from pg_stat_user_tables where relname = 'dispatch_attempts'",
            [],
          );
          analyzed = row?.analyzed ?? false;
        }
        expect(analyzed).toBe(true);
      } finally {
        await h.close();
      }
    });
  },
  "pg_stat_user_tables and cached plans are Postgres server features",
);
