// "hostile" section, second part: the pathological messages of hostile-texts.ts sent as signed
// hooks to a running Gatehouse (its own process, on a scratch Postgres database, with the built-in
// rules and with the built-in rules plus a link and a pattern rule), while a process of its own
// (health-prober.ts) asks GET /healthz every few milliseconds. For each message it prints how long
// the hook took to be answered and the slowest /healthz answer that overlapped it, next to
// /healthz on the same service at rest and a typical message's hook (the baselines, measured in
// the same run). A message that held the event loop would hold every /healthz behind it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { builtInRulesYaml } from "../../src/rules/index.ts";
import { freePort } from "../support/process.ts";
import { hookHeaders, pendingMessagePayload } from "../support/sign.ts";
import { HealthProber, HOOK_PATH, serviceEnv, startServer, waitReady } from "./bench-processes.ts";
import { type CommitSink, startCommitSink } from "./commit-sink.ts";
import { type HealthProbe, PROBE_GAP_MS } from "./health-prober.ts";
import { extendedRulesYaml, hostileMessages } from "./hostile-texts.ts";
import { printTable, verdict } from "./rules-bench-support.ts";
import { withScratchDatabase } from "./scratch-database.ts";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TARGET_MS = 50;
/** Hooks per hostile message (each with a new id): the slowest /healthz of all counts. */
const REPEATS = 3;
const TYPICAL_HOOKS = 30;
const IDLE_MS = 1000;

/** The machine's clock, as the prober (health-prober.ts) reads it. */
const clock = () => performance.timeOrigin + performance.now();

/** The slowest /healthz answer that overlapped [from, to]. */
function slowestDuring(probes: readonly HealthProbe[], from: number, to: number): number {
  let slowest = 0;
  for (const probe of probes)
    if (probe.startedAt <= to && probe.endedAt >= from)
      slowest = Math.max(slowest, probe.endedAt - probe.startedAt);
  return slowest;
}

interface HookAnswer {
  status: number;
  ms: number;
  sentAt: number;
  answeredAt: number;
}

