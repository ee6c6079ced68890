import { and, eq, inArray } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { decisions, messages, moderatorActions } from "../../src/db/schema/index.ts";
import type { Service } from "../../src/service.ts";
import { streamCalls } from "../support/counts.ts";
import { TEST_DATABASE_URL } from "../support/db.ts";
import { type Harness, startHarness } from "../support/service.ts";
import { anotherReplica, holdMessage, sleep } from "./helpers.ts";

const TIMEOUT_MS = 1500;
const MARGIN_MS = 600;

const rules = (action: "approve" | "reject" | "expire", marginMs = MARGIN_MS) => `
default_action: approve
review_timeout_action: ${action}
review_timeout_margin_ms: ${marginMs}
rules:
  - id: needs-a-look
    action: review
    when: { text_has_any: [maybe] }
`;

async function deadlineOf(h: Harness, id: string): Promise<number> {
  const [row] = await h.db.database.db
    .select({ deadlineAt: messages.deadlineAt })
    .from(messages)
    .where(eq(messages.id, id));
  return row!.deadlineAt.getTime();
}

async function systemDecisions(h: Harness, id: string) {
  return h.db.database.db
    .select()
    .from(decisions)
    .where(and(eq(decisions.messageId, id), eq(decisions.source, "system")));
}

describe("the deadline sweeper", () => {
  let h: Harness;
  const replicas: Service[] = [];
  afterEach(async () => {
    for (const replica of replicas.splice(0)) await replica.shutdown();
    await h.close();
  });

  const expectations = {
    approve: { final: "committed", call: "commit" },
    reject: { final: "rejected", call: "delete" },
    expire: { final: "expired", call: undefined },
  } as const;

  for (const action of ["approve", "reject", "expire"] as const) {
    it(`review_timeout_action ${action}: acts at deadline - margin, once, as the system, before the deadline`, async () => {
      h = await startHarness({ rulesYaml: rules(action), env: { PENDING_TIMEOUT_MS: String(TIMEOUT_MS) } });
      const id = await holdMessage(h);
      const deadline = await deadlineOf(h, id);
      const { final, call } = expectations[action];
      await h.waitForStatus(id, [final], 5000);

      const [decision, ...more] = await systemDecisions(h, id);
      expect(more).toEqual([]);
      expect(decision).toMatchObject({ action, actor: "deadline-sweeper" });
      // Not before the margin opened, and not after the deadline.
      expect(decision!.createdAt.getTime()).toBeGreaterThanOrEqual(deadline - MARGIN_MS);
      expect(decision!.createdAt.getTime()).toBeLessThan(deadline);

      const audit = await h.db.database.db
        .select()
        .from(moderatorActions)
        .where(eq(moderatorActions.messageId, id));
      expect(audit).toEqual([
        expect.objectContaining({ actorKind: "system", actorId: "deadline-sweeper", action }),
      ]);

      const calls = streamCalls(h.stream, id);
      if (call) {
        expect(calls.map((c) => c.operation)).toEqual([call]);
        expect(calls[0]!.at).toBeLessThan(deadline);
      } else {
        expect(calls).toEqual([]);
      }
      if (action === "approve") expect(h.stream.sim.get(id)?.state).toBe("committed");
    });
  }

  it("never approves past the deadline: a held message found too late is closed as expired, with no Stream call", async () => {
    h = await startHarness({
      rulesYaml: rules("approve"),
      env: { PENDING_TIMEOUT_MS: "300" },
      startWorkers: false,
    });
    const id = await holdMessage(h);
    await sleep(400);
    expect(await h.service.sweeper.sweep()).toBe(0);
    expect(await h.status(id)).toBe("expired");
    await h.service.dispatcher.poll();
    expect(streamCalls(h.stream, id)).toEqual([]);
    const [expiry] = await systemDecisions(h, id);
    expect(expiry).toMatchObject({ action: "expire" });
  });

  it(`acts once across two instances${TEST_DATABASE_URL ? " (separate Postgres pools)" : " (one PGlite shared in-process)"}`, async () => {
    const margin = 2000;
    h = await startHarness({
      rulesYaml: rules("approve", margin),
      env: { PENDING_TIMEOUT_MS: "60000" },
      startWorkers: false,
    });
    const other = await anotherReplica(h, {
      instanceId: "second-replica",
      database: TEST_DATABASE_URL ? h.db.openPool() : undefined,
    });
    replicas.push(other);
    // Dispatchers run; the sweepers are driven by hand so both sweep the same due messages at once.
    h.service.dispatcher.start();
    other.dispatcher.start();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await holdMessage(h));
    // One shared deadline, however long sending took: all twelve come due together.
    const deadline = new Date(Date.now() + margin + 1000);
    await h.db.database.db.update(messages).set({ deadlineAt: deadline }).where(inArray(messages.id, ids));
    await sleep(deadline.getTime() - margin - Date.now() + 50);

    const [a, b] = await Promise.all([h.service.sweeper.sweep(), other.sweeper.sweep()]);
    expect(a + b).toBe(ids.length);
    // Each sweeper hands what it decided to its own dispatcher at once.
    for (const id of ids) await h.waitForStatus(id, ["committed"]);
    await Promise.all([h.service.sweeper.sweep(), other.sweeper.sweep()]);
    for (const id of ids) {
      expect(await systemDecisions(h, id)).toHaveLength(1);
      expect(streamCalls(h.stream, id, "commit")).toHaveLength(1);
    }
  });
});
