// Backtest benchmark: `npm run bench:backtest [-- --messages=N] [--reseed] [--seconds=S] [--rate=R]`.
//
// Seeds a Postgres database with N stored messages (default 1,000,000) over the last week: chat
// lines of common words, some carrying a listed term, the rustrict and ldnoobw lists, sentences in
// ten languages; each with the decision the built-in rules make of it, and a moderator's decision
// on most held ones. Then, against Gatehouse running as its own process on that database:
//
// 1. replay rate: the built-in rules, modified (swearing rejected instead of held, a rate rule and
//    a term rule added), backtested over the whole week with no other load: messages replayed per
//    second, target >= 20,000 on this machine;
// 2. the hooks' cost of a backtest: signed hooks at a steady rate (--rate, default 200/s) in
//    phases of --seconds (default 10) taking turns without and with a backtest running, --rounds
//    (default 3) of each plus a last one without; the ack p99 of all hooks sent with a backtest
//    running against that of all sent without, target <= 1.20x.
//
// The seeded database (gatehouse_bench_backtest_<N> on BENCH_DATABASE_URL's server, default
// postgres://postgres@127.0.0.1:5432/postgres) is kept for the next run; --reseed seeds it again.
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { openPostgres } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { builtInRuleSet, builtInRulesYaml } from "../../src/rules/index.ts";
import { freePort } from "../support/process.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { LoadGenerator, startServer, waitReady } from "./bench-processes.ts";
import { startCommitSink } from "./commit-sink.ts";
import { chatLine, pick } from "./corpus.ts";
import { INNOCENT_SENTENCES, type LanguageCode, TEMPLATES } from "./language-samples.ts";
import type { LoadResult } from "./load-generator.ts";
import { readCases, requireDataDir, SHARED_DATA_DIR } from "./outside-lists.ts";
import { percentiles } from "./percentiles.ts";
import { keptDatabase } from "./scratch-database.ts";

const argument = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const MESSAGES = Number(argument("messages") ?? 1_000_000);
const SECONDS = Number(argument("seconds") ?? 10);
const ROUNDS = Number(argument("rounds") ?? 3);
const HOOK_RATE = Number(argument("rate") ?? 200);
const RESEED = process.argv.includes("--reseed");
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ADMIN_TOKEN = "bench-admin-token-0123456789";
const REPLAY_TARGET = 20_000;
const ACK_P99_TARGET = 1.2;
const CHUNK = 5000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

if (!Number.isInteger(MESSAGES) || MESSAGES < 10_000) {
  console.error("--messages must be a whole number of at least 10000, e.g. --messages=200000");
  process.exit(2);
}

/** The candidate: the built-in rules with swearing rejected, plus a burst rule and a term rule. */
function candidateRules(): string {
  const yaml = builtInRulesYaml();
  const swearing = yaml.indexOf("- id: swearing");
  const action = yaml.indexOf("action: review", swearing);
  if (swearing < 0 || action < 0)
    throw new Error("the built-in rules no longer have a swearing rule to modify");
  return `${yaml.slice(0, action)}action: reject${yaml.slice(action + "action: review".length).trimEnd()}
  - id: bursts
    action: review
    when:
      rate: { max: 5, per: 1m, by: user }
  - id: giveaways
    action: review
    when:
      text_has_any: [giveaway, airdrop, "free crypto"]
`;
}

// ---------------------------------------------------------------------------------------------
// Seeding

interface TextSources {
  terms: string[];
  outside: string[];
  languages: Array<{
    language: LanguageCode;
    templates: string[];
    terms: string[];
    innocent: readonly string[];
  }>;
}

