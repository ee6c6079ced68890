import { count, eq } from "drizzle-orm";
import type { Db } from "../../src/db/client.ts";
import { decisions, dispatchAttempts, hookDeliveries, messages, outbox } from "../../src/db/schema/index.ts";
import type { FakeStream } from "./fake-stream.ts";

/** How many rows each table holds (for one message, or in all): what a hook left behind. */
export async function storedRows(db: Db, messageId?: string) {
  const n = async (
    table: typeof messages | typeof decisions | typeof outbox | typeof hookDeliveries,
    column: unknown,
  ) => {
    const query = db.select({ n: count() }).from(table);
    const [row] = await (messageId === undefined
      ? query
      : query.where(eq(column as typeof messages.id, messageId)));
    return Number(row?.n ?? 0);
  };
  return {
    messages: await n(messages, messages.id),
    decisions: await n(decisions, decisions.messageId),
    outbox: await n(outbox, outbox.messageId),
    deliveries: await n(hookDeliveries, hookDeliveries.messageId),
  };
}

/** Calls the fake Stream received for a message, by operation. */
export function streamCalls(stream: FakeStream, messageId: string, operation?: "commit" | "delete" | "get") {
  return stream.ledger.filter(
    (call) => call.messageId === messageId && (!operation || call.operation === operation),
  );
}

/** Commit calls Stream applied (the ones that changed a pending message into a committed one). */
export function appliedCommits(stream: FakeStream, messageId: string) {
  return stream.ledger.filter(
    (call) =>
      call.messageId === messageId && call.operation === "commit" && call.simulated?.effect === "committed",
  );
}

/** The Stream calls recorded for one message, oldest first. */
export function attemptsOf(db: Db, messageId: string) {
  return db
    .select()
    .from(dispatchAttempts)
    .where(eq(dispatchAttempts.messageId, messageId))
    .orderBy(dispatchAttempts.id);
}

/** A message's outbox row, if it has one. */
export async function outboxRowOf(db: Db, messageId: string) {
  const [row] = await db.select().from(outbox).where(eq(outbox.messageId, messageId));
  return row;
}
