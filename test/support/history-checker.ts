import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/client.ts";
import { rowsOf } from "../../src/db/rows.ts";
import type { FakeCall, FakeStream } from "./fake-stream.ts";
import type { History, MessageHistory, MessageKind } from "./load-driver.ts";

// A total-queue checker in the manner of Jepsen's: it reads the whole history after the run
// (what each hook delivery was answered, every call that reached the fake Stream and what it did
// there, and the service's final tables) and lists every way the service broke its promises.
// An empty list is the pass. Each violation names the message and what was seen, so a failure
// can be traced in the logs without rerunning.

const FINAL = new Set(["committed", "rejected", "expired", "deleted"]);

/** The final status each kind of message must reach. */
const EXPECTED: Record<MessageKind, string> = {
  approve: "committed",
  external: "committed",
  reject: "rejected",
  deleted: "deleted",
  stale: "expired",
  late: "expired",
};

/** Statuses a hook may answer for each kind: anything else shows a wrong decision. */
const ANSWERABLE: Record<MessageKind, Set<string>> = {
  approve: new Set(["committing", "committed"]),
  external: new Set(["committing", "committed"]),
  reject: new Set(["rejecting", "rejected"]),
  deleted: new Set(["held", "deleted", "expired"]),
  stale: new Set(["expired"]),
  late: new Set(["committing", "expired"]),
};

export interface CheckOptions {
  history: History;
  fake: FakeStream;
  /** A pool on the test's database (not through any fault proxy). */
  db: Db;
  /** Every acknowledged message must be final within this long of the call. */
  finalWithinMs: number;
  /**
   * A crash or a database outage between Stream's answer and recording it makes a second commit
   * call legitimate (the outcome is unknown to whoever takes over). Without them, a commit is
   * repeated only after an unknown outcome (timeout, reset, 5xx): anything else is a violation.
   */
  recordsMayBeLost?: boolean;
}

export interface CheckResult {
  violations: string[];
  stats: Record<string, number>;
  /** How long the wait for every acknowledged message to be final took. */
  settleMs: number;
}

interface MessageRow {
  id: string;
  status: string;
  deadline_at: Date | string;
}