async function sendHook(url: string, fake: CommitSink, text: string): Promise<HookAnswer> {
  const request = hookHeaders({
    apiKey: fake.apiKey,
    secret: fake.apiSecret,
    body: pendingMessagePayload({ message: { text } }),
  });
  const sentAt = clock();
  const answer = await fetch(`${url}${HOOK_PATH}/PassOnPendingMessage`, {
    method: "POST",
    headers: request.headers,
    body: request.body,
  });
  await answer.arrayBuffer();
  const answeredAt = clock();
  return { status: answer.status, ms: answeredAt - sentAt, sentAt, answeredAt };
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

interface MessageResult {
  name: string;
  hookMs: number;
  statuses: string;
  slowestHealthMs: number;
}

interface ConfigurationResult {
  name: string;
  idleHealthMedianMs: number;
  idleHealthMaxMs: number;
  typicalHookMs: number;
  messages: MessageResult[];
}

async function measure(url: string, fake: CommitSink, name: string): Promise<ConfigurationResult> {
  const prober = new HealthProber();
  try {
    // Warm up the connections and the hook path before anything counts.
    for (let i = 0; i < 10; i++) await sendHook(url, fake, "hello there, anyone around?");
    await prober.start(url);
    const idleFrom = clock();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const idleTo = clock();
    const typical: number[] = [];
    for (let i = 0; i < TYPICAL_HOOKS; i++)
      typical.push((await sendHook(url, fake, `hello there, message ${i} of the typical kind`)).ms);
    const answersByMessage: Array<{ name: string; answers: HookAnswer[] }> = [];
    for (const message of hostileMessages()) {
      const answers: HookAnswer[] = [];
      for (let r = 0; r < REPEATS; r++) answers.push(await sendHook(url, fake, message.text));
      answersByMessage.push({ name: message.name, answers });
    }
    // A /healthz already on its way when the last hook was answered still counts.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const probes = await prober.stop();
    const idle = probes
      .filter((p) => p.startedAt >= idleFrom && p.endedAt <= idleTo)
      .map((p) => p.endedAt - p.startedAt);
    return {
      name,
      idleHealthMedianMs: median(idle),
      idleHealthMaxMs: Math.max(...idle),
      typicalHookMs: median(typical),
      messages: answersByMessage.map(({ name, answers }) => ({
        name,
        hookMs: median(answers.map((a) => a.ms)),
        statuses: [...new Set(answers.map((a) => a.status))].join(","),
        slowestHealthMs: Math.max(...answers.map((a) => slowestDuring(probes, a.sentAt, a.answeredAt))),
      })),
    };
  } finally {
    prober.close();
  }
}

async function postgresReachable(): Promise<string | null> {
  const admin = postgres(ADMIN_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin`select 1`;
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await admin.end({ timeout: 1 });
  }
}

export async function runHostileService(): Promise<void> {
  const unreachable = await postgresReachable();
  if (unreachable !== null) {
    console.log(
      `\nhooks to a running service: not measured, no Postgres at BENCH_DATABASE_URL or 127.0.0.1:5432 (${unreachable})`,
    );
    return;
  }
  const fake = await startCommitSink();
  const rulesDir = mkdtempSync(join(tmpdir(), "gatehouse-hostile-"));
  const configurations = [
    { name: "built-in", yaml: builtInRulesYaml() },
    { name: "built-in + link + pattern", yaml: extendedRulesYaml() },
  ];
  const results: ConfigurationResult[] = [];
  try {
    for (const configuration of configurations) {
      const rulesFile = join(rulesDir, `${results.length}.yaml`);
      writeFileSync(rulesFile, configuration.yaml);
      results.push(
        await withScratchDatabase(ADMIN_URL, async (databaseUrl) => {
          const port = await freePort();
          const server = startServer(
            "src/main.ts",
            {
              ...serviceEnv(port, fake),
              DATABASE_URL: databaseUrl,
              RULES_FILE: rulesFile,
            },
            process.env.SVC_FLAGS ? process.env.SVC_FLAGS.split(" ") : [],
          );
          if (process.env.SVC_OUT)
            server.child.stdout?.pipe(
              (await import("node:fs")).createWriteStream(`${process.env.SVC_OUT}-${results.length}.log`),
            );
          try {
            await waitReady(server);
            return await measure(server.url, fake, configuration.name);
          } finally {
            await server.stop();
            if (process.env.SVC_LOG)
              console.log(
                server
                  .output()
                  .split("\n")
                  .filter((l) => l.startsWith("EVAL"))
                  .join("\n"),
              );
          }
        }),
      );
    }
  } finally {
    rmSync(rulesDir, { recursive: true, force: true });
    await fake.close();
  }
  report(results);
}

function report(results: readonly ConfigurationResult[]): void {
  console.log(
    `\nhooks to a running service (Postgres; ${REPEATS} hooks a message, each a new message id; GET /healthz asked every ${PROBE_GAP_MS} ms meanwhile); ms`,
  );
  for (const r of results) {
    console.log(
      `${r.name}: /healthz at rest ${r.idleHealthMedianMs.toFixed(2)} median, ${r.idleHealthMaxMs.toFixed(2)} max; typical message's hook answered in ${r.typicalHookMs.toFixed(2)}`,
    );
  }
  console.log();
  const [first] = results;
  printTable(
    [
      "message",
      ...results.flatMap((r) => [`${r.name}: hook answered`, "status", "slowest /healthz", "x at rest"]),
    ],
    (first?.messages ?? []).map((m, i) => [
      m.name,
      ...results.flatMap((r) => {
        const row = r.messages[i] as MessageResult;
        return [
          row.hookMs.toFixed(2),
          row.statuses,
          row.slowestHealthMs.toFixed(2),
          `${(row.slowestHealthMs / r.idleHealthMedianMs).toFixed(1)}x`,
        ];
      }),
    ]),
  );
  console.log("\ntargets");
  for (const r of results) {
    const worst = [...r.messages].sort((a, b) => b.slowestHealthMs - a.slowestHealthMs)[0] as MessageResult;
    const answered = r.messages.every((m) => m.statuses === "200");
    console.log(
      `  ${r.name}: every hostile hook answered 200 while /healthz stays under ${TARGET_MS} ms: slowest /healthz ${worst.slowestHealthMs.toFixed(2)} ms (${worst.name}; ${(worst.slowestHealthMs / r.idleHealthMedianMs).toFixed(1)}x at rest), hooks ${answered ? "all 200" : "NOT all 200"}: ${verdict(answered && worst.slowestHealthMs < TARGET_MS)}`,
    );
  }
}
