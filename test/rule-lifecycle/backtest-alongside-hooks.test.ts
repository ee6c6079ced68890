import { afterAll, beforeAll, expect, it } from "vitest";
import { rawQuery } from "../../src/db/client.ts";
import type { BacktestView } from "../../src/rule-lifecycle/backtest/store.ts";
import { api } from "../support/api.ts";
import { describeWithPostgres } from "../support/db.ts";
import { type Harness, startHarness } from "../support/service.ts";

const RULES = `
default_action: approve
rules:
  - id: scam
    action: reject
    when: { text_has_any: [scam] }
`;
const STORED = 50_000;
const HOOKS_MID_REPLAY = 20;

// The replay runs on a worker thread with a Postgres connection of its own: hooks keep their event
// loop and their pool, and are received and committed while it runs. (What it costs them in ack
// latency is measured by `npm run bench:backtest`, not asserted here.)
describeWithPostgres("a backtest alongside hooks on Postgres", () => {
  let h: Harness;
  const since = new Date(Date.now() - 3_600_000);
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES });
    const query = rawQuery(h.db.database.db);
    // A log big enough that the replay is still running while the hooks below arrive.
    await query(
      `insert into messages (id, status, user_id, text, payload, received_at, deadline_at)
       select 'stored-' || g, 'committed', 'user-' || (g % 500), 'stored message ' || g,
              jsonb_build_object('id', 'stored-' || g, 'text', case when g % 7 = 0 then 'a scam' else 'hello ' || g end),
              $1::timestamptz + g * interval '10 milliseconds', now() + interval '1 hour'
         from generate_series(1, $2::int) g`,
      [since.toISOString(), STORED],
    );
    await query(
      `insert into decisions (message_id, action, source, matches, ruleset_version, created_at)
       select id, 'approve', 'rules', '[]', 'old', received_at from messages where id like 'stored-%'`,
      [],
    );
  });
  afterAll(async () => {
    await h.close();
  });

  it("hooks are received and committed exactly once while a replay reads the log", async () => {
    const started = await api<BacktestView>(h.service, "POST", "/api/rules/backtest", {
      body: { rules: RULES, since: since.toISOString() },
    });
    expect(started.status).toBe(202);

    const received: string[] = [];
    let receivedMidReplay = 0;
    let sawOwnConnection = false;
    let view = started.body;
    // Hooks keep arriving until some were answered mid-replay; then the replay (which works a
    // tenth of the time while hooks arrive) is left to finish at full speed.
    while (view.status === "running" && receivedMidReplay < HOOKS_MID_REPLAY) {
      const payload = h.pending({ message: { text: `live message ${received.length}` } });
      const answer = await h.hook("PassOnPendingMessage", payload);
      expect(answer.status).toBe(200);
      received.push(payload.message.id);
      view = (await api<BacktestView>(h.service, "GET", `/api/rules/backtest/${started.body.id}`)).body;
      if (view.status === "running" && view.progress.processed > 0) {
        receivedMidReplay++;
        const [replay] = await rawQuery(h.db.database.db)<{ n: number }>(
          "select count(*)::int as n from pg_stat_activity where application_name = 'gatehouse-backtest' and datname = current_database()",
          [],
        );
        sawOwnConnection ||= (replay?.n ?? 0) > 0;
      }
    }
    while (view.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, 50));
      view = (await api<BacktestView>(h.service, "GET", `/api/rules/backtest/${started.body.id}`)).body;
    }
    expect(view.status).toBe("done");
    expect(view.progress.processed).toBe(STORED);
    expect(receivedMidReplay).toBeGreaterThan(0);
    expect(sawOwnConnection).toBe(true);
    for (const id of received) await h.waitForStatus(id, ["committed"]);
    const live = new Set(received);
    const commits = h.stream.ledger.filter(
      (call) => call.operation === "commit" && live.has(call.messageId ?? ""),
    );
    expect(new Set(commits.map((call) => call.messageId)).size).toBe(received.length);
    expect(commits.filter((call) => call.effectApplied)).toHaveLength(received.length);
  });
});