/** Waits (bounded) for every acknowledged message to be final, then checks the whole history. */
export async function checkHistory(options: CheckOptions): Promise<CheckResult> {
  const { history, fake, db } = options;
  const started = Date.now();
  const owed = history.all().filter((m) => mustFinish(history, m));
  let rows = new Map<string, MessageRow>();
  for (;;) {
    rows = await readMessages(db);
    const pending = owed.filter((m) => !FINAL.has(rows.get(m.id)?.status ?? ""));
    if (pending.length === 0 || Date.now() - started > options.finalWithinMs) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const settleMs = Date.now() - started;
  const open = owed.filter((m) => !FINAL.has(rows.get(m.id)?.status ?? "")).map((m) => m.id);
  const stuck = await describeOpen(db, open);

  const violations: string[] = [];
  const callsById = groupCalls(fake, violations);
  const decisionCounts = await countDecisions(db);
  const openOutbox = await openOutboxRows(db);

  for (const id of rows.keys()) {
    if (!fake.sim.get(id)) violations.push(`${id}: stored, but Stream never held such a message`);
  }

  const stats: Record<string, number> = { ...history.summary(), committedByUs: 0, repeatedCommits: 0 };
  for (const message of history.all()) {
    const row = rows.get(message.id);
    const calls = callsById.get(message.id) ?? [];
    const say = (what: string) => violations.push(`${message.id} (${message.kind}): ${what}`);
    checkMessage(message, row, calls, history, options, decisionCounts.get(message.id) ?? 0, say, stuck);
    if (row && FINAL.has(row.status) && openOutbox.has(message.id)) {
      say(`is ${row.status} but its outbox row is still pending`);
    }
    if (fake.sim.get(message.id)?.committedBy === "api") stats.committedByUs!++;
    if (calls.filter((c) => c.operation === "commit").length > 1) stats.repeatedCommits!++;
  }
  return { violations, stats, settleMs };
}

/** Acknowledged, and nothing the test did (an unacknowledged delete) leaves it legitimately open. */
function mustFinish(history: History, message: MessageHistory): boolean {
  if (!history.acked(message.id)) return false;
  if (message.kind !== "deleted") return true;
  return message.deliveries.some((d) => d.hook === "DeletedPendingMessage" && d.acked);
}

function checkMessage(
  message: MessageHistory,
  row: MessageRow | undefined,
  calls: FakeCall[],
  history: History,
  options: CheckOptions,
  decisions: number,
  say: (what: string) => void,
  stuck: Map<string, string>,
): void {
  const sim = options.fake.sim.get(message.id);
  const commits = calls.filter((c) => c.operation === "commit");
  const landed = commits.filter((c) => c.simulated?.effect === "committed");
  const expected = EXPECTED[message.kind];

  // Liveness: acknowledged means owed a final status, within the bound.
  if (mustFinish(history, message)) {
    if (!row) say("acknowledged with 2xx but never stored");
    else if (!FINAL.has(row.status)) {
      say(
        `acknowledged, still ${row.status} after ${options.finalWithinMs} ms; ${stuck.get(message.id) ?? ""}`,
      );
    }
  }
  if (row && decisions !== 1) say(`${decisions} rule decisions logged; exactly one expected`);
  if (row && FINAL.has(row.status) && row.status !== expected) {
    // A held message deleted before its delete hook was acknowledged can legitimately expire.
    say(`ended ${row.status}; expected ${expected}`);
  }

  // Answers: every 2xx named a status consistent with the decision.
  for (const delivery of message.deliveries) {
    for (const attempt of delivery.attempts) {
      if (attempt.bodyStatus && delivery.hook === "PassOnPendingMessage") {
        if (!ANSWERABLE[message.kind].has(attempt.bodyStatus)) {
          say(`a PassOnPendingMessage answer said ${attempt.bodyStatus}`);
        }
      }
      if (attempt.status !== undefined && attempt.status >= 500 && attempt.status !== 503) {
        say(`a ${delivery.hook} attempt got ${attempt.status}; only 503 is a legitimate 5xx`);
      }
    }
  }

  // Safety: at most one commit, only for approved messages, only before the deadline.
  if (landed.length > 1) say(`${landed.length} commits took effect`);
  const mayCommit = message.kind === "approve" || message.kind === "external" || message.kind === "late";
  if (!mayCommit && commits.length > 0)
    say(`${commits.length} commit call(s) for a message that must never be committed`);
  if (message.kind === "external" && landed.length > 0) say("our commit took effect after the other hook's");
  if (row) {
    const deadline = new Date(row.deadline_at).getTime();
    for (const call of commits) {
      if (call.at >= deadline)
        say(`commit call #${call.seq} at ${call.at} reached Stream after the deadline ${deadline}`);
    }
  }
  if (!options.recordsMayBeLost) {
    for (let i = 1; i < commits.length; i++) {
      const before = commits[i - 1]!.clientSaw;
      if (
        before.kind === "response" &&
        before.status < 500 &&
        before.status !== 408 &&
        before.status !== 429
      ) {
        say(`commit repeated (#${commits[i]!.seq}) after a definite answer ${before.status}`);
      }
    }
  }

  // The service's record agrees with what Stream holds.
  if (row?.status === "committed" && sim?.state !== "committed")
    say(`we say committed; Stream has it ${sim?.state}`);
  if (sim?.committedBy === "api" && row && FINAL.has(row.status) && row.status !== "committed") {
    say(`Stream committed it on our call but we say ${row.status}`);
  }
  if (row?.status === "rejected" && sim?.state !== "deleted")
    say(`we say rejected; Stream has it ${sim?.state}`);
  if (message.kind === "approve" && mustFinish(history, message) && sim?.state !== "committed") {
    say(`approved and acknowledged, but Stream has it ${sim?.state}`);
  }
}

/** Calls per message id; calls for ids Stream never held, or to unknown routes, are violations. */
function groupCalls(fake: FakeStream, violations: string[]): Map<string, FakeCall[]> {
  const byId = new Map<string, FakeCall[]>();
  for (const call of fake.ledger) {
    if (call.operation === "unknown") {
      violations.push(`call #${call.seq} ${call.method} ${call.path}: not a Stream endpoint`);
      continue;
    }
    if (!call.messageId) continue;
    if (!fake.sim.get(call.messageId)) {
      violations.push(
        `call #${call.seq} ${call.operation} for ${call.messageId}, a message Stream never held`,
      );
    }
    const list = byId.get(call.messageId) ?? [];
    list.push(call);
    byId.set(call.messageId, list);
  }
  return byId;
}

/** For a message that never finished: its outbox row and Stream calls, to see where it stopped. */
async function describeOpen(db: Db, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of ids.slice(0, 10)) {
    const outbox = rowsOf(await db.execute(sql`select * from outbox where message_id = ${id}`));
    const attempts = rowsOf(
      await db.execute(
        sql`select call, dispatcher, started_at, finished_at, outcome, http_status, error
              from dispatch_attempts where message_id = ${id} order by id`,
      ),
    );
    out.set(id, `outbox ${JSON.stringify(outbox)}; attempts ${JSON.stringify(attempts)}`);
  }
  return out;
}

async function readMessages(db: Db): Promise<Map<string, MessageRow>> {
  const rows = rowsOf<MessageRow>(await db.execute(sql`select id, status, deadline_at from messages`));
  return new Map(rows.map((row) => [row.id, row]));
}

async function countDecisions(db: Db): Promise<Map<string, number>> {
  const rows = rowsOf<{ message_id: string; n: string | number }>(
    await db.execute(
      sql`select message_id, count(*) as n from decisions where source = 'rules' group by message_id`,
    ),
  );
  return new Map(rows.map((row) => [row.message_id, Number(row.n)]));
}

async function openOutboxRows(db: Db): Promise<Set<string>> {
  const rows = rowsOf<{ message_id: string }>(
    await db.execute(sql`select message_id from outbox where state = 'pending'`),
  );
  return new Set(rows.map((row) => row.message_id));
}

/** A readable summary of a failed check for the assertion message. */
export function describeResult(result: CheckResult, limit = 40): string {
  const shown = result.violations.slice(0, limit).join("\n  ");
  const more = result.violations.length > limit ? `\n  ... and ${result.violations.length - limit} more` : "";
  return `${result.violations.length} violation(s); stats ${JSON.stringify(result.stats)}:\n  ${shown}${more}`;
}
