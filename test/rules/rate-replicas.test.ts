import { afterAll, beforeAll, expect, it } from "vitest";
import type { Service } from "../../src/service.ts";
import { describeWithPostgres, openTestDatabase, type TestDatabase } from "../support/db.ts";
import { type FakeStream, startFakeStream } from "../support/fake-stream.ts";
import { startTestService } from "../support/service.ts";
import { hookHeaders, pendingMessagePayload } from "../support/sign.ts";

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
    replicas = await Promise.all(
      ["a", "b"].map((instanceId) =>
        startTestService(db, stream, { instanceId, rulesYaml: RULES }, db.openPool(4)),
      ),
    );
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
      const request = hookHeaders({ apiKey: stream.apiKey, secret: stream.apiSecret, body: payload });
      const response = await replica.app.request(`${replica.config.hookPath}/PassOnPendingMessage`, {
        method: "POST",
        headers: request.headers,
        body: request.body,
      });
      statuses.push(((await response.json()) as { status: string }).status);
    }
    // Each replica alone saw at most three messages; together they saw six.
    expect(statuses).toEqual(["committing", "committing", "committing", "held", "held", "held"]);
    const other = pendingMessagePayload({ message: { id: "quiet", user: { id: "quiet", role: "user" } } });
    const request = hookHeaders({ apiKey: stream.apiKey, secret: stream.apiSecret, body: other });
    const response = await replicas[0]!.app.request(`${replicas[0]!.config.hookPath}/PassOnPendingMessage`, {
      method: "POST",
      headers: request.headers,
      body: request.body,
    });
    expect(await response.json()).toMatchObject({ status: "committing" });
  });
});
