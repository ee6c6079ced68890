import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { dispatchAttempts, finalStatuses, messages } from "../../src/db/schema/index.ts";
import type { Service } from "../../src/service.ts";
import { describeWithPostgres, openTestDatabase, type TestDatabase } from "../support/db.ts";
import { type FakeStream, startFakeStream } from "../support/fake-stream.ts";
import { sendSignedHook, startReplicas } from "../support/service.ts";
import { pendingMessagePayload } from "../support/sign.ts";

const RULES = `
rules:
  - id: spam
    action: reject
    when: { text_has_any: [spam] }
`;

describeWithPostgres("two replicas with separate connection pools", () => {
  let db: TestDatabase;
  let stream: FakeStream;
  let replicas: Service[];

  beforeAll(async () => {
    db = await openTestDatabase();
    stream = await startFakeStream();
    replicas = await startReplicas(db, stream, ["replica-a", "replica-b"], {
      rulesYaml: RULES,
      poolSize: 10,
    });
    for (const replica of replicas) replica.startWorkers();
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.shutdown();
    await stream.close();
    await db.close();
  });

  it("240 messages, each delivered to both at once: every one final, zero double commits, no commit of a rejected one", async () => {
    const payloads = Array.from({ length: 240 }, (_, i) =>
      pendingMessagePayload({ message: { id: `m-${i}`, text: i % 4 === 0 ? "buy spam now" : `hello ${i}` } }),
    );
    for (const payload of payloads) stream.sim.addPending(payload.message);

    const deliver = (replica: Service, payload: (typeof payloads)[number]) =>
      sendSignedHook(replica, stream, "PassOnPendingMessage", payload);
    // Batches of 20 messages, each sent to both replicas in the same tick.
    for (let i = 0; i < payloads.length; i += 20) {
      const batch = payloads.slice(i, i + 20);
      const responses = await Promise.all(batch.flatMap((p) => replicas.map((r) => deliver(r, p))));
      expect(responses.every((r) => r.status === 200)).toBe(true);
    }

    const ids = payloads.map((p) => p.message.id);
    const deadline = Date.now() + 30_000;
    let open = ids.length;
    while (Date.now() < deadline) {
      const rows = await db.database.db
        .select({ id: messages.id, status: messages.status })
        .from(messages)
        .where(inArray(messages.id, ids));
      open = rows.filter((row) => !finalStatuses.includes(row.status)).length + (ids.length - rows.length);
      if (open === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(open).toBe(0);

    for (const [i, id] of ids.entries()) {
      const commits = stream.ledger.filter((call) => call.messageId === id && call.operation === "commit");
      const deletes = stream.ledger.filter((call) => call.messageId === id && call.operation === "delete");
      const [row] = await db.database.db
        .select({ status: messages.status })
        .from(messages)
        .where(eq(messages.id, id));
      if (i % 4 === 0) {
        expect({ id, commits: commits.length, deletes: deletes.length, status: row?.status }).toEqual({
          id,
          commits: 0,
          deletes: 1,
          status: "rejected",
        });
      } else {
        expect({ id, commits: commits.length, status: row?.status }).toEqual({
          id,
          commits: 1,
          status: "committed",
        });
        expect(stream.sim.get(id)?.state).toBe("committed");
      }
    }
    // Both replicas did dispatch work: the test exercised the race, not one idle replica.
    const attempts = await db.database.db
      .selectDistinct({ dispatcher: dispatchAttempts.dispatcher })
      .from(dispatchAttempts);
    expect(attempts.map((a) => a.dispatcher).sort()).toEqual(["replica-a", "replica-b"]);
  });
});
