import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { describeWithPostgres } from "../support/db.ts";
import { checkHistory, describeResult } from "../support/history-checker.ts";
import { type Cluster, clusterLogs, expectNoCrash, freshDriver, startCluster } from "./cluster.ts";

// The edges of commit-once, with real processes: a dispatcher killed between Stream applying
// its call and the record of the answer, with its lease running out only after the deadline;
// and our own hard delete reported by Stream's DeletedPendingMessage before its answer.
//
// Stream calls wait up to 10 s for an answer here, and a message has 10 s before its deadline, so
// the test's kill lands long before the dying replica could have heard back (no race with its
// timeout); the lease (21 s, the shortest allowed for that timeout) runs out after the deadline.

const PENDING_TIMEOUT_MS = 10_000;

describeWithPostgres("fault: commit edges (kill -9 after the call landed, our delete reported first)", () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({
      replicas: 2,
      pendingTimeoutMs: PENDING_TIMEOUT_MS,
      fake: { pendingTimeoutMs: PENDING_TIMEOUT_MS },
      env: { STREAM_TIMEOUT_MS: "10000", DISPATCH_LEASE_MS: "21000" },
    });
  });
  afterEach(() => cluster?.fake.faults.clear());
  afterAll(() => cluster?.close());

  async function expectClean(driver: ReturnType<typeof freshDriver>) {
    const result = await checkHistory({
      history: driver.history,
      fake: cluster.fake,
      db: cluster.database.database.db,
      finalWithinMs: 45_000,
      recordsMayBeLost: true,
    });
    expect(result.violations, `${describeResult(result)}\n${clusterLogs(cluster)}`).toEqual([]);
    expectNoCrash(cluster);
    return result;
  }

  it("a replica killed after its commit landed and before it recorded the answer: the message ends committed, committed once", async () => {
    const driver = freshDriver(cluster);
    const [victim] = cluster.replicas as [Cluster["replicas"][0]];
    // Stream applies the commit and never answers: only the kill ends the call.
    cluster.fake.faults.setRule((call) =>
      call.operation === "commit" ? { kind: "blackhole", applyEffect: true } : undefined,
    );
    const entry = driver.createMessage("approve");
    const delivery = await driver.deliver(entry, "PassOnPendingMessage", () => victim.url);
    expect(delivery.acked).toBe(true);
    await cluster.fake.waitForCall((call) => call.messageId === entry.id && call.effectApplied, 10_000);
    cluster.up.delete(victim);
    const exit = await victim.kill();
    expect(exit.signal).toBe("SIGKILL");
    cluster.fake.faults.clear();
    await victim.start();
    cluster.up.add(victim);

    const result = await expectClean(driver);
    expect(result.stats.committedByUs).toBe(1);
  }, 90_000);

  it("our hard delete, reported by DeletedPendingMessage and never answered: the message ends rejected", async () => {
    const driver = freshDriver(cluster);
    // Stream applies the delete at once, and its answer never comes (the call times out): its
    // DeletedPendingMessage is all we hear of it.
    cluster.fake.faults.setRule((call) =>
      call.operation === "delete" ? { kind: "blackhole", applyEffect: true } : undefined,
    );
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const entry = driver.createMessage("reject");
        expect((await driver.deliver(entry, "PassOnPendingMessage")).acked).toBe(true);
        await cluster.fake.waitForCall(
          (call) => call.messageId === entry.id && call.operation === "delete" && call.effectApplied,
          10_000,
        );
        expect((await driver.deliver(entry, "DeletedPendingMessage")).acked).toBe(true);
      }),
    );
    await expectClean(driver);
  }, 90_000);
});
