import pino from "pino";
import { expect } from "vitest";
import { createService, type Service } from "../../src/service.ts";
import { api } from "../support/api.ts";
import { ADMIN_TOKEN, type Harness } from "../support/service.ts";
import type { PendingMessageOverrides } from "../support/sign.ts";

export { api } from "../support/api.ts";
export { ADMIN_TOKEN };

/**
 * Rules for review tests: "maybe" and "spam" send a message to the queue (two rule ids, for the
 * rule_id filters), "badword" rejects it, anything else is approved.
 */
export const REVIEW_RULES = `
default_action: approve
on_error: review
review_timeout_action: expire
review_timeout_margin_ms: 0
rules:
  - id: banned-words
    action: reject
    when: { text_has_any: [badword] }
  - id: needs-a-look
    action: review
    when: { text_has_any: [maybe] }
  - id: spammy
    action: review
    when: { text_has_any: [spam] }
`;

/** Sends a message the rules hold for review; resolves with its id once it is `held`. */
export async function holdMessage(h: Harness, overrides: PendingMessageOverrides = {}): Promise<string> {
  const payload = h.pending({ ...overrides, message: { text: "maybe this is fine", ...overrides.message } });
  const response = await h.hook("PassOnPendingMessage", payload);
  const body = (await response.json()) as { status: string };
  expect(body.status).toBe("held");
  return payload.message.id;
}

/** Creates a moderator through the API and returns its id and token. */
export async function createModerator(
  service: Service,
  name: string,
  role: "moderator" | "admin" = "moderator",
): Promise<{ id: string; token: string; name: string }> {
  const answer = await api<{ id: string; token: string; name: string }>(service, "POST", "/api/moderators", {
    body: { name, role },
  });
  expect(answer.status).toBe(201);
  return answer.body;
}

/** A second service on the same database (another replica), with its own overrides. */
export async function anotherReplica(
  h: Harness,
  overrides: { claimTtlMs?: number; instanceId?: string; database?: Harness["db"]["database"] } = {},
): Promise<Service> {
  return createService(h.service.config, {
    database: overrides.database ?? h.db.database,
    logger: pino({ level: "silent" }),
    claimTtlMs: overrides.claimTtlMs,
    instanceId: overrides.instanceId,
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