function textSources(): TextSources {
  requireDataDir(SHARED_DATA_DIR, "the term lists");
  const lines = (file: string) => readCases(join(SHARED_DATA_DIR, file));
  const languages = (Object.keys(TEMPLATES) as LanguageCode[]).map((language) => ({
    language,
    templates: Object.values(TEMPLATES[language]).flat(),
    terms: lines(`ldnoobw/${language}.txt`),
    innocent: INNOCENT_SENTENCES[language],
  }));
  return {
    terms: lines("ldnoobw-en.txt"),
    outside: [
      ...lines("rustrict/test_positive.txt"),
      ...lines("rustrict/false_positives.txt"),
      ...lines("rustrict/test_negative.txt"),
      ...lines("rustrict/safe.txt"),
    ],
    languages,
  };
}

/** A message as people write it: mostly everyday chat, some of it abusive, in several languages. */
function messageText(random: () => number, sources: TextSources): string {
  const kind = random();
  if (kind < 0.6) return chatLine(random);
  if (kind < 0.72) return chatLine(random, pick(random, sources.terms));
  if (kind < 0.9) return pick(random, sources.outside);
  const language = pick(random, sources.languages);
  return random() < 0.5
    ? pick(random, language.innocent)
    : pick(random, language.templates).replace("{t}", pick(random, language.terms));
}

interface SeedRow {
  id: string;
  status: string;
  user_id: string;
  cid: string;
  text: string;
  payload: unknown;
  request_info: unknown;
  received_at: string;
  action: string;
  matches: unknown;
  ruleset_version: string;
  ip: string;
  moderator: string | null;
}

const SEED_MESSAGES = `
insert into messages (id, status, user_id, cid, text, payload, request_info, received_at, deadline_at,
                      updated_at, final_at)
select id, status, user_id, cid, text, payload, request_info, received_at, received_at + interval '3 days',
       received_at, received_at + interval '2 seconds'
  from jsonb_to_recordset($1::text::jsonb) as t(id text, status text, user_id text, cid text, text text,
       payload jsonb, request_info jsonb, received_at timestamptz)`;

const SEED_DECISIONS = `
insert into decisions (message_id, action, source, actor, matches, ruleset_version, user_id, cid, ip, created_at)
select id, action, 'rules', null, matches, ruleset_version, user_id, cid, ip::inet, received_at
  from jsonb_to_recordset($1::text::jsonb) as t(id text, action text, matches jsonb, ruleset_version text,
       user_id text, cid text, ip text, received_at timestamptz)
union all
select id, moderator, 'moderator', 'moderator:bench', '[]'::jsonb, null, user_id, cid, ip::inet,
       received_at + interval '1 minute'
  from jsonb_to_recordset($1::text::jsonb) as t(id text, moderator text, user_id text, cid text, ip text,
       received_at timestamptz)
 where moderator is not null`;

