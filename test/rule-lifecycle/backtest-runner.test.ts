import { afterEach, describe, expect, it } from "vitest";
import { type RawQuery, rawQuery } from "../../src/db/client.ts";
import { BacktestRunner } from "../../src/rule-lifecycle/backtest/runner.ts";
import { BacktestStore, HEARTBEAT_TIMEOUT_MS } from "../../src/rule-lifecycle/backtest/store.ts";
import { parseRuleSet } from "../../src/rules/index.ts";
import { describeWithPostgres, openTestDatabase, type TestDatabase } from "../support/db.ts";
import { PATIENCE_MS } from "../support/patience.ts";
import { storeMessages } from "../support/stored-messages.ts";

const CANDIDATE = `
default_action: approve
rules:
  - id: scam
    action: reject
    when: { text_has_any: [scam] }
`;
const T0 = Date.parse("2026-06-01T12:00:00Z");
const WINDOW = { since: new Date(T0), until: new Date(T0 + 3_600_000) };
const silent = { info() {}, warn() {}, error() {} };
const ACTIVE = parseRuleSet("rules: []\n", "active.yaml");

/** Holds every window read after the first `free` ones until released. */
function gatedReads(query: RawQuery, free: number) {
  let reads = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reachedGate!: () => void;
  const atGate = new Promise<void>((resolve) => {
    reachedGate = resolve;
  });
  const gated: RawQuery = async (text, params) => {
    if (text.includes("left join lateral")) {
      reads++;
      if (reads > free) {
        reachedGate();
        await gate;
      }
    }
    return query(text, params);
  };
  return { query: gated, release, atGate, reads: () => reads };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const closing: Array<() => Promise<void>> = [];
let db: TestDatabase;
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

async function setUp(messages = 30) {
  db = await openTestDatabase();
  closing.push(() => db.close());
  const query = rawQuery(db.database.db);
  await storeMessages(
    query,
    Array.from({ length: messages }, (_, i) => ({
      id: `m${String(i).padStart(3, "0")}`,
      receivedAt: new Date(T0 + i * 1000),
      text: i % 3 === 0 ? "a scam" : "fine words",
      rules: { action: "approve" as const },
    })),
  );
  return { query, store: new BacktestStore(query) };
}

function runner(
  store: BacktestStore,
  query: RawQuery,
  extra: Partial<ConstructorParameters<typeof BacktestRunner>[0]> = {},
) {
  const made = new BacktestRunner({
    store,
    query,
    activeRules: () => ACTIVE,
    replica: "replica-a",
    logger: silent,
    keepMs: 86_400_000,
    maxMemoryMb: 512,
    batchSize: 5,
    ...extra,
  });
  closing.push(() => made.close());
  return made;
}

const request = { rules: CANDIDATE, lists: {}, ...WINDOW, examplesPerKind: 2, maxMessages: null };

describe("the backtest runner", () => {
  it("shows progress while running, refuses a second one, and stops on cancel with what it has", async () => {
    const { query, store } = await setUp();
    const reads = gatedReads(query, 2);
    const backtests = runner(store, reads.query);
    const started = await backtests.start(request, "moderator:ann");
    await reads.atGate;

    const running = await until("progress recorded", async () => {
      const view = await store.get(started.id, { withResult: false });
      return view && view.progress.processed >= 5 ? view : undefined;
    });
    expect(running).toMatchObject({ status: "running", progress: { total: 30 } });
    await expect(backtests.start(request, "moderator:bob")).rejects.toMatchObject({ code: "backtest_busy" });

    // Asked through the table, as a request on another replica would; the replay stops even
    // though its next read is still under way.
    await store.requestCancel(started.id);
    const cancelled = await until("cancelled", async () => {
      const view = await store.get(started.id, { withResult: true });
      return view?.status === "cancelled" ? view : undefined;
    });
    reads.release();
    expect(cancelled.progress.processed).toBe(10);
    expect(cancelled.result).toMatchObject({ messages: { replayed: cancelled.progress.processed } });
    expect(JSON.stringify(cancelled.result)).toMatch(/Cancelled after/);

    // The replica is free again.
    const next = await backtests.start(request, "moderator:bob");
    const done = await until("second done", async () => {
      const view = await store.get(next.id, { withResult: true });
      return view?.status === "done" ? view : undefined;
    });
    expect(done.result).toMatchObject({ messages: { replayed: 30 }, changed: 10 });
  });

  it("records a backtest cut short by shutdown as failed, saying why", async () => {
    const { query, store } = await setUp();
    const reads = gatedReads(query, 1);
    const backtests = runner(store, reads.query);
    const started = await backtests.start(request, "moderator:ann");
    await reads.atGate;
    await backtests.close();
    reads.release();
    const view = await store.get(started.id, { withResult: false });
    expect(view).toMatchObject({ status: "failed" });
    expect(view?.error).toMatch(/shut down; start it again/);
    await expect(backtests.start(request, "moderator:ann")).rejects.toMatchObject({ code: "shutting_down" });
  });

  it("declares a backtest dead once its replica stops reporting", async () => {
    const { query, store } = await setUp(1);
    const view = await store.create({
      requestedBy: "moderator:ann",
      candidateVersion: "v",
      candidate: { text: CANDIDATE, lists: {} },
      ...WINDOW,
      options: {},
      replica: "killed-replica",
      keepMs: 86_400_000,
    });
    await query(
      `update backtests set heartbeat_at = now() - ($1::int * interval '1 millisecond') - interval '1 second' where id = $2::bigint`,
      [HEARTBEAT_TIMEOUT_MS, view.id],
    );
    const after = await store.get(view.id, { withResult: false });
    expect(after).toMatchObject({ status: "failed" });
    expect(after?.error).toMatch(/stopped reporting/);
  });
});

describeWithPostgres("the backtest runner on Postgres", () => {
  it("reads through a connection of its own, not the service's", async () => {
    const { query, store } = await setUp();
    const reads = gatedReads(query, Number.POSITIVE_INFINITY);
    const backtests = runner(store, reads.query, { databaseUrl: db.url! });
    const started = await backtests.start(request, "moderator:ann");
    const done = await until("done", async () => {
      const view = await store.get(started.id, { withResult: true });
      return view?.status === "done" ? view : undefined;
    });
    expect(done.result).toMatchObject({ messages: { replayed: 30 }, changed: 10 });
    expect(reads.reads()).toBe(0);
  });
});
