import { describe, expect, it } from "vitest";
import { rawQuery } from "../../src/db/client.ts";
import { messageStatuses } from "../../src/db/schema/index.ts";
import { ALLOWED_MOVES, finishWork, isAllowedMove, receivedStatus } from "../../src/db/transitions.ts";
import { openTestDatabase } from "../support/db.ts";

describe("status transitions", () => {
  it("final statuses move nowhere; open ones never move back to an open status they came from", () => {
    for (const final of ["committed", "rejected", "expired", "deleted"] as const) {
      expect(ALLOWED_MOVES[final]).toEqual([]);
    }
    expect(isAllowedMove("held", "committing")).toBe(true);
    expect(isAllowedMove("committing", "rejected")).toBe(false);
    expect(isAllowedMove("rejecting", "committed")).toBe(false);
    expect(isAllowedMove("committed", "expired")).toBe(false);
    for (const from of messageStatuses) {
      for (const to of ALLOWED_MOVES[from]) expect(ALLOWED_MOVES[to]).not.toContain(from);
    }
  });

  it("a new message starts at the rules' action, or expired past its deadline", () => {
    expect(receivedStatus("approve", false)).toBe("committing");
    expect(receivedStatus("reject", false)).toBe("rejecting");
    expect(receivedStatus("review", false)).toBe("held");
    expect(receivedStatus("approve", true)).toBe("expired");
  });

  it("finishing work refuses a move the table does not allow, before writing anything", async () => {
    const db = await openTestDatabase();
    try {
      let wrote = false;
      const spy = async <T>(text: string, params: readonly unknown[]) => {
        wrote = true;
        return rawQuery(db.database.db)<T>(text, params);
      };
      await expect(
        finishWork(
          spy,
          [{ attempt: null, messageId: "m", from: "committed", to: "expired", reason: null, state: "done" }],
          false,
        ),
      ).rejects.toThrow(/status move committed -> expired is not allowed/);
      expect(wrote).toBe(false);
    } finally {
      await db.close();
    }
  });
});
