import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rateLockKey } from "../../src/hooks/rate-counts.ts";
import type { Service } from "../../src/service.ts";
import { describeWithPostgres, openTestDatabase, type TestDatabase } from "../support/db.ts";
import { type FakeStream, startFakeStream } from "../support/fake-stream.ts";
import { type Harness, sendSignedHook, startHarness, startReplicas } from "../support/service.ts";
import { pendingMessagePayload } from "../support/sign.ts";

const RULES = `
rules:
  - id: flood
    action: review
    when: { rate: { max: 2, per: 1m, by: user } }
`;

const fromUser = (id: string, user: string) =>
  pendingMessagePayload({ message: { id, user: { id: user, role: "user" } } });

async function statusOf(response: Response): Promise<string> {
  expect(response.status).toBe(200);
  return ((await response.json()) as { status: string }).status;
}

const tally = (statuses: string[]) => {
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};

describe("a rate rule under a burst on one replica", () => {
  let h: Harness;
  beforeEach(async () => {
    // No dispatcher: statuses stay as the receipts left them.
    h = await startHarness({ rulesYaml: RULES, startWorkers: false });
  });
  afterEach(async () => {
    await h.close();
  });

  it("ten messages from one user at once: exactly two pass, the rest are held", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h.hook("PassOnPendingMessage", fromUser(`burst-${i}`, "chatty")).then(statusOf),
      ),
    );
    expect(tally(statuses)).toEqual({ committing: 2, held: 8 });
  });

  it("a redelivery of a known message in the same burst is not counted twice", async () => {
    expect(await statusOf(await h.hook("PassOnPendingMessage", fromUser("first", "chatty")))).toBe(
      "committing",
    );
    const statuses = await Promise.all([
      h.hook("PassOnPendingMessage", fromUser("first", "chatty")).then(statusOf),
      h.hook("PassOnPendingMessage", fromUser("second", "chatty")).then(statusOf),
    ]);
    // "first" is already counted once; its redelivery is no new message, so "second" is the second.
    expect(statuses).toEqual(["committing", "committing"]);
    expect(await statusOf(await h.hook("PassOnPendingMessage", fromUser("third", "chatty")))).toBe("held");
  });
});

async function waitUntilSomeoneWaitsForALock(sql: postgres.Sql): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const [row] =
      await sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`;
    if (row!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("no receipt ever waited for the held rate count");
}

describeWithPostgres("a rate rule under a burst across replicas", () => {
  let db: TestDatabase;
  let stream: FakeStream;
  let replicas: Service[];
  beforeAll(async () => {
    db = await openTestDatabase();
    stream = await startFakeStream();
    replicas = await startReplicas(db, stream, ["a", "b", "c"], { rulesYaml: RULES, poolSize: 4 });
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.shutdown();
    await stream.close();
    await db.close();
  });

  it("ten messages from one user racing through three replicas' pools: exactly two pass", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sendSignedHook(replicas[i % 3]!, stream, "PassOnPendingMessage", fromUser(`race-${i}`, "racer")).then(
          statusOf,
        ),
      ),
    );
    expect(tally(statuses)).toEqual({ committing: 2, held: 8 });
  });

  it("a user waiting for their count does not hold up anyone else", async () => {
    // Another session holds the count of "blocked" as a receipt in progress would.
    const other = postgres(db.url!, { max: 1, onnotice: () => {} });
    const watcher = postgres(db.url!, { max: 1, onnotice: () => {} });
    try {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const holder = other.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtextextended(${rateLockKey("user", "blocked")}, 0))`;
        locked();
        await released;
      });
      await isLocked;

      let blockedSettled = false;
      const blocked = sendSignedHook(
        replicas[0]!,
        stream,
        "PassOnPendingMessage",
        fromUser("b-1", "blocked"),
      ).then((response) => {
        blockedSettled = true;
        return response;
      });
      await waitUntilSomeoneWaitsForALock(watcher);
      // Unrelated users are answered while "blocked" waits.
      for (let i = 0; i < 3; i++) {
        const response = await sendSignedHook(
          replicas[i]!,
          stream,
          "PassOnPendingMessage",
          fromUser(`free-${i}`, `free-${i}`),
        );
        expect(await statusOf(response)).toBe("committing");
      }
      expect(blockedSettled).toBe(false);
      release();
      await holder;
      expect(await statusOf(await blocked)).toBe("committing");
    } finally {
      await other.end();
      await watcher.end();
    }
  });
});
