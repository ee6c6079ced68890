import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rowsOf } from "../../src/db/rows.ts";
import { describeWithPostgres } from "../support/db.ts";
import { checkHistory, describeResult } from "../support/history-checker.ts";
import type { MessageHistory } from "../support/load-driver.ts";
import { type Cluster, clusterLogs, expectNoCrash, FAST_ENV, startCluster } from "./cluster.ts";

// SIGTERM to a replica with commits in flight: it stops taking hooks (503, so Stream retries on
// another replica), lets the calls under way finish and records them, hands back its leases,
// and exits within SHUTDOWN_TIMEOUT_MS. The other replica finishes everything else.

const COMMIT_LATENCY_MS = 700;
const SHUTDOWN_TIMEOUT_MS = Number(FAST_ENV.SHUTDOWN_TIMEOUT_MS);

describeWithPostgres("fault: graceful shutdown (SIGTERM)", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    // A client timeout well above the commit latency: every call here gets its answer.
    cluster = await startCluster({
      replicas: 2,
      env: { STREAM_TIMEOUT_MS: "5000", DISPATCH_LEASE_MS: "11000" },
    });
    // Slow commits (still inside the client's timeout), so SIGTERM lands while they are under way.
    cluster.fake.faults.setRule((call) =>
      call.operation === "commit"
        ? { kind: "delay", ms: COMMIT_LATENCY_MS, phase: "beforeEffect" }
        : undefined,
    );
  });
  afterAll(() => cluster?.close());

  it("drains in-flight commits, answers 503, releases leases, exits in time; nothing stranded", async () => {
    const [leaving, staying] = cluster.replicas as [
      (typeof cluster.replicas)[0],
      (typeof cluster.replicas)[0],
    ];
    const { driver, fake } = cluster;
    const pid = leaving.pid!;

    // Hooks to the replica about to leave; each answer comes before its commit is sent.
    const first = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const entry = driver.createMessage("approve");
        await driver.deliver(entry, "PassOnPendingMessage", () => leaving.url);
        return entry;
      }),
    );
    expect(first.every((m) => m.deliveries[0]?.acked)).toBe(true);
    await fake.waitForCall(
      (call) => call.operation === "commit" && first.some((m) => m.id === call.messageId),
    );

    const stopping = leaving.terminate();
    cluster.up.delete(leaving);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // While it drains: hooks get 503 with Retry-After, and readiness says no.
    const readyz = await fetch(`${leaving.url}/readyz`)
      .then((r) => r.status)
      .catch((e: Error) => e.name);
    let turns = 0;
    const late: MessageHistory[] = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const entry = driver.createMessage("approve");
        // First attempt at the leaving replica; Stream's retries land on the other one.
        await driver.deliver(entry, "PassOnPendingMessage", () => (turns++ < 4 ? leaving.url : staying.url));
        return entry;
      }),
    );

    const exit = await stopping;
    expect(exit.code, leaving.logs()).toBe(0);
    expect(exit.elapsedMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2000);
    // It waited for its calls (each took COMMIT_LATENCY_MS) rather than dropping them.
    expect(exit.elapsedMs).toBeGreaterThan(COMMIT_LATENCY_MS / 2);
    expect(readyz).toBe(503);
    for (const entry of late) {
      const [firstTry, retry] = entry.deliveries[0]!.attempts;
      expect(firstTry?.status).toBe(503);
      expect(firstTry?.retryAfter).toBeDefined();
      expect(retry?.status).toBe(200);
    }

    // Every call it started was finished and recorded; no lease outlives the process.
    const db = cluster.database.database.db;
    const owner = `gatehouse-${pid}-%`;
    const unfinished = rowsOf(
      await db.execute(
        sql`select message_id, call from dispatch_attempts where dispatcher like ${owner} and finished_at is null`,
      ),
    );
    expect(unfinished).toEqual([]);
    const leased = rowsOf(
      await db.execute(
        sql`select message_id from outbox where lease_owner like ${owner} and state = 'pending'`,
      ),
    );
    expect(leased).toEqual([]);
    const startedByLeaving = rowsOf<{ n: string | number }>(
      await db.execute(sql`select count(*) as n from dispatch_attempts where dispatcher like ${owner}`),
    );
    expect(Number(startedByLeaving[0]?.n)).toBeGreaterThan(0);

    const result = await checkHistory({ history: driver.history, fake, db, finalWithinMs: 15_000 });
    expect(result.violations, `${describeResult(result)}\n${clusterLogs(cluster)}`).toEqual([]);
    // Drained, not abandoned: no message needed a second commit call.
    expect(result.stats.repeatedCommits).toBe(0);
    expect(result.stats.committedByUs).toBe(14);
    expectNoCrash(cluster);
  }, 90_000);
});

describeWithPostgres("fault: graceful shutdown with calls that never return", () => {
  let cluster: Cluster;
  const LEASE_MS = 60_000;
  const QUICK_SHUTDOWN_MS = 1000;

  beforeAll(async () => {
    // Leases far longer than the test: a row is picked up by the other replica only if the
    // leaving one handed it back. Stream never answers this replica's first commits.
    cluster = await startCluster({
      replicas: 2,
      env: {
        DISPATCH_LEASE_MS: String(LEASE_MS),
        SHUTDOWN_TIMEOUT_MS: String(QUICK_SHUTDOWN_MS),
        STREAM_TIMEOUT_MS: "20000",
      },
    });
  });
  afterAll(() => cluster?.close());

  it("exits within the shutdown timeout and hands its leases back at once", async () => {
    const [leaving, staying] = cluster.replicas as [
      (typeof cluster.replicas)[0],
      (typeof cluster.replicas)[0],
    ];
    const { driver, fake } = cluster;
    const hung = new Set<string>();
    fake.faults.setRule((call) => {
      if (call.operation !== "commit" || !call.messageId || hung.has(call.messageId)) return undefined;
      hung.add(call.messageId);
      return { kind: "blackhole", applyEffect: false };
    });
    const entries = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const entry = driver.createMessage("approve");
        await driver.deliver(entry, "PassOnPendingMessage", () => leaving.url);
        return entry;
      }),
    );
    await fake.waitForCall(() => hung.size === entries.length);

    cluster.up.delete(leaving);
    const exit = await leaving.terminate();
    expect(exit.code, leaving.logs()).toBe(0);
    expect(exit.elapsedMs).toBeLessThan(QUICK_SHUTDOWN_MS + 4000);

    // Handed back, not left to expire: the other replica commits them long before the lease ends.
    const started = Date.now();
    const result = await checkHistory({
      history: driver.history,
      fake,
      db: cluster.database.database.db,
      finalWithinMs: 15_000,
    });
    expect(result.violations, `${describeResult(result)}\n${staying.logs()}`).toEqual([]);
    expect(Date.now() - started).toBeLessThan(LEASE_MS / 2);
    expect(result.stats.committedByUs).toBe(entries.length);
    expectNoCrash(cluster);
  }, 90_000);
});
