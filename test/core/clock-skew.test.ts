import { eq } from "drizzle-orm";
import { afterEach, expect, it, vi } from "vitest";
import { messages } from "../../src/db/schema/index.ts";
import type { Service } from "../../src/service.ts";
import { appliedCommits } from "../support/counts.ts";
import { describeWithPostgres, openTestDatabase, type TestDatabase } from "../support/db.ts";
import { type FakeStream, startFakeStream } from "../support/fake-stream.ts";
import { sendSignedHook, startTestService } from "../support/service.ts";
import { pendingMessagePayload } from "../support/sign.ts";

// One clock: Postgres's. A replica whose own clock runs ahead must not see deadlines pass early,
// nor make work due late. The process's Date is moved 20 s ahead; the Postgres server's is not.
// (PGlite runs in the process, so its clock would move too: real Postgres only.)

const SKEW_MS = 20_000;

/** Date, running `skewMs` ahead: `new Date()` and `Date.now()`; dates built from a value are exact. */
function skewedDate(skewMs: number): DateConstructor {
  const RealDate = Date;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + skewMs);
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return RealDate.now() + skewMs;
    }
  }
  return SkewedDate as DateConstructor;
}

describeWithPostgres("a replica whose clock runs 20 s ahead of Postgres's", () => {
  let db: TestDatabase | undefined;
  let fake: FakeStream | undefined;
  let service: Service | undefined;
  afterEach(async () => {
    await service?.shutdown();
    await fake?.close();
    await db?.close();
    vi.unstubAllGlobals();
  });

  it("approves a held message at its review deadline and commits it before Stream's deadline", async () => {
    db = await openTestDatabase();
    // Stream's own clock is right: messages stay pending (no timeout in the fake).
    fake = await startFakeStream();
    // Exactly SKEW_MS ahead at every read (fake timers that advance by ticks fall behind on a
    // busy machine; this does not).
    vi.stubGlobal("Date", skewedDate(SKEW_MS));
    service = await startTestService(db, fake, {
      env: { PENDING_TIMEOUT_MS: "8000" },
      rulesYaml: `
review_timeout_action: approve
review_timeout_margin_ms: 5000
rules:
  - id: hold
    action: review
    when: { text_has_any: [holdme] }
`,
    });
    service.startWorkers();
    // created_at comes from Stream's clock, which is right.
    const realNow = new Date(Date.now() - SKEW_MS).toISOString();
    const payload = pendingMessagePayload({ message: { text: "holdme please", created_at: realNow } });
    fake.sim.addPending(payload.message, payload.metadata);
    const answer = await sendSignedHook(service, fake, "PassOnPendingMessage", payload);
    expect(((await answer.json()) as { status: string }).status).toBe("held");

    const id = payload.message.id;
    const until = performance.now() + 20_000;
    let status: string | undefined;
    for (;;) {
      const [row] = await db.database.db
        .select({ status: messages.status })
        .from(messages)
        .where(eq(messages.id, id));
      status = row?.status;
      if (status === "committed" || status === "expired" || performance.now() > until) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe("committed");
    expect(appliedCommits(fake, id)).toHaveLength(1);
  });
});
