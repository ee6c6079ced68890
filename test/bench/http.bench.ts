import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { freePort, projectRoot } from "../support/process.ts";
import { HOOK_PATH, LoadGenerator, serviceEnv, startServer, waitReady } from "./bench-processes.ts";
import { type CommitSink, startCommitSink } from "./commit-sink.ts";
import { type CpuSnapshot, cpuSnapshot, cpuSpent } from "./cpu-usage.ts";
import { footprintReport } from "./footprint.ts";
import type { LoadRequest, LoadResult, SentHook } from "./load-generator.ts";
import { type Percentiles, percentiles } from "./percentiles.ts";
import { withScratchDatabase } from "./scratch-database.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARM_UP_SECONDS = 3;
const PROBE_SECONDS = 2;
const THROUGHPUT_CONNECTIONS = 64;
const TARGETS = new Set(
  (process.env.BENCH_TARGETS ?? "footprint,ceiling,postgres,pglite,pglite-nofsync").split(","),
);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF;
const PASSED_THROUGH = /^(DATABASE_POOL_SIZE|DISPATCH_[A-Z_]+|RECEIPT_[A-Z_]+)$/;
const DRAIN_TIMEOUT_MS = 60_000;

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

// ---------------------------------------------------------------------------------------------
// Processes

// ---------------------------------------------------------------------------------------------
// Measurements

interface TargetResult {
  name: string;
  throughput: LoadResult;
  /** Commit calls that reached the benchmark's Stream per second during the throughput phase. */
  commitsPerSecond?: number;
  /** How long the commits still owed after the throughput phase took to reach Stream. */
  backlogSeconds?: number;
  /** CPU seconds spent during the throughput phase, by process. */
  cpu?: CpuSnapshot;
  halfLoad?: LoadResult;
  /** Rates the closed loop reached per connection count, while looking for half load. */
  probes?: string;
  /** Hook sent -> commit request arrived at the benchmark's Stream, in the half-load phase. */
  receiptToCommit?: Percentiles;
  /** The same at 64 connections (saturated: includes queueing in front of the service). */
  receiptToCommitSaturated?: Percentiles;
  check?: CommitCheck;
  /** Lines the service logged (warnings and errors), and the last few of them. */
  logLines?: number;
  logTail?: string;
}

interface CommitCheck {
  acked: number;
  committed: number;
  /** Acknowledged `committing` but no commit reached Stream. */
  missing: number;
  /** More than one commit call for one message. */
  repeated: number;
  /** A commit for a message no hook was acknowledged for (answered non-2xx or not at all). */
  unacknowledgedCommitted: number;
}

/** First commit call per message id, and how many commit calls each got. */
function commitLedger(fake: CommitSink): Map<string, { firstAt: number; calls: number; applied: number }> {
  const byId = new Map<string, { firstAt: number; calls: number; applied: number }>();
  for (const call of fake.ledger) {
    if (call.operation !== "commit" || !call.messageId) continue;
    const seen = byId.get(call.messageId) ?? { firstAt: call.at, calls: 0, applied: 0 };
    seen.calls++;
    if (call.applied) seen.applied++;
    byId.set(call.messageId, seen);
  }
  return byId;
}

