import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appliedCommits, storedRows, streamCalls } from "../support/counts.ts";
import { type Harness, startHarness } from "../support/service.ts";

// On PGlite the deliveries interleave on one connection; on Postgres (TEST_DATABASE_URL) they race
// on separate pooled connections, which is the case that matters.
describe("ten concurrent deliveries of one message", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  for (const variant of [
    "same webhook id (retries)",
    "different webhook ids (both hooks, replays)",
  ] as const) {
    it(`${variant}: one decision, one commit call`, async () => {
      const payload = h.pending({ message: { text: "race me" } });
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          h.hook("PassOnPendingMessage", payload, {
            webhookId: variant.startsWith("same") ? "wh-same" : `wh-${i}`,
            attempt: variant.startsWith("same") ? i + 1 : 1,
          }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ message_id: string }>;
      for (const body of bodies) expect(body.message_id).toBe(payload.message.id);

      await h.waitForStatus(payload.message.id, ["committed"]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await storedRows(h.db.database.db, payload.message.id)).toEqual({
        messages: 1,
        decisions: 1,
        outbox: 1,
        deliveries: 10,
      });
      expect(streamCalls(h.stream, payload.message.id, "commit")).toHaveLength(1);
      expect(appliedCommits(h.stream, payload.message.id)).toHaveLength(1);
    });
  }
});
