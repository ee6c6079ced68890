import { sql } from "drizzle-orm";
import type { Db } from "../../src/db/client.ts";
import { seededRandom } from "./seeded-random.ts";

/** A fixture message as the fixture wrote it. */
interface Planned {
  id: string;
  receivedMs: number;
  fate: "commit" | "commit-open" | "reject" | "moderator-approve" | "expire" | "stay-held";
}

const statement = (rows: object[]) => sql`${JSON.stringify(rows)}::jsonb`;

/**
 * Writes a history the way the service does, in multi-row statements (so the triggers see
 * batches): receipts (message and rules decision), then commits, deletes, moderators' approvals
 * and expiries, with `between()` called between steps (to roll up part of it, or not).
 */
export async function writeStatsHistory(
  db: Db,
  options: {
    seed: number;
    base: number;
    spanMs: number;
    count: number;
    prefix: string;
    between?: () => Promise<unknown>;
  },
): Promise<void> {
  const random = seededRandom(options.seed);
  const planned: Planned[] = [];
  for (let i = 0; i < options.count; i++) {
    const roll = random();
    const fate: Planned["fate"] =
      roll < 0.4
        ? "commit"
        : roll < 0.5
          ? "commit-open"
          : roll < 0.7
            ? "reject"
            : roll < 0.8
              ? "moderator-approve"
              : roll < 0.9
                ? "expire"
                : "stay-held";
    planned.push({
      id: `${options.prefix}-${i}`,
      receivedMs: options.base + Math.floor(random() * options.spanMs),
      fate,
    });
  }
  const between = options.between ?? (async () => {});
  const initialStatus = (p: Planned) =>
    p.fate.startsWith("commit") ? "committing" : p.fate === "reject" ? "rejecting" : "held";
  const rulesAction = (p: Planned) =>
    p.fate.startsWith("commit") ? "approve" : p.fate === "reject" ? "reject" : "review";

  for (let start = 0; start < planned.length; start += 40) {
    const batch = planned.slice(start, start + 40).map((p) => ({
      id: p.id,
      status: initialStatus(p),
      action: rulesAction(p),
      received_at: new Date(p.receivedMs).toISOString(),
      // A 60 s pending timeout: some of the commits below land after it (negative slack).
      deadline_at: new Date(p.receivedMs + 60_000).toISOString(),
      evaluation_us: Math.floor(random() * 5_000),
    }));
    await db.transaction(async (tx) => {
      await tx.execute(sql`
        insert into messages (id, status, payload, received_at, deadline_at, updated_at)
        select x.id, x.status, '{}'::jsonb, x.received_at, x.deadline_at, x.received_at
          from jsonb_to_recordset(${statement(batch)}) as x(id text, status text, received_at timestamptz, deadline_at timestamptz)`);
      await tx.execute(sql`
        insert into decisions (message_id, action, source, evaluation_us, created_at)
        select x.id, x.action, 'rules', x.evaluation_us, x.received_at
          from jsonb_to_recordset(${statement(batch)}) as x(id text, action text, evaluation_us int, received_at timestamptz)`);
    });
    await between();
  }

  const after = (p: Planned, maxMs: number) => ({
    id: p.id,
    at: new Date(p.receivedMs + Math.floor(random() * maxMs) + 1).toISOString(),
  });
  const finish = async (fate: Planned["fate"], maxMs: number, to: string) => {
    const rows = planned.filter((p) => p.fate === fate).map((p) => after(p, maxMs));
    await db.execute(sql`
      update messages m set status = ${to}, final_at = x.at, updated_at = x.at
        from jsonb_to_recordset(${statement(rows)}) as x(id text, at timestamptz) where m.id = x.id`);
  };
  await finish("commit", 90_000, "committed");
  await between();
  await finish("reject", 5_000, "rejected");

  const approvals = planned.filter((p) => p.fate === "moderator-approve").map((p) => after(p, 55_000));
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      update messages m set status = 'committing', updated_at = x.at
        from jsonb_to_recordset(${statement(approvals)}) as x(id text, at timestamptz) where m.id = x.id`);
    await tx.execute(sql`
      insert into decisions (message_id, action, source, actor, created_at)
      select x.id, 'approve', 'moderator', 'dana', x.at from jsonb_to_recordset(${statement(approvals)}) as x(id text, at timestamptz)`);
  });
  await between();
  const expiries = planned
    .filter((p) => p.fate === "expire")
    .map((p) => ({ id: p.id, at: new Date(p.receivedMs + 60_000).toISOString() }));
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      update messages m set status = 'expired', final_at = x.at, updated_at = x.at
        from jsonb_to_recordset(${statement(expiries)}) as x(id text, at timestamptz) where m.id = x.id`);
    await tx.execute(sql`
      insert into decisions (message_id, action, source, actor, created_at)
      select x.id, 'expire', 'system', 'deadline', x.at from jsonb_to_recordset(${statement(expiries)}) as x(id text, at timestamptz)`);
  });
}