async function waitForCommits(fake: CommitSink, hooks: SentHook[]): Promise<void> {
  const expected = hooks.filter((hook) => hook.ackStatus === "committing").map((hook) => hook.id);
  const until = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < until) {
    const ledger = commitLedger(fake);
    if (expected.every((id) => ledger.has(id))) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function checkCommits(fake: CommitSink, hooks: SentHook[], label: string): CommitCheck {
  const ledger = commitLedger(fake);
  const ours = [...ledger].filter(([id]) => id.startsWith(`bench-${label}-`));
  const acked = hooks.filter((hook) => hook.ackStatus === "committing");
  const ackedIds = new Set(acked.map((hook) => hook.id));
  return {
    acked: acked.length,
    committed: ours.filter(([, seen]) => seen.applied === 1).length,
    missing: acked.filter((hook) => ledger.get(hook.id)?.applied !== 1).length,
    repeated: ours.filter(([, seen]) => seen.calls > 1 || seen.applied > 1).length,
    unacknowledgedCommitted: ours.filter(([id]) => !ackedIds.has(id)).length,
  };
}

function commitsBetween(fake: CommitSink, from: number, to: number): number {
  return fake.ledger.filter((call) => call.operation === "commit" && call.at >= from && call.at < to).length;
}

function receiptToCommit(fake: CommitSink, hooks: SentHook[]): Percentiles {
  const ledger = commitLedger(fake);
  const delays: number[] = [];
  for (const hook of hooks) {
    const commit = ledger.get(hook.id);
    if (hook.ackStatus === "committing" && commit) delays.push(commit.firstAt - hook.sentAt);
  }
  return percentiles(delays);
}

function loadRequest(url: string, fake: CommitSink, overrides: Partial<LoadRequest>): LoadRequest {
  return {
    url,
    path: `${HOOK_PATH}/PassOnPendingMessage`,
    apiKey: fake.apiKey,
    secret: fake.apiSecret,
    connections: THROUGHPUT_CONNECTIONS,
    durationSec: SECONDS,
    label: "run",
    unique: true,
    presign: 20_000,
    ...overrides,
  };
}

/**
 * A closed loop settles at the rate its connection count allows, so half load is found by
 * choosing the connection count: short probes doubling it until the rate passes the target, then
 * two bisection steps between the last two counts. The count whose rate came closest wins.
 */
async function connectionsForRate(
  load: LoadGenerator,
  request: (connections: number) => LoadRequest,
  targetRps: number,
  sent: SentHook[],
): Promise<{ connections: number; probes: string }> {
  const rates = new Map<number, number>();
  const probe = async (connections: number) => {
    const result = await load.run({ ...request(connections), durationSec: PROBE_SECONDS });
    sent.push(...result.hooks);
    rates.set(connections, result.rps);
    return result.rps;
  };
  let high = 1;
  while ((await probe(high)) < targetRps && high < THROUGHPUT_CONNECTIONS) high *= 2;
  let low = Math.max(1, high / 2);
  for (let step = 0; step < 2 && high - low > 1; step++) {
    const middle = Math.round((low + high) / 2);
    if ((await probe(middle)) < targetRps) low = middle;
    else high = middle;
  }
  const miss = (c: number) => Math.abs((rates.get(c) ?? 0) - targetRps);
  const best = [...rates.keys()].reduce((chosen, c) => (miss(c) < miss(chosen) ? c : chosen));
  return { connections: best, probes: [...rates].map(([c, rps]) => `${c}: ${rps.toFixed(0)}/s`).join(", ") };
}

async function benchGatehouse(
  name: string,
  label: string,
  load: LoadGenerator,
  fake: CommitSink,
  storage: Record<string, string>,
): Promise<TargetResult> {
  const port = await freePort();
  const passed = Object.fromEntries(
    Object.entries(process.env).filter(([key, value]) => PASSED_THROUGH.test(key) && value !== undefined),
  ) as Record<string, string>;
  const profileFlags = CPU_PROFILE_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${join(CPU_PROFILE_DIR, label)}`]
    : [];
  const server = startServer(
    "src/main.ts",
    { ...passed, ...storage, ...serviceEnv(port, fake) },
    profileFlags,
  );
  try {
    await waitReady(server);
    const request = (overrides: Partial<LoadRequest>) =>
      loadRequest(server.url, fake, { label, ...overrides });
    const sent: SentHook[] = [];
    const warmUp = await load.run(request({ durationSec: WARM_UP_SECONDS }));
    sent.push(...warmUp.hooks);
    // Each phase starts with no dispatch backlog left by the one before.
    await waitForCommits(fake, sent);
    const presign = Math.ceil(Math.max(warmUp.rps, 100) * SECONDS * 1.5);
    const before = cpuSnapshot(server.child.pid, load.pid);
    const phaseStart = Date.now();
    const throughput = await load.run(request({ presign }));
    const phaseEnd = Date.now();
    const cpu = cpuSpent(before, cpuSnapshot(server.child.pid, load.pid));
    sent.push(...throughput.hooks);
    const commitsPerSecond = (commitsBetween(fake, phaseStart, phaseEnd) * 1000) / (phaseEnd - phaseStart);
    await waitForCommits(fake, sent);
    const backlogSeconds = (Date.now() - phaseEnd) / 1000;
    const { connections, probes } = await connectionsForRate(
      load,
      (c) => request({ connections: c, presign }),
      throughput.rps / 2,
      sent,
    );
    await waitForCommits(fake, sent);
    const halfLoad = await load.run(request({ connections, presign }));
    sent.push(...halfLoad.hooks);
    await waitForCommits(fake, sent);
    return {
      name,
      throughput,
      cpu,
      commitsPerSecond,
      backlogSeconds,
      halfLoad,
      probes,
      receiptToCommit: receiptToCommit(fake, halfLoad.hooks),
      receiptToCommitSaturated: receiptToCommit(fake, throughput.hooks),
      check: checkCommits(fake, sent, label),
      logLines: server.lines(),
      logTail: server.output().split("\n").slice(-4).join("\n"),
    };
  } finally {
    await server.stop();
  }
}

async function benchCeiling(load: LoadGenerator, fake: CommitSink): Promise<TargetResult> {
  const port = await freePort();
  const server = startServer(here("./bare-hono.ts"), { PORT: String(port), HOOK_PATH });
  try {
    await waitReady(server);
    const request = loadRequest(server.url, fake, { label: "ceiling", unique: false });
    await load.run({ ...request, durationSec: WARM_UP_SECONDS });
    const before = cpuSnapshot(server.child.pid, load.pid);
    const throughput = await load.run(request);
    const cpu = cpuSpent(before, cpuSnapshot(server.child.pid, load.pid));
    return { name: "bare Hono (ceiling)", throughput, cpu };
  } finally {
    await server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

async function machine(): Promise<string[]> {
  const cores = cpus();
  let pg = "not reachable";
  try {
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    const [row] = await admin`show server_version`;
    pg = String(row?.server_version);
    await admin.end();
  } catch {
    // reported as not reachable
  }
  const pglite = JSON.parse(
    readFileSync(join(projectRoot, "node_modules/@electric-sql/pglite/package.json"), "utf8"),
  ) as { version: string };
  return [
    `cpu:      ${cores[0]?.model ?? "unknown"} x ${cores.length}`,
    `memory:   ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `node:     ${process.version}`,
    `postgres: ${pg} (fsync and synchronous_commit as configured on the server)`,
    `pglite:   ${pglite.version}`,
    `phases:   ${SECONDS} s each, ${THROUGHPUT_CONNECTIONS} connections for throughput`,
    `load:     ${loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")} (1/5/15 min load average before the run: other work on the machine skews the figures)`,
  ];
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : "-");
const dist = (p: Percentiles | undefined) =>
  p ? `${ms(p.p50)} / ${ms(p.p90)} / ${ms(p.p99)} / ${ms(p.max)}` : "-";

