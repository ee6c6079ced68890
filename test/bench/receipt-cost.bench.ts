// What one hook costs Postgres, statement by statement: the receipt (message, decision, outbox row
// claimed for the immediate commit, first attempt, delivery) and the settlement after the commit,
// at the batch sizes group commit produces, against the cheapest possible round trip (`select 1`)
// measured in the same run. Run with `npm run bench:receipts`.
//
// Printed per hook: wall time, the client's CPU (this process: postgres.js and the JSON encoding)
// and the Postgres backend's CPU (from /proc), so the HTTP benchmark's "Postgres CPU per hook"
// can be traced to the statements that spend it. BENCH_DATABASE_URL names the server (a scratch
// database is created and dropped); BENCH_SECONDS the time per case (default 3);
// BENCH_STATS_TRIGGERS=off disables the statistics' triggers, to see what they cost.
import { cpus } from "node:os";
import { openPostgres, rawQuery } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { OutboxStore, type Settlement } from "../../src/dispatch/outbox-store.ts";
import { hookPayloadSchema } from "../../src/hooks/payload.ts";
import { insertNewReceipts, type ReceiptDraft, type ReceiptRequest } from "../../src/hooks/receipt-store.ts";
import { receivePendingMessage } from "../../src/hooks/receive.ts";
import { builtInRuleSet } from "../../src/rules/index.ts";
import { pendingMessagePayload } from "../support/sign.ts";
import { processCpuSeconds } from "./cpu-usage.ts";
import { withScratchDatabase } from "./scratch-database.ts";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const BATCH_SIZES = [1, 8, 64];
const OWNER = "bench";
const STATS_TRIGGERS = [
  "messages:stats_messages_insert",
  "messages:stats_messages_update",
  "decisions:stats_decisions_insert",
];

interface Cost {
  hooks: number;
  wallUs: number;
  clientUs: number;
  backendUs: number;
}

/** Runs `step` (which handles `perStep` hooks) for SECONDS; answers the cost per hook. */
async function measure(backendPid: number, perStep: number, step: () => Promise<void>): Promise<Cost> {
  for (let i = 0; i < 20; i++) await step();
  const backendBefore = processCpuSeconds(backendPid);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  let hooks = 0;
  while (performance.now() - started < SECONDS * 1000) {
    await step();
    hooks += perStep;
  }
  const wallMs = performance.now() - started;
  const client = process.cpuUsage(clientBefore);
  const backendS = processCpuSeconds(backendPid) - backendBefore;
  return {
    hooks,
    wallUs: (wallMs * 1000) / hooks,
    clientUs: (client.user + client.system) / hooks,
    backendUs: (backendS * 1e6) / hooks,
  };
}

/** Receipt drafts made by the real receive path, for the built-in rules and a realistic hook. */
async function draftsFor(count: number): Promise<ReceiptDraft[]> {
  const drafts: ReceiptDraft[] = [];
  const rules = builtInRuleSet();
  const capture = {
    submit: async (request: ReceiptRequest) => {
      const draft = request.decide(undefined);
      drafts.push(draft);
      return { isNew: true, status: draft.status, queued: false, claimed: false };
    },
  };
  for (let i = 0; i < count; i++) {
    await receivePendingMessage(
      { db: undefined as never, rules: () => rules, pendingTimeoutMs: 600_000, receipts: capture },
      hookPayloadSchema.parse(pendingMessagePayload()),
      { webhookId: `wh-${i}`, attempt: 1 },
    );
  }
  return drafts;
}

const format = (c: Cost) =>
  `${c.wallUs.toFixed(0).padStart(6)} us wall, ${c.clientUs.toFixed(0).padStart(5)} us client CPU, ${c.backendUs
    .toFixed(0)
    .padStart(5)} us backend CPU per hook`;

async function main(): Promise<void> {
  console.log(
    `cpu: ${cpus()[0]?.model ?? "unknown"} x ${cpus().length}; ${SECONDS} s per case; one connection`,
  );
  await withScratchDatabase(ADMIN_URL, async (url) => {
    const database = openPostgres({ url, poolSize: 1 });
    try {
      await migrateDatabase(database, url);
      const query = rawQuery(database.db);
      if (process.env.BENCH_STATS_TRIGGERS === "off") {
        for (const [table, trigger] of STATS_TRIGGERS.map((t) => t.split(":"))) {
          await query(`alter table ${table} disable trigger ${trigger}`, []);
        }
        console.log("statistics' triggers disabled");
      }
      const [{ pid }] = (await query<{ pid: number }>("select pg_backend_pid() as pid", [])) as [
        { pid: number },
      ];
      const store = new OutboxStore(database.db, OWNER, 60_000, true);

      const baseline = await measure(pid, 1, async () => {
        await query("select 1", []);
      });
      console.log(`\nbaseline: one 'select 1' round trip            ${format(baseline)}`);
      const baselineCpu = baseline.clientUs + baseline.backendUs;

      for (const size of BATCH_SIZES) {
        const receipt = await measure(pid, size, async () => {
          const drafts = await draftsFor(size);
          const ids = new Set(drafts.map((d) => d.messageId));
          await insertNewReceipts(query, drafts, { terms: { owner: OWNER, leaseMs: 60_000 }, ids });
        });
        // Close what the receipt phase left pending: in service only calls in flight are
        // pending, and the settlement's outbox lookup should not wade through thousands.
        await query("update outbox set state = 'done', lease_owner = null where state = 'pending'", []);
        // The settlement needs claimed rows: make a batch, then time only its settlement.
        let settleWall = 0;
        let settleClient = 0;
        let settleBackend = 0;
        let settled = 0;
        const until = performance.now() + SECONDS * 1000;
        while (performance.now() < until) {
          const drafts = await draftsFor(size);
          const ids = new Set(drafts.map((d) => d.messageId));
          const created = await insertNewReceipts(query, drafts, {
            terms: { owner: OWNER, leaseMs: 60_000 },
            ids,
          });
          const settlements: Settlement[] = [...created].map(([messageId, attemptId]) => ({
            attempt: { id: attemptId!, outcome: "ok", httpStatus: 201, error: null },
            messageId,
            from: "committing",
            to: "committed",
            reason: null,
            state: "done",
          }));
          const b0 = processCpuSeconds(pid);
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await store.settleMany(settlements);
          settleWall += performance.now() - t0;
          const c = process.cpuUsage(c0);
          settleClient += c.user + c.system;
          settleBackend += processCpuSeconds(pid) - b0;
          settled += size;
        }
        const settle: Cost = {
          hooks: settled,
          wallUs: (settleWall * 1000) / settled,
          clientUs: settleClient / settled,
          backendUs: (settleBackend * 1e6) / settled,
        };
        const perHook = receipt.clientUs + receipt.backendUs + settle.clientUs + settle.backendUs;
        console.log(`\nbatches of ${size}`);
        console.log(`  receipt statement                            ${format(receipt)}`);
        console.log(`  settlement statement                         ${format(settle)}`);
        console.log(
          `  both, CPU per hook: ${perHook.toFixed(0)} us = ${(perHook / baselineCpu).toFixed(1)}x a 'select 1' round trip`,
        );
      }
    } finally {
      await database.close();
    }
  });
  console.log(
    "\nThe receipt timing includes drafting the hooks in this process (the rules, as on the hook path);" +
      "\nthe settlement's CPU is sampled around its statements only, so /proc's 10 ms ticks make it coarse at small batches.",
  );
}

await main();
