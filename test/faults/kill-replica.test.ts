import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPostgres } from "../support/db.ts";
import { checkHistory, describeResult } from "../support/history-checker.ts";
import { sleep } from "../support/replica.ts";
import { type Cluster, clusterLogs, expectNoCrash, startCluster } from "./cluster.ts";
import { SOAK, seededRandom, testSeed } from "./random.ts";

// kill -9 of a replica at random moments under load, restarted each time. Two replicas share the
// database so the other keeps taking hooks; the driver retries unacknowledged hooks like Stream.
// A kill can land mid-receipt (the transaction rolls back, the hook is retried), mid-commit
// (the lease runs out, the other replica takes over with an unknown outcome), or between
// Stream's 201 and recording it. None of these may lose or double a message.

const ROUNDS = SOAK ? 150 : 20;

describeWithPostgres("fault: kill -9 of a replica under load", () => {
  let cluster: Cluster;
  const seed = testSeed();
  const random = seededRandom(seed);

  beforeAll(async () => {
    console.info(`[faults] kill-replica seed ${seed} (GATEHOUSE_FAULTS_SEED=${seed} replays it)`);
    cluster = await startCluster({ replicas: 2 });
    // Some commits answer slowly after they landed, widening the window where a kill leaves a
    // commit applied but unrecorded.
    cluster.fake.faults.setRule((call) =>
      call.operation === "commit" && random() < 0.3
        ? { kind: "delay", ms: 20 + Math.floor(random() * 150), phase: "afterEffect" }
        : undefined,
    );
  });
  afterAll(() => cluster?.close());

  it(`loses nothing and commits nothing twice across ${ROUNDS} kills`, async () => {
    let loading = true;
    const load = cluster.driver.run({
      count: Number.POSITIVE_INFINITY,
      concurrency: 6,
      mix: { approve: 6, reject: 2, deleted: 1, stale: 1, external: 1 },
      stop: () => !loading,
      random,
    });

    const kills: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(150 + random() * 500);
      const victim = cluster.replicas[Math.floor(random() * cluster.replicas.length)]!;
      // Half the time the load balancer notices first; otherwise hooks hit the dead port.
      if (random() < 0.5) cluster.up.delete(victim);
      const exit = await victim.kill();
      kills.push(`${victim.name}:${exit.signal}`);
      cluster.up.delete(victim);
      await sleep(random() * 300);
      await victim.start();
      cluster.up.add(victim);
    }
    loading = false;
    await load;

    expect(kills.filter((k) => k.endsWith("SIGKILL"))).toHaveLength(ROUNDS);
    const result = await checkHistory({
      history: cluster.driver.history,
      fake: cluster.fake,
      db: cluster.database.database.db,
      finalWithinMs: 30_000,
      recordsMayBeLost: true,
    });
    console.info(`[faults] kill-replica: ${JSON.stringify(result.stats)}; settled in ${result.settleMs} ms`);
    expect(result.violations, `${describeResult(result)}\n${clusterLogs(cluster)}`).toEqual([]);
    // The run must have exercised something: hooks kept flowing through the kills, and at most
    // a few deliveries ran out of attempts (each at a moment when its targets were dying).
    const { messages, acked } = result.stats;
    expect(messages).toBeGreaterThan(ROUNDS * 5);
    expect(acked! / messages!).toBeGreaterThan(0.95);
    expect(result.stats.committedByUs).toBeGreaterThan(0);
    expectNoCrash(cluster);
  }, 300_000);
});
