import { execFile } from "node:child_process";
import { promisify } from "node:util";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_DATABASE_URL } from "../support/db.ts";
import { sleep } from "../support/replica.ts";
import { type Cluster, startCluster } from "./cluster.ts";
import { expectOutageHandled, loadThroughOutage, readyzDuringOutage } from "./outage.ts";
import { seededRandom, testSeed } from "./random.ts";

// The real thing: Postgres itself stopped (`-m immediate`: no checkpoint, every connection cut,
// crash recovery on start) and started again while hooks keep coming. It takes down the server
// every other suite uses, so it runs only when asked (GATEHOUSE_FAULTS_PG_RESTART=1), in a
// vitest run of its own after the others (see .ci/run). network-faults.test.ts covers the same
// outage through the TCP proxy in every run.

const execFileAsync = promisify(execFile);
const ENABLED = process.env.GATEHOUSE_FAULTS_PG_RESTART === "1" && TEST_DATABASE_URL !== undefined;
// "<version> <cluster>" as pg_lsclusters names it.
const [PG_VERSION, PG_CLUSTER] = (process.env.GATEHOUSE_FAULTS_PG_CLUSTER ?? "15 main").split(" ");
const OUTAGE_MS = 4000;

if (!ENABLED) {
  console.warn(
    "[skipped] fault: Postgres stopped and restarted: set GATEHOUSE_FAULTS_PG_RESTART=1 (and TEST_DATABASE_URL) " +
      "and run this file alone; it stops the shared Postgres server.",
  );
}

async function pgctl(action: "stop" | "start"): Promise<void> {
  const args = ["--skip-systemctl-redirect", PG_VERSION!, PG_CLUSTER!, action];
  if (action === "stop") args.push("-m", "immediate");
  await execFileAsync("pg_ctlcluster", args);
}

async function waitForPostgres(timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const probe = postgres(TEST_DATABASE_URL!, { max: 1, connect_timeout: 2, onnotice: () => {} });
    const ok = await probe`select 1`.then(() => true).catch(() => false);
    await probe.end({ timeout: 1 });
    if (ok) return;
    if (Date.now() > until) throw new Error(`Postgres did not come back within ${timeoutMs} ms`);
    await sleep(200);
  }
}

describe.skipIf(!ENABLED)("fault: Postgres stopped (immediate) and restarted under load", () => {
  let cluster: Cluster;
  const seed = testSeed();
  const random = seededRandom(seed);

  beforeAll(async () => {
    console.info(`[faults] postgres-restart seed ${seed}`);
    cluster = await startCluster({ replicas: 2 });
  });
  afterAll(async () => {
    // Whatever happened, leave the server running for whoever comes next.
    await pgctl("start").catch(() => {});
    await waitForPostgres(30_000).catch(() => {});
    await cluster?.close();
  });

  it("answers 503 while Postgres is down and completes every acknowledged message after", async () => {
    const load = loadThroughOutage(cluster.driver, random);
    await sleep(1500);

    await pgctl("stop");
    const stoppedAt = Date.now();
    await sleep(OUTAGE_MS / 2);
    const readyDuringOutage = await readyzDuringOutage(cluster.replicas);
    const restartAt = Date.now();
    await pgctl("start");
    await waitForPostgres(30_000);
    await sleep(2000);
    await load.finish();

    await expectOutageHandled(cluster, "postgres-restart", {
      readyDuringOutage,
      window: { from: stoppedAt + 300, to: restartAt },
    });
    expect(cluster.fake.ledger.some((c) => c.operation === "commit" && c.at > restartAt)).toBe(true);
  }, 180_000);
});
