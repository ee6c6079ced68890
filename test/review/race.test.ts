import { expect, it } from "vitest";
import type { Service } from "../../src/service.ts";
import { appliedCommits, streamCalls } from "../support/counts.ts";
import { describeWithPostgres } from "../support/db.ts";
import { type Harness, startHarness } from "../support/service.ts";
import { anotherReplica, api, createModerator, holdMessage, REVIEW_RULES } from "./helpers.ts";

describeWithPostgres("two moderators racing on two replicas with separate pools", () => {
  const ROUNDS = 15;

  async function world(): Promise<{ h: Harness; other: Service; a: string; b: string }> {
    const h = await startHarness({ rulesYaml: REVIEW_RULES });
    const other = await anotherReplica(h, { instanceId: "replica-b", database: h.db.openPool() });
    other.startWorkers();
    const a = (await createModerator(h.service, "Dana")).token;
    const b = (await createModerator(h.service, "Sam")).token;
    return { h, other, a, b };
  }

  for (const [first, second] of [
    ["approve", "approve"],
    ["approve", "reject"],
  ] as const) {
    it(`${first} vs ${second}: exactly one 202, the other 409 with the winner's status, one Stream call`, async () => {
      const { h, other, a, b } = await world();
      try {
        const ids: string[] = [];
        for (let i = 0; i < ROUNDS; i++) ids.push(await holdMessage(h));
        await Promise.all(
          ids.map(async (id) => {
            const [one, two] = await Promise.all([
              api(h.service, "POST", `/api/messages/${id}/${first}`, { token: a }),
              api(other, "POST", `/api/messages/${id}/${second}`, { token: b }),
            ]);
            const statuses = [one.status, two.status].sort();
            expect(statuses, id).toEqual([202, 409]);
            const winner = one.status === 202 ? one : two;
            const loser = one.status === 202 ? two : one;
            expect(loser.body.code).toBe("already_decided");
            // The loser is told what won (it may already have moved on from committing/rejecting).
            const won = String(winner.body.status);
            expect(String(loser.body.current_status).slice(0, 5)).toBe(won.slice(0, 5));
          }),
        );
        for (const id of ids) {
          const final = await h.waitForStatus(id, ["committed", "rejected"]);
          const calls = streamCalls(h.stream, id).filter((call) => call.operation !== "get");
          expect(calls, id).toHaveLength(1);
          expect(calls[0]!.operation).toBe(final === "committed" ? "commit" : "delete");
          if (final === "committed") expect(appliedCommits(h.stream, id)).toHaveLength(1);
          const record = await api<{ decisions: { source: string }[] }>(
            h.service,
            "GET",
            `/api/messages/${id}`,
          );
          expect(record.body.decisions.filter((d) => d.source === "moderator")).toHaveLength(1);
        }
      } finally {
        await other.shutdown();
        await h.close();
      }
    });
  }
});