async function openSeeded(): Promise<{ url: string; since: Date; until: Date }> {
  const name = `gatehouse_bench_backtest_${MESSAGES}`;
  const url = new URL(await keptDatabase(ADMIN_URL, name, RESEED));
  const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await db`create table if not exists bench_seed (since timestamptz not null, until timestamptz not null)`;
    const [done] = await db<{ since: Date; until: Date }[]>`select since, until from bench_seed`;
    const database = openPostgres({ url: url.toString(), poolSize: 2 });
    await migrateDatabase(database, url.toString());
    await database.close();
    if (done) {
      console.log(`using ${name}, seeded earlier (--reseed to seed it again)`);
      return { url: url.toString(), ...done };
    }
    const until = new Date(Date.now() - 3_600_000);
    const since = new Date(until.getTime() - WEEK_MS);
    const random = seededRandom(20261130);
    const sources = textSources();
    const rules = builtInRuleSet();
    const started = Date.now();
    let held = 0;
    for (let from = 0; from < MESSAGES; from += CHUNK) {
      const rows: SeedRow[] = [];
      for (let n = from; n < Math.min(MESSAGES, from + CHUNK); n++) {
        const id = `bt-${n}`;
        const userId = `user-${Math.floor(random() ** 2 * 50_000)}`;
        const cid = `messaging:room-${Math.floor(random() * 500)}`;
        const ip = `10.${Math.floor(random() * 4)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
        const text = messageText(random, sources);
        const message = { id, text, type: "regular", user: { id: userId }, cid };
        const requestInfo = { ip, user_agent: "Mozilla/5.0", sdk: "stream-chat-js-v9" };
        const decision = rules.evaluate({ message, metadata: {}, requestInfo });
        const status =
          decision.action === "approve"
            ? "committed"
            : decision.action === "reject"
              ? "rejected"
              : "committed";
        const moderator =
          decision.action === "review" && random() < 0.9 ? (random() < 0.6 ? "approve" : "reject") : null;
        if (decision.action === "review") held++;
        rows.push({
          id,
          status: moderator === "reject" ? "rejected" : status,
          user_id: userId,
          cid,
          text,
          payload: message,
          request_info: requestInfo,
          received_at: new Date(since.getTime() + ((n + random()) / MESSAGES) * WEEK_MS).toISOString(),
          action: decision.action,
          matches: decision.matches,
          ruleset_version: decision.ruleset_version,
          ip,
          moderator,
        });
      }
      const json = JSON.stringify(rows);
      await db.begin(async (tx) => {
        await tx.unsafe(SEED_MESSAGES, [json]);
        await tx.unsafe(SEED_DECISIONS, [json]);
      });
      const to = Math.min(MESSAGES, from + CHUNK);
      if (to % 100_000 === 0 || to === MESSAGES)
        console.log(
          `seeded ${to.toLocaleString("en")} / ${MESSAGES.toLocaleString("en")} messages (${held.toLocaleString("en")} held; ${((Date.now() - started) / 1000).toFixed(0)} s)`,
        );
    }
    await db`vacuum analyze`;
    await db`insert into bench_seed values (${since}, ${until})`;
    console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return { url: url.toString(), since, until };
  } finally {
    await db.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Backtest {
  id: string;
  status: string;
  progress: { processed: number; total: number | null };
  error: string | null;
  result?: {
    timing?: { replay_ms: number; messages_per_second: number };
    changed: number;
    messages: { replayed: number };
  };
}

async function call<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as T;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function poll(base: string, id: string, until: (b: Backtest) => boolean): Promise<Backtest> {
  for (;;) {
    const backtest = await call<Backtest>(base, "GET", `/api/rules/backtest/${id}`);
    if (until(backtest)) return backtest;
    if (backtest.status === "failed") throw new Error(`backtest ${id} failed: ${backtest.error}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main() {
  const { url, since, until } = await openSeeded();
  const fake = await startCommitSink();
  const load = new LoadGenerator();
  const port = await freePort();
  const server = startServer("src/main.ts", {
    PORT: String(port),
    DATABASE_URL: url,
    STREAM_API_KEY: fake.apiKey,
    STREAM_API_SECRET: fake.apiSecret,
    STREAM_BASE_URL: fake.url,
    PENDING_TIMEOUT_MS: "600000",
    ADMIN_TOKEN,
    LOG_LEVEL: "warn",
  });
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  say(
    `machine: ${cpus()[0]?.model ?? "unknown"} x ${cpus().length}; load before the run ${loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")} (other work on the machine skews the figures)`,
  );
  say(
    `${MESSAGES.toLocaleString("en")} stored messages over ${since.toISOString()} .. ${until.toISOString()}`,
  );
  try {
    await waitReady(server);
    const window = { since: since.toISOString(), until: until.toISOString() };
    const rules = candidateRules();

    // 1. Replay rate, nothing else running.
    const alone = await call<Backtest>(server.url, "POST", "/api/rules/backtest", { rules, ...window });
    const done = await poll(server.url, alone.id, (b) => b.status === "done");
    const rate = done.result?.timing?.messages_per_second ?? 0;
    say(
      `replay rate: ${rate.toLocaleString("en")} messages/s (${done.result?.messages.replayed.toLocaleString("en")} replayed in ${((done.result?.timing?.replay_ms ?? 0) / 1000).toFixed(1)} s, ${done.result?.changed.toLocaleString("en")} decisions changed); target >= ${REPLAY_TARGET.toLocaleString("en")}: ${(rate / REPLAY_TARGET).toFixed(2)}x, ${rate >= REPLAY_TARGET ? "met" : "NOT met"}`,
    );

    // 2. Hooks at a steady rate, in phases taking turns without and with a backtest running (a
    // new one each time, cancelled at the phase's end); each condition's latencies are pooled.
    const hooks = (label: string) =>
      load.run({
        url: server.url,
        path: "/hooks/stream/PassOnPendingMessage",
        apiKey: fake.apiKey,
        secret: fake.apiSecret,
        connections: 16,
        durationSec: SECONDS,
        label,
        unique: true,
        presign: Math.ceil(HOOK_RATE * SECONDS * 1.2),
        rate: HOOK_RATE,
        keepLatencies: true,
      });
    await hooks("warm-up");
    const without: LoadResult[] = [];
    const withBacktest: LoadResult[] = [];
    let replayedDuring = 0;
    let endedEarly = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      without.push(await hooks(`without-${round}`));
      const running = await call<Backtest>(server.url, "POST", "/api/rules/backtest", { rules, ...window });
      const started = await poll(server.url, running.id, (b) => b.progress.processed > 0);
      withBacktest.push(await hooks(`with-${round}`));
      const still = await call<Backtest>(server.url, "GET", `/api/rules/backtest/${running.id}`);
      replayedDuring += still.progress.processed - started.progress.processed;
      if (still.status === "running")
        await call<Backtest>(server.url, "POST", `/api/rules/backtest/${running.id}/cancel`);
      else endedEarly++;
      await poll(server.url, running.id, (b) => b.status !== "running");
    }
    without.push(await hooks(`without-${ROUNDS + 1}`));

    const pooled = (results: LoadResult[]) => {
      const all = results.flatMap((r) => r.ackLatenciesMs ?? []);
      const refused = results.flatMap((r) => Object.entries(r.statuses).filter(([s]) => !s.startsWith("2")));
      return {
        latency: percentiles(all),
        rps: results.reduce((sum, r) => sum + r.rps, 0) / results.length,
        refused: refused.reduce((sum, [, n]) => sum + n, 0),
        errors: results.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
      };
    };
    const ms = (value: number) => value.toFixed(1).padStart(6);
    const describe = (name: string, p: ReturnType<typeof pooled>, phases: number) =>
      `  ${name.padEnd(20)} ${phases} phases, ${p.rps.toFixed(0).padStart(4)} hooks/s   ack p50 ${ms(p.latency.p50)} ms   p90 ${ms(p.latency.p90)} ms   p99 ${ms(p.latency.p99)} ms   not 2xx ${p.refused}, errors ${p.errors}`;
    const off = pooled(without);
    const on = pooled(withBacktest);
    say(`hooks at ${HOOK_RATE}/s, ${SECONDS} s phases taking turns:`);
    say(describe("without a backtest", off, without.length));
    say(describe("with one running", on, withBacktest.length));
    const ratio = on.latency.p99 / off.latency.p99;
    say(
      `ack p99 with a backtest: ${ratio.toFixed(2)}x without; target <= ${ACK_P99_TARGET.toFixed(2)}x: ${ratio <= ACK_P99_TARGET ? "met" : "NOT met"}` +
        ` (the backtests replayed ${Math.round(replayedDuring / (ROUNDS * SECONDS)).toLocaleString("en")} messages/s meanwhile` +
        (endedEarly > 0 ? `; WARNING: ${endedEarly} ended before their phase did: seed more messages)` : ")"),
    );
  } finally {
    load.close();
    await server.stop();
    await fake.close();
  }
  console.log(`\nsummary\n${lines.join("\n")}`);
}

await main();
