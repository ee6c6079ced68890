import type { PGlite } from "@electric-sql/pglite";
import type { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { describe, expect, it } from "vitest";
import { openPglite } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { QUEUE_CHANNEL } from "../../src/review/queue-events.ts";
import { migrationsBefore } from "../support/migrations.ts";

describe("migration 0003_queue_events", () => {
  it("upgrades a database that already holds messages and claims, and its triggers then announce queue changes", async () => {
    const database = await openPglite(undefined);
    try {
      await migrate(database.db as unknown as ReturnType<typeof drizzle>, {
        migrationsFolder: migrationsBefore("0003_queue_events"),
      });
      const client = (database.db as unknown as { $client: PGlite }).$client;
      await client.exec(`
        insert into messages (id, status, cid, user_id, text, payload, deadline_at)
        values ('old-held', 'held', 'messaging:general', 'u1', 'maybe', '{}', now() + interval '1 hour'),
               ('old-done', 'committed', 'messaging:general', 'u1', 'hi', '{}', now() - interval '1 hour');
        insert into claims (message_id, moderator_id, moderator_name, expires_at)
        values ('old-held', '1', 'Dana', now() + interval '5 minutes');`);

      await migrateDatabase(database);

      const rows = await client.query<{ id: string; status: string }>(
        "select id, status from messages order by id",
      );
      expect(rows.rows).toEqual([
        { id: "old-done", status: "committed" },
        { id: "old-held", status: "held" },
      ]);
      const heard: unknown[] = [];
      await client.listen(QUEUE_CHANNEL, (payload) => heard.push(JSON.parse(payload)));
      await client.exec(`
        delete from claims where message_id = 'old-held';
        update messages set status = 'committing' where id = 'old-held';
        update messages set status = 'committed' where id = 'old-held';
        insert into messages (id, status, payload, deadline_at) values ('new-approved', 'committing', '{}', now());
        insert into messages (id, status, payload, deadline_at) values ('new-held', 'held', '{}', now());`);
      await expect.poll(() => heard.length, { timeout: 10_000 }).toBe(3);
      expect(heard).toEqual([
        { kind: "claim", id: "old-held" },
        { kind: "left", id: "old-held", status: "committing" },
        { kind: "held", id: "new-held" },
      ]);
    } finally {
      await database.close();
    }
  });
});
