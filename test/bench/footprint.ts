// Start-up and memory: how long the service takes from `node` to a ready /readyz, and its
// resident memory once it has handled one message, per database, rules and way of running.
// Baselines measured in the same run: a bare Hono server (the floor of any Node HTTP service)
// and the embedded database opened on its own, with Postgres's default settings and with the
// service's. Part of `npm run bench`; alone with `npm run bench:startup`.
//
// Environment: BENCH_DATABASE_URL (a server where a scratch database may be created and
// dropped; default postgres://postgres@127.0.0.1:5432/postgres), BENCH_STARTUP_RUNS (starts per
// case; the median is printed, default 3).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  freePort,
  projectRoot,
  type ServiceProcess,
  sandboxCredentialsIn,
  sendSandboxHook,
  startServiceProcess,
} from "../support/process.ts";
import { pendingMessagePayload } from "../support/sign.ts";
import { withScratchDatabase } from "./scratch-database.ts";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Rules with no built-in text data: what the service costs without the term catalogue. */
const PLAIN_RULES = `rules:
  - id: shouting
    action: review
    when:
      caps_ratio_over: 0.9
  - id: blocked-networks
    action: reject
    when:
      ip_in: [192.0.2.0/24]
`;

interface Run {
  readyMs: number;
  /** Resident memory after one message was committed. */
  rssMb: number;
}

function rssMb(pid: number): number {
  const kb = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1];
  return Number(kb) / 1024;
}

