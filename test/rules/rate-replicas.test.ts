import { afterAll, beforeAll, expect, it } from "vitest";
import type { Service } from "../../src/service.ts";
import { describeWithPostgres, openTestDatabase, type TestDatabase } from "../support/db.ts";
import { type FakeStream, startFakeStream } from "../support/fake-stream.ts";
import { sendSignedHook, startReplicas } from "../support/service.ts";
import { pendingMessagePayload } from "../support/sign.ts";

const RULES = `
rules:
  - id: flood
    action: review
    when: { rate: { max: 3, per: 1m, by: user } }
`;

describeWithPostgres("rate rule across two replicas", () => {
  let db: TestDatabase;
  let stream: FakeStream;
  let replicas: Service[];
  beforeAll(async () => {
    db = await openTestDatabase();
    stream = await startFakeStream();
    replicas = await startReplicas(db, stream, ["a", "b"], { rulesYaml: RULES, poolSize: 4 });
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.shutdown();
    await stream.close();
    await db.close();
  });

  it("counts one user's messages in Postgres, whichever replica received them", async () => {
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      const replica = replicas[i % 2]!;
      const payload = pendingMessagePayload({
        message: { id: `r-${i}`, user: { id: "chatty", role: "user" } },
      });
      const response = await sendSignedHook(replica, stream, "PassOnPendingMessage", payload);
      statuses.push(((await response.json()) as { status: string }).status);
    }
    // Each replica alone saw at most three messages; together they saw six.
    expect(statuses).toEqual(["committing", "committing", "committing", "held", "held", "held"]);
    const other = pendingMessagePayload({ message: { id: "quiet", user: { id: "quiet", role: "user" } } });
    const response = await sendSignedHook(replicas[0]!, stream, "PassOnPendingMessage", other);
    expect(await response.json()).toMatchObject({ status: "committing" });
  });
});
