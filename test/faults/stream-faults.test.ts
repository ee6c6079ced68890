import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { describeWithPostgres } from "../support/db.ts";
import type { FakeCall, Fault } from "../support/fake-stream.ts";
import { checkHistory, describeResult } from "../support/history-checker.ts";
import type { LoadDriver } from "../support/load-driver.ts";
import { sleep } from "../support/replica.ts";
import { type Cluster, clusterLogs, expectNoCrash, freshDriver, startCluster } from "./cluster.ts";
import { SOAK, seededRandom, testSeed } from "./random.ts";

// Stream misbehaving, as PROTOCOL.md says it can: 5xx bursts (some after the commit landed),
// plain-text 429s with X-RateLimit-Reset, answers arriving after our timeout or never, resets
// after the write, and the app's other pending hook committing first. Two replicas share the
// work; each test plays its own messages and checks only those.

const COUNT = SOAK ? 400 : 60;

describeWithPostgres("fault: Stream misbehaving", () => {
  vi.setConfig({ testTimeout: 90_000 });
  let cluster: Cluster;
  const seed = testSeed();
  const random = seededRandom(seed);

  beforeAll(async () => {
    console.info(`[faults] stream-faults seed ${seed}`);
    cluster = await startCluster({ replicas: 2 });
  });
  afterEach(() => cluster?.fake.faults.clear());
  afterAll(() => cluster?.close());

  // Backoff after repeated 5xx grows exponentially (by design), so allow for a long tail.
  async function expectClean(driver: LoadDriver, finalWithinMs = 45_000) {
    const result = await checkHistory({
      history: driver.history,
      fake: cluster.fake,
      db: cluster.database.database.db,
      finalWithinMs,
    });
    expect(result.violations, `${describeResult(result)}\n${clusterLogs(cluster)}`).toEqual([]);
    // Stream's faults never reach the hooks: every delivery is acknowledged at once.
    const deliveries = driver.history.all().flatMap((m) => m.deliveries);
    expect(deliveries.filter((d) => !d.acked)).toEqual([]);
    expectNoCrash(cluster);
    return result;
  }

  /** Calls to the fake for this driver's messages only. */
  const callsOf = (driver: LoadDriver, operation?: string): FakeCall[] =>
    cluster.fake.ledger.filter(
      (c) =>
        c.messageId && driver.history.messages.has(c.messageId) && (!operation || c.operation === operation),
    );

  /** Applies `fault` to the first commit of each message, and lets later ones through. */
  function onFirstCommit(fault: Fault): void {
    const seen = new Set<string>();
    cluster.fake.faults.setRule((call) => {
      if (call.operation !== "commit" || !call.messageId || seen.has(call.messageId)) return undefined;
      seen.add(call.messageId);
      return fault;
    });
  }

  it("5xx bursts, some after the commit landed: retried, committed once", async () => {
    const driver = freshDriver(cluster);
    // Bursts of 3-8 consecutive 5xx on commits and deletes, separated by quiet stretches. Retries
    // back off alike and so meet the next burst together: a cap of 4 per message keeps the
    // exponential backoff (by design up to 30 s) inside the test's patience.
    let burstLeft = 0;
    const perMessage = new Map<string, number>();
    cluster.fake.faults.setRule((call) => {
      if (call.operation !== "commit" && call.operation !== "delete") return undefined;
      if (burstLeft === 0 && random() < 0.1) burstLeft = 3 + Math.floor(random() * 6);
      const hits = perMessage.get(call.messageId ?? "") ?? 0;
      if (burstLeft === 0 || hits >= 4) return undefined;
      perMessage.set(call.messageId ?? "", hits + 1);
      burstLeft--;
      const status = [500, 502, 503, 504][Math.floor(random() * 4)]!;
      return { kind: "serverError", status, applyEffect: random() < 0.5 };
    });
    await driver.run({ count: COUNT, concurrency: 6, mix: { approve: 3, reject: 1 }, random });
    const result = await expectClean(driver);
    const faulted = callsOf(driver).filter((c) => c.fault?.kind === "serverError");
    expect(faulted.some((c) => c.operation === "commit" && c.effectApplied)).toBe(true);
    expect(faulted.some((c) => c.operation === "commit" && !c.effectApplied)).toBe(true);
    expect(result.stats.committedByUs).toBe(driver.history.all().filter((m) => m.kind === "approve").length);
  });

  it("plain-text 429 with X-RateLimit-Reset: nothing is retried before the reset", async () => {
    const driver = freshDriver(cluster);
    const resetAt = Math.ceil(Date.now() / 1000) + 2;
    cluster.fake.faults.setRule((call) =>
      call.operation === "commit" && Date.now() < resetAt * 1000 - 500
        ? { kind: "rateLimited", resetAt }
        : undefined,
    );
    await driver.run({ count: 20, concurrency: 5, mix: { approve: 1 }, random });
    await expectClean(driver);
    const limited = callsOf(driver, "commit").filter((c) => c.fault?.kind === "rateLimited");
    expect(limited.length).toBeGreaterThan(0);
    for (const call of limited) {
      const next = callsOf(driver, "commit").find((c) => c.messageId === call.messageId && c.seq > call.seq);
      expect(next, `no retry after the 429 for ${call.messageId}`).toBeDefined();
      // Same machine, same clock: the retry may not come before the announced reset.
      expect(next!.at).toBeGreaterThanOrEqual(resetAt * 1000 - 5);
    }
  });

  it("answers delayed past the client timeout after the commit landed: resolved, not doubled", async () => {
    const driver = freshDriver(cluster);
    onFirstCommit({ kind: "delay", ms: 2500, phase: "afterEffect" });
    await driver.run({ count: 20, concurrency: 5, mix: { approve: 1 }, random });
    await expectClean(driver);
    // Each first commit timed out on our side while it had landed; the follow-up found it done.
    for (const message of driver.history.all()) {
      const commits = callsOf(driver, "commit").filter((c) => c.messageId === message.id);
      expect(commits[0]?.effectApplied).toBe(true);
      expect(commits.filter((c) => c.simulated?.effect === "committed")).toHaveLength(1);
    }
  });

  it("connection reset after the commit landed: resolved, not doubled", async () => {
    const driver = freshDriver(cluster);
    onFirstCommit({ kind: "reset", applyEffect: true });
    await driver.run({ count: 20, concurrency: 5, mix: { approve: 1 }, random });
    await expectClean(driver);
    expect(callsOf(driver, "commit").filter((c) => c.clientSaw.kind === "reset")).toHaveLength(20);
  });

  it("connection reset or no answer before the commit landed: committed on the retry", async () => {
    const driver = freshDriver(cluster);
    let n = 0;
    const seen = new Set<string>();
    cluster.fake.faults.setRule((call) => {
      if (call.operation !== "commit" || !call.messageId || seen.has(call.messageId)) return undefined;
      seen.add(call.messageId);
      return n++ % 2 === 0
        ? { kind: "reset", applyEffect: false }
        : { kind: "blackhole", applyEffect: false };
    });
    await driver.run({ count: 20, concurrency: 5, mix: { approve: 1 }, random });
    const result = await expectClean(driver);
    expect(result.stats.committedByUs).toBe(20);
  });

  it("the other pending hook committed first: ours ends committed, without an error", async () => {
    const driver = freshDriver(cluster);
    // Half commit before our hook arrives; half race our own commit call, landing just ahead of it.
    const racing = new Set<string>();
    cluster.fake.faults.setRule((call) => {
      if (call.operation !== "commit" || !call.messageId || !racing.has(call.messageId)) return undefined;
      racing.delete(call.messageId);
      cluster.fake.sim.commitExternally(call.messageId);
      return { kind: "delay", ms: 30, phase: "beforeEffect" };
    });
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        if (i % 2 === 0) return driver.play("external");
        const entry = driver.createMessage("late", Date.now());
        entry.kind = "external";
        racing.add(entry.id);
        await driver.deliver(entry, "PassOnPendingMessage");
      }),
    );
    await expectClean(driver);
    expect(racing.size).toBe(0);
    for (const message of driver.history.all()) {
      expect(cluster.fake.sim.get(message.id)?.committedBy).toBe("external");
      // The hook was answered 200 with a commit status, never an error.
      const answers = message.deliveries.flatMap((d) => d.attempts.map((a) => a.status));
      expect(answers).toEqual([200]);
    }
    const errorLines = clusterLogs(cluster)
      .split("\n")
      .filter(
        (line) =>
          line.includes('"level":50') && [...driver.history.messages.keys()].some((id) => line.includes(id)),
      );
    expect(errorLines).toEqual([]);
  });

  it("Stream failing until the deadline: expired, never committed after it", async () => {
    const driver = freshDriver(cluster);
    const lateIds = new Set<string>();
    cluster.fake.faults.setRule((call) =>
      call.messageId && lateIds.has(call.messageId) && call.operation !== "get"
        ? { kind: "serverError", status: 503, applyEffect: false }
        : undefined,
    );
    // Deadlines 2-3 s away; shortly after its deadline Stream deletes a still-pending message.
    const deadlines: Promise<void>[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const createdAt = Date.now() - cluster.pendingTimeoutMs + 2000 + Math.floor(random() * 1000);
        const entry = driver.createMessage("late", createdAt);
        lateIds.add(entry.id);
        const deadline = createdAt + cluster.pendingTimeoutMs;
        deadlines.push(
          sleep(deadline + 300 - Date.now()).then(() => void cluster.fake.sim.deleteExternally(entry.id)),
        );
        await driver.deliver(entry, "PassOnPendingMessage");
      }),
    );
    await Promise.all(deadlines);
    await expectClean(driver);
    for (const id of lateIds) expect(cluster.fake.sim.get(id)?.committedBy).toBeUndefined();
  });
});
