import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decisions } from "../../src/db/schema/index.ts";
import { hookPayloadSchema } from "../../src/hooks/payload.ts";
import { receivePendingMessage } from "../../src/hooks/receive.ts";
import { parseRuleSet } from "../../src/rules/index.ts";
import type { RuleSet } from "../../src/rules/types.ts";
import { openTestDatabase, type TestDatabase } from "../support/db.ts";
import { pendingMessagePayload } from "../support/sign.ts";

describe("rules that fail on a message", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await openTestDatabase();
  });
  afterEach(async () => {
    await db.close();
  });

  it("apply on_error, store the reason with the decision, and log why", async () => {
    const real = parseRuleSet(
      "on_error: review\nrules: [{id: r, action: reject, when: {text_has_any: [x]}}]",
      "test",
    );
    // A rule set whose evaluation throws: the engine catches it and answers on_error with `error`.
    const failing: RuleSet = Object.assign(Object.create(Object.getPrototypeOf(real)), real, {
      rules: [
        {
          id: "broken",
          action: "reject",
          when: [
            {
              key: "text_has_any",
              test: () => {
                throw new Error("matcher exploded");
              },
            },
          ],
          unless: [],
        },
      ],
    });
    const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const logger = { warn: (obj: Record<string, unknown>, msg: string) => warnings.push({ obj, msg }) };
    const payload = hookPayloadSchema.parse(pendingMessagePayload({ message: { text: "hello" } }));

    const receipt = await receivePendingMessage(
      { db: db.database.db, rules: () => failing, pendingTimeoutMs: 60_000, logger: logger as never },
      payload,
      { webhookId: null, attempt: null },
    );

    expect(receipt.status).toBe("held");
    const [decision] = await db.database.db.select().from(decisions);
    expect(decision?.action).toBe("review");
    expect(decision?.error).toMatch(/matcher exploded/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/on_error applied/);
    expect(warnings[0]?.obj).toMatchObject({
      messageId: payload.message.id,
      error: expect.stringMatching(/matcher exploded/),
    });
  });

  it("store why shadow rules failed with the decision, which stands", async () => {
    const real = parseRuleSet(
      "rules: [{id: trial, action: reject, mode: shadow, when: {text_has_any: [x]}}]",
      "test",
    );
    // What evaluate() answers when the shadow rules run out of their budget after one match.
    const shadowFailed: RuleSet = Object.assign(Object.create(Object.getPrototypeOf(real)), real, {
      evaluate: (input: Parameters<RuleSet["evaluate"]>[0]) => ({
        ...real.evaluate(input),
        shadow_error: 'evaluation exceeded its time budget of 50ms (at rule "trial")',
      }),
    });
    const payload = hookPayloadSchema.parse(pendingMessagePayload({ message: { text: "x marks" } }));
    const receipt = await receivePendingMessage(
      { db: db.database.db, rules: () => shadowFailed, pendingTimeoutMs: 60_000 },
      payload,
      { webhookId: null, attempt: null },
    );
    expect(receipt.status).toBe("committing");
    const [decision] = await db.database.db.select().from(decisions);
    expect(decision).toMatchObject({
      action: "approve",
      error: null,
      shadowError: 'evaluation exceeded its time budget of 50ms (at rule "trial")',
    });
    expect(decision?.shadowMatches).toMatchObject([{ rule_id: "trial", action: "reject" }]);
  });
});
