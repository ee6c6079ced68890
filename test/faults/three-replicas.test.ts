import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rowsOf } from "../../src/db/rows.ts";
import { describeWithPostgres } from "../support/db.ts";
import { checkHistory, describeResult } from "../support/history-checker.ts";
import type { MessageKind } from "../support/load-driver.ts";
import { type Cluster, clusterLogs, expectNoCrash, startCluster } from "./cluster.ts";
import { SOAK, seededRandom, testSeed } from "./random.ts";

// Three replicas on one database, and every message delivered to all three at the same instant
// (Stream's retries, a replay, or the app's second pending hook all land like this). The unique
// message id must turn three racing receipts into one decision and one commit call.

const MESSAGES = SOAK ? 1500 : 150;

describeWithPostgres("fault: three replicas, every message delivered to all at once", () => {
  let cluster: Cluster;
  const seed = testSeed();
  const random = seededRandom(seed);

  beforeAll(async () => {
    console.info(`[faults] three-replicas seed ${seed}`);
    cluster = await startCluster({ replicas: 3 });
  });
  afterAll(() => cluster?.close());

  it("decides and commits each message exactly once", async () => {
    const { driver, replicas } = cluster;
    const kinds: MessageKind[] = ["approve", "approve", "approve", "reject", "deleted", "stale", "external"];
    const deliverToAll = async (kind: MessageKind) => {
      const entry = driver.createMessage(kind);
      if (kind === "external") cluster.fake.sim.commitExternally(entry.id);
      await Promise.all(
        replicas.map((replica) => driver.deliver(entry, "PassOnPendingMessage", () => replica.url)),
      );
      if (kind === "deleted") {
        cluster.fake.sim.deleteExternally(entry.id);
        await Promise.all(
          replicas.map((replica) => driver.deliver(entry, "DeletedPendingMessage", () => replica.url)),
        );
      }
    };
    let started = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (started < MESSAGES) {
          started++;
          await deliverToAll(kinds[Math.floor(random() * kinds.length)]!);
        }
      }),
    );

    const result = await checkHistory({
      history: driver.history,
      fake: cluster.fake,
      db: cluster.database.database.db,
      finalWithinMs: 20_000,
    });
    console.info(`[faults] three-replicas: ${JSON.stringify(result.stats)}`);
    expect(result.violations, `${describeResult(result)}\n${clusterLogs(cluster)}`).toEqual([]);

    // No faults here: every one of the three deliveries is acknowledged, on the first attempt.
    const deliveries = driver.history.all().flatMap((m) => m.deliveries);
    expect(deliveries.filter((d) => !d.acked)).toEqual([]);
    expect(deliveries.filter((d) => d.attempts.length !== 1)).toEqual([]);

    // Exactly one of the three receipts created each record; the others saw a duplicate.
    const outcomes = rowsOf<{ message_id: string; created: string | number; total: string | number }>(
      await cluster.database.database.db.execute(sql`
        select message_id,
               count(*) filter (where outcome = 'new') as created,
               count(*) as total
          from hook_deliveries where hook = 'PassOnPendingMessage' group by message_id`),
    );
    expect(outcomes).toHaveLength(MESSAGES);
    expect(outcomes.filter((o) => Number(o.created) !== 1 || Number(o.total) !== 3)).toEqual([]);

    // And with no faults, one commit call per approved message: never a second one.
    const commitCalls = new Map<string, number>();
    for (const call of cluster.fake.ledger) {
      if (call.operation === "commit")
        commitCalls.set(call.messageId!, (commitCalls.get(call.messageId!) ?? 0) + 1);
    }
    const approved = driver.history.all().filter((m) => m.kind === "approve" || m.kind === "external");
    expect(approved.filter((m) => commitCalls.get(m.id) !== 1).map((m) => m.id)).toEqual([]);
    expectNoCrash(cluster);
  }, 120_000);
});
