import type { RawQuery } from "../db/client.ts";
import { tupleReader } from "../db/tuples.ts";
import type { RateQuery } from "../rules/types.ts";
import type { ReceiptDraft, ReceiptRequest } from "./receipt-store.ts";
import { storableIp } from "./request-signals.ts";

/**
 * Rate rules count a sender's earlier messages in Postgres, so a limit holds across every replica
 * sharing the database. Counting and deciding must be one step with storing the receipt, or a
 * burst of messages all count the same history and all pass: the receipt's transaction takes a
 * lock per sender first (see decideUnderRateLocks), which serialises one sender's receipts and
 * nobody else's.
 */

/** What a sender's lock is named by: every rate window of one sender shares it. */
export function rateLockKey(by: RateQuery["by"], value: string): string {
  return `gatehouse-rate:${by}:${value}`;
}

interface CountInput {
  ref: string;
  query: RateQuery;
  since: Date;
}

const COUNT_INPUT = tupleReader<CountInput>([
  ["ref", "text", (c) => c.ref],
  ["by", "text", (c) => c.query.by],
  ["value", "text", (c) => c.query.value],
  ["since", "timestamptz", (c) => c.since.toISOString()],
]);

// A user's messages are counted by the message rows, an IP's by the rules' decisions (the inet
// column); the cast is reached only for rows counted by IP, which are well-formed addresses.
const COUNT = `
with input as (${COUNT_INPUT.select})
select ref, case when by = 'user'
  then (select count(*) from messages m where m.user_id = input.value and m.received_at > input.since)
  else (select count(*) from decisions d
         where d.ip = input.value::inet and d.source = 'rules' and d.created_at > input.since)
  end::int as n
  from input`;

async function countEach(query: RawQuery, inputs: readonly CountInput[]): Promise<Map<string, number>> {
  // An IP is counted in the form the inet column stores; anything else has no history.
  const countable = inputs.flatMap((input) => {
    if (input.query.by === "user") return [input];
    const ip = storableIp(input.query.value);
    return ip ? [{ ...input, query: { ...input.query, value: ip } }] : [];
  });
  const counts = new Map(inputs.map((input) => [input.ref, 0]));
  if (countable.length === 0) return counts;
  for (const row of await query<{ ref: string; n: number }>(COUNT, [COUNT_INPUT.encode(countable)]))
    counts.set(row.ref, Number(row.n));
  return counts;
}

/** Earlier messages per rate key in each query's window before `now` (no lock: a preview). */
export function countRates(
  query: RawQuery,
  queries: readonly RateQuery[],
  now: Date,
): Promise<Map<string, number>> {
  return countEach(
    query,
    queries.map((q) => ({ ref: q.key, query: q, since: new Date(now.getTime() - q.windowMs) })),
  );
}

// Locks are taken in one order (by their hash), so two transactions locking overlapping senders
// cannot deadlock; the subquery's order is the order the locks are taken in.
const LOCK_SENDERS = `
select count(*)::int as n from (
  select pg_advisory_xact_lock(h) from (
    select distinct hashtextextended(k.value, 0) as h
      from jsonb_array_elements_text($1::text::jsonb) as k(value)
     order by h) sorted) locked`;

const KNOWN_IDS = `
select m.id from jsonb_array_elements_text($1::text::jsonb) as k(value) join messages m on m.id = k.value`;

/**
 * Inside the receipt's transaction: locks the senders the requests are rate-limited by (until the
 * transaction ends), counts their earlier messages, and decides each request in order. A request
 * counts the new messages decided before it in the same batch too; a delivery of a message
 * already stored, or a second delivery in the batch, is no new message and counts for nobody.
 */
export async function decideUnderRateLocks(
  query: RawQuery,
  requests: readonly ReceiptRequest[],
): Promise<ReceiptDraft[]> {
  const senders = new Set(requests.flatMap((r) => r.rateQueries.map((q) => rateLockKey(q.by, q.value))));
  if (senders.size > 0) await query(LOCK_SENDERS, [JSON.stringify([...senders])]);
  const ids = [...new Set(requests.map((r) => r.messageId))];
  const known = new Set((await query<{ id: string }>(KNOWN_IDS, [JSON.stringify(ids)])).map((r) => r.id));
  const stored = await countEach(
    query,
    requests.flatMap((request, index) =>
      request.rateQueries.map((q) => ({
        ref: `${index}:${q.key}`,
        query: q,
        since: new Date(request.receivedAt.getTime() - q.windowMs),
      })),
    ),
  );

  const addedHere = new Map<string, number>();
  return requests.map((request, index) => {
    const counts = new Map(
      request.rateQueries.map((q) => [
        q.key,
        (stored.get(`${index}:${q.key}`) ?? 0) + (addedHere.get(q.key) ?? 0),
      ]),
    );
    if (!known.has(request.messageId)) {
      known.add(request.messageId);
      for (const q of request.rateQueries) addedHere.set(q.key, (addedHere.get(q.key) ?? 0) + 1);
    }
    return request.decide(counts);
  });
}