async function until<T>(
  what: string,
  service: ServiceProcess,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline && service.child.exitCode === null) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${what}: gave up (exit code ${service.child.exitCode})\n${service.output().slice(-4000)}`);
}

/** Starts `node <args>`, times it to ready, sends one hook, waits for its commit, reads RSS. */
async function startOnce(nodeArgs: string[], env: Record<string, string>, hook: boolean): Promise<Run> {
  const port = await freePort();
  const started = performance.now();
  const service = startServiceProcess(env, port, nodeArgs);
  try {
    await until("ready", service, async () => ((await fetch(`${service.url}/readyz`)).ok ? true : undefined));
    const readyMs = performance.now() - started;
    if (hook) {
      const credentials = sandboxCredentialsIn(env.DATA_DIR!);
      const payload = pendingMessagePayload({ message: { text: "hello, how is everyone today?" } });
      const answer = await sendSandboxHook(service.url, credentials, payload);
      if (answer.status !== 200) throw new Error(`hook answered ${answer.status}: ${await answer.text()}`);
      await until("commit", service, async () => {
        const record = (await fetch(`${service.url}/api/messages/${payload.message.id}`, {
          headers: { Authorization: `Bearer ${credentials.adminToken}` },
        }).then((r) => r.json())) as { status: string };
        return record.status === "committed" ? true : undefined;
      });
    }
    return { readyMs, rssMb: rssMb(service.child.pid!) };
  } finally {
    service.child.kill("SIGTERM");
    await service.exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Case {
  name: string;
  runs: Run[];
}

async function measureCase(
  name: string,
  nodeArgs: string[],
  env: () => Record<string, string>,
  options: { hook?: boolean; freshDataDir?: boolean } = {},
): Promise<Case> {
  const runs: Run[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-footprint-"));
  try {
    for (let i = 0; i < RUNS; i++) {
      const dir = options.freshDataDir ? mkdtempSync(join(tmpdir(), "gatehouse-footprint-")) : dataDir;
      // A restart case starts on a directory that an earlier run already initialized.
      if (!options.freshDataDir && i === 0) await startOnce(nodeArgs, { ...env(), DATA_DIR: dir }, false);
      runs.push(await startOnce(nodeArgs, { ...env(), DATA_DIR: dir }, options.hook ?? true));
      if (dir !== dataDir) rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { name, runs };
}

function databaseFloor(mode: "postgres-defaults" | "gatehouse", fresh: boolean): number {
  const dataDir = mkdtempSync(join(tmpdir(), "gatehouse-floor-"));
  try {
    const run = () =>
      JSON.parse(
        execFileSync(process.execPath, ["--import", "tsx", here("./pglite-floor.ts"), mode, dataDir], {
          cwd: projectRoot,
          encoding: "utf8",
        }),
      ) as { rssMb: number };
    if (!fresh) run();
    return run().rssMb;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function footprintReport(): Promise<string[]> {
  const buildDir = `.build-bench-${process.pid}`;
  execFileSync(process.execPath, ["scripts/build.mjs", buildDir], { cwd: projectRoot, stdio: "inherit" });
  const rulesDir = mkdtempSync(join(tmpdir(), "gatehouse-footprint-rules-"));
  const plainRules = join(rulesDir, "rules.yaml");
  writeFileSync(plainRules, PLAIN_RULES);
  const built = [`${buildDir}/main.js`];
  const fromSource = ["--import", "tsx", "src/main.ts"];
  const cases: Case[] = [];
  try {
    cases.push(
      await measureCase(
        "bare Hono server (floor)",
        [here("./bare-hono.ts")].flatMap((f) => ["--import", "tsx", f]),
        () => ({}),
        { hook: false },
      ),
    );
    cases.push(
      await measureCase("PGlite, first start, built-in rules", built, () => ({}), { freshDataDir: true }),
    );
    cases.push(await measureCase("PGlite, restart, built-in rules", built, () => ({})));
    cases.push(
      await measureCase("PGlite, restart, rules file without text data", built, () => ({
        RULES_FILE: plainRules,
      })),
    );
    cases.push(await measureCase("PGlite, restart, built-in rules, npm start (tsx)", fromSource, () => ({})));
    await withScratchDatabase(ADMIN_URL, async (url) => {
      const postgresEnv = () => ({ DATABASE_URL: url, SANDBOX: "1" });
      cases.push(await measureCase("Postgres, built-in rules", built, postgresEnv));
      cases.push(
        await measureCase("Postgres, rules file without text data", built, () => ({
          ...postgresEnv(),
          RULES_FILE: plainRules,
        })),
      );
    });
  } finally {
    rmSync(join(projectRoot, buildDir), { recursive: true, force: true });
    rmSync(rulesDir, { recursive: true, force: true });
  }
  const floors = {
    defaultsFresh: databaseFloor("postgres-defaults", true),
    defaultsRestart: databaseFloor("postgres-defaults", false),
    oursFresh: databaseFloor("gatehouse", true),
    oursRestart: databaseFloor("gatehouse", false),
  };

  const floor = cases[0]!;
  const floorMs = median(floor.runs.map((r) => r.readyMs));
  const lines = [
    `Start-up and memory (node dist/main.js unless said; median of ${RUNS} starts; RSS after one committed message)`,
  ];
  for (const c of cases) {
    const readyMs = median(c.runs.map((r) => r.readyMs));
    const rss = median(c.runs.map((r) => r.rssMb));
    const ratio = c === floor ? "" : ` (${(readyMs / floorMs).toFixed(1)}x the floor)`;
    lines.push(
      `  ${c.name.padEnd(52)} ready in ${(readyMs / 1000).toFixed(2)} s${ratio}; RSS ${rss.toFixed(0)} MB` +
        (c.runs.length > 1
          ? `  [ready: ${c.runs.map((r) => (r.readyMs / 1000).toFixed(2)).join(", ")} s]`
          : ""),
    );
  }
  lines.push(
    "  the embedded database alone (RSS after one query):",
    `    Postgres's default settings: first start ${floors.defaultsFresh.toFixed(0)} MB, restart ${floors.defaultsRestart.toFixed(0)} MB`,
    `    Gatehouse's settings:        first start ${floors.oursFresh.toFixed(0)} MB, restart ${floors.oursRestart.toFixed(0)} MB` +
      ` (${(floors.oursFresh / floors.defaultsFresh).toFixed(2)}x and ${(floors.oursRestart / floors.defaultsRestart).toFixed(2)}x)`,
  );
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log((await footprintReport()).join("\n"));
}
