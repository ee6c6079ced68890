import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPostgres } from "../support/db.ts";
import { sleep } from "../support/replica.ts";
import { type Cluster, startCluster } from "./cluster.ts";
import { expectOutageHandled, loadThroughOutage, readyzDuringOutage } from "./outage.ts";
import { SOAK, seededRandom, testSeed } from "./random.ts";

// The network between the replicas and what they depend on fails, through TCP fault proxies in
// front of Postgres and of the fake Stream, while hooks keep coming:
// - Postgres connections all dropped and refused for seconds: what a Postgres crash or
//   `pg_ctlcluster stop -m immediate` looks like to the replicas (the real stop is in
//   postgres-restart.test.ts, opt-in, because it takes down the server other suites use);
// - Postgres blackholed (silent, then back), and slow;
// - Stream dropped, blackholed and slow.
// Hooks answer 503 while the database is away; everything acknowledged completes after.

const OUTAGE_MS = SOAK ? 10_000 : 3000;

describeWithPostgres("fault: network faults in front of Postgres and Stream", () => {
  let cluster: Cluster;
  const seed = testSeed();
  const random = seededRandom(seed);

  beforeAll(async () => {
    console.info(`[faults] network-faults seed ${seed}`);
    cluster = await startCluster({ replicas: 2, proxyPostgres: true, proxyStream: true });
  });
  afterAll(() => cluster?.close());

  it("answers 503 while Postgres is unreachable and completes every acknowledged message after", async () => {
    const pg = cluster.pgProxy!;
    const stream = cluster.streamProxy!;
    const load = loadThroughOutage(cluster.driver, random);

    await sleep(1000);
    // Postgres gone: open connections reset, new ones refused.
    const dropAt = Date.now();
    pg.drop();
    await sleep(OUTAGE_MS / 2);
    const readyDuringOutage = await readyzDuringOutage(cluster.replicas);
    const healAt = Date.now();
    pg.heal();
    await sleep(1500);

    // Postgres silent: nothing answers, nothing is refused; then it is back.
    pg.blackhole();
    await sleep(2000);
    pg.heal();
    await sleep(1000);

    // Postgres slow.
    pg.setDelay(20);
    await sleep(1500);
    pg.setDelay(0);

    // Stream unreachable, then silent, then slower than the client's timeout.
    stream.drop();
    await sleep(1500);
    stream.heal();
    stream.blackhole();
    await sleep(1500);
    stream.heal();
    stream.setDelay(1000);
    await sleep(1500);
    stream.setDelay(0);
    await sleep(500);

    await load.finish();

    // The settled middle of the outage: the first moments may still finish work begun before it.
    const result = await expectOutageHandled(cluster, "network-faults", {
      readyDuringOutage,
      window: { from: dropAt + 300, to: healAt },
    });
    // Hooks flowed before and after the faults: most deliveries were acknowledged.
    expect(result.stats.acked! / result.stats.messages!).toBeGreaterThan(0.5);
    expect(cluster.fake.ledger.some((c) => c.operation === "commit" && c.at > healAt)).toBe(true);
  }, 180_000);
});