function report(results: TargetResult[]): string[] {
  const ceiling = results.find((r) => r.name.startsWith("bare Hono"))?.throughput.rps;
  const lines: string[] = [];
  for (const r of results) {
    const t = r.throughput;
    const ratio = ceiling ? ` (${(t.rps / ceiling).toFixed(2)}x ceiling)` : "";
    const failures = Object.entries(t.statuses)
      .filter(([status]) => !status.startsWith("2"))
      .map(([status, n]) => `${n}x${status}`);
    lines.push(`${r.name}`);
    lines.push(
      `  64 connections:  ${t.rps.toFixed(0)} hooks/s${ratio}; ack p50 ${ms(t.ackLatencyMs.p50)} ms, p99 ${ms(t.ackLatencyMs.p99)} ms` +
        (failures.length || t.errors || t.timeouts
          ? `; non-2xx ${failures.join(" ") || 0}, errors ${t.errors}, timeouts ${t.timeouts}`
          : ""),
    );
    if (r.commitsPerSecond !== undefined) {
      lines.push(
        `  commits at Stream during that phase: ${r.commitsPerSecond.toFixed(0)}/s; the rest owed were committed within ${r.backlogSeconds?.toFixed(1)} s after it`,
      );
    }
    if (r.cpu && t.acked > 0) {
      const perHook = (seconds: number) => ((seconds * 1e6) / t.acked).toFixed(0);
      lines.push(
        `  CPU per hook at 64 connections (us): service ${perHook(r.cpu.service)}, postgres ${perHook(r.cpu.postgres)}, load generator ${perHook(r.cpu.loader)}, Stream stand-in (bench process) ${perHook(r.cpu.benchProcess)}; machine ${((100 * r.cpu.machine) / (t.elapsedSec * cpus().length)).toFixed(0)}% busy`,
      );
    }
    if (r.halfLoad) {
      const h = r.halfLoad;
      lines.push(
        `  half load:       ${h.rps.toFixed(0)} hooks/s (${h.connections} connections, ${((2 * h.rps) / t.rps).toFixed(2)}x of half); ack p50 ${ms(h.ackLatencyMs.p50)} ms, p99 ${ms(h.ackLatencyMs.p99)} ms`,
      );
    }
    if (r.probes) lines.push(`  probes (connections: hooks/s): ${r.probes}`);
    if (r.receiptToCommit) {
      lines.push(`  sent -> commit at Stream, half load (p50/p90/p99/max ms): ${dist(r.receiptToCommit)}`);
      lines.push(
        `  sent -> commit at Stream, 64 conns  (p50/p90/p99/max ms): ${dist(r.receiptToCommitSaturated)}`,
      );
    }
    const unsynced = results.find((other) => other.name.endsWith("EMBEDDED_FSYNC=off"));
    if (unsynced && r.name === "Gatehouse on PGlite") {
      const u = unsynced.throughput;
      lines.push(
        `  cost of the WAL fsync: ${(t.rps / u.rps).toFixed(2)}x the hooks/s of EMBEDDED_FSYNC=off; ack p50 ${(t.ackLatencyMs.p50 / u.ackLatencyMs.p50).toFixed(2)}x, p99 ${(t.ackLatencyMs.p99 / u.ackLatencyMs.p99).toFixed(2)}x`,
      );
    }
    if (r.check) {
      const c = r.check;
      const ok = c.missing === 0 && c.repeated === 0 ? "OK" : "FAILED";
      lines.push(
        `  exactly once:    ${ok}: ${c.acked} acknowledged for commit, ${c.committed} committed, ${c.missing} missing, ${c.repeated} with repeated commit calls, ${c.unacknowledgedCommitted} committed without an acknowledgement (in flight when a phase ended)`,
      );
    }
    if (r.logLines) lines.push(`  service logged ${r.logLines} warning/error lines; the last:\n${r.logTail}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  console.log((await machine()).join("\n"));
  // First, while nothing else of the bench's runs: start-up time and memory.
  const footprint = TARGETS.has("footprint") ? await footprintReport() : [];
  const fake = await startCommitSink();
  const load = new LoadGenerator();
  const results: TargetResult[] = [];
  try {
    if (TARGETS.has("ceiling")) results.push(await benchCeiling(load, fake));
    if (TARGETS.has("postgres")) {
      results.push(
        await withScratchDatabase(ADMIN_URL, (url) =>
          benchGatehouse("Gatehouse on Postgres", "pg", load, fake, { DATABASE_URL: url }),
        ),
      );
    }
    // The embedded database twice: as shipped (each receipt batch's WAL fsynced before the
    // answer), and with EMBEDDED_FSYNC=off, the baseline that shows what the fsync costs.
    for (const [target, name, fsync] of [
      ["pglite", "Gatehouse on PGlite", "on"],
      ["pglite-nofsync", "Gatehouse on PGlite, EMBEDDED_FSYNC=off", "off"],
    ] as const) {
      if (!TARGETS.has(target)) continue;
      const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-bench-"));
      try {
        results.push(
          await benchGatehouse(name, target, load, fake, { DATA_DIR: dataDir, EMBEDDED_FSYNC: fsync }),
        );
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    load.close();
    await fake.close();
  }
  console.log(`\n${[...footprint, "", ...report(results)].join("\n")}`);
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  const lost = results.some((r) => r.check && (r.check.missing > 0 || r.check.repeated > 0));
  process.exitCode = lost ? 1 : 0;
}

await main();
