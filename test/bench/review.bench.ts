// Review API benchmark at production size: `npm run bench:review [-- --messages=N] [--requests=N] [--reseed]`.
//
// Seeds a Postgres database with N messages (default 3,000,000) received over the last 30 days,
// in SQL (generate_series, a chunk per statement), with their rules decisions, moderators' and
// the deadline sweeper's decisions, and a live review queue; then times every review endpoint
// in-process through the HTTP app (routing, validation, queries, JSON) and prints p50/p99 per
// endpoint and filter next to the 200 ms target. The statistics are also computed the old way,
// straight from the raw rows, as the baseline of the same run.
//
// The seeded database (gatehouse_bench_review_<N> on BENCH_DATABASE_URL's server, default
// postgres://postgres@127.0.0.1:5432/postgres) is kept for the next run; --reseed drops and
// seeds it again.
import postgres from "postgres";
import { loadConfig } from "../../src/config.ts";
import { openPostgres, rawQuery } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { createLogger } from "../../src/log.ts";
import { rollUpStats } from "../../src/maintenance/stats-roll-up.ts";
import { createService } from "../../src/service.ts";
import { statsFromRawRows } from "../support/stats-oracle.ts";
import { percentiles } from "./percentiles.ts";
import { keptDatabase } from "./scratch-database.ts";

const argument = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const MESSAGES = Number(argument("messages") ?? 3_000_000);
const REQUESTS = Number(argument("requests") ?? 200);
const RESEED = process.argv.includes("--reseed");
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TARGET_MS = 200;
const CHUNK = 250_000;
const DAY_MS = 86_400_000;
const HELD = 2_000;
const ADMIN_TOKEN = "bench-admin-token-0123456789";

if (!Number.isInteger(MESSAGES) || MESSAGES < 1_000) {
  console.error("--messages must be a whole number of at least 1000, e.g. --messages=100000");
  process.exit(2);
}

/**
 * One chunk of history: message g is received at an even pace over the 30 days before `now`.
 * 85 % approved and committed, 10 % rejected, 4 % held and decided by a moderator, 1 % held
 * until the deadline sweeper expired them. 100,000 senders, 2,000 channels, 20 rules, senders'
 * addresses spread over 10.0.0.0/14.
 */
const seedChunk = (from: number, to: number, now: Date) => `
create temp table chunk on commit drop as
select g, r1, r2, r3, r4, r5,
       'bench-' || g as id,
       '${now.toISOString()}'::timestamptz - interval '30 days' + (g::float8 / ${MESSAGES}) * interval '30 days' as t,
       'messaging:room-' || (r2 * 2000)::int as cid,
       'user-' || (r3 * 100000)::int as user_id,
       ('10.' || (r5 * 3)::int || '.' || (r4 * 255)::int || '.' || (r3 * 255)::int)::inet as ip,
       case when r1 < 0.85 then 'approve' when r1 < 0.95 then 'reject' else 'review' end as rules_action
  from (select g, random() r1, random() r2, random() r3, random() r4, random() r5
          from generate_series(${from}::bigint, ${to - 1}::bigint) g) s;
insert into messages (id, status, cid, user_id, text, payload, request_info, message_created_at,
                      received_at, deadline_at, updated_at, final_at)
select id,
       case when r1 < 0.85 then 'committed' when r1 < 0.95 then 'rejected'
            when r1 < 0.99 then (case when r4 < 0.8 then 'committed' else 'rejected' end) else 'expired' end,
       cid, user_id, 'message ' || g,
       jsonb_build_object('id', id, 'text', 'message ' || g, 'user', jsonb_build_object('id', user_id, 'role', 'user')),
       jsonb_build_object('ip', host(ip), 'user_agent', 'stream-chat-js', 'sdk', 'stream-chat-js-v9'),
       t, t, t + interval '5 minutes', f, f
  from (select c.*, t + case when r1 < 0.85 then (0.05 + r4 * 0.5) * interval '1 second'
                             when r1 < 0.95 then interval '100 milliseconds'
                             when r1 < 0.99 then (r4 * 240 + 0.2) * interval '1 second'
                             else interval '5 minutes' end as f
          from chunk c) x;
insert into decisions (message_id, action, source, matches, ruleset_version, user_id, cid, ip, user_agent,
                       sdk, metadata, evaluation_us, created_at)
select id, rules_action, 'rules',
       case when rules_action = 'approve' then '[]'::jsonb
            else jsonb_build_array(jsonb_build_object('rule_id', 'rule-' || (r2 * 19)::int, 'term', 'word')) end,
       'v1', user_id, cid, ip, 'stream-chat-js', 'stream-chat-js-v9', '{}', (20 + r4 * 400)::int, t
  from chunk;
insert into decisions (message_id, action, source, actor, user_id, cid, ip, created_at)
select id,
       case when r1 >= 0.99 then 'expire' when r4 < 0.8 then 'approve' else 'reject' end,
       case when r1 >= 0.99 then 'system' else 'moderator' end,
       case when r1 >= 0.99 then 'deadline' else 'moderator-' || (r5 * 10)::int end,
       user_id, cid, ip,
       t + case when r1 >= 0.99 then interval '5 minutes' else r4 * 240 * interval '1 second' end
  from chunk where r1 >= 0.95`;

/** The live queue: held messages received in the last four minutes, deadlines ahead. */
const seedQueue = (held: number) => `
insert into messages (id, status, cid, user_id, text, payload, request_info, received_at, deadline_at, updated_at)
select 'held-' || g, 'held', 'messaging:room-' || (g % 2000), 'user-' || (g * 7 % 100000), 'held ' || g,
       jsonb_build_object('id', 'held-' || g, 'user', jsonb_build_object('id', 'user-' || (g * 7 % 100000))),
       '{}'::jsonb, now() - (g % 240) * interval '1 second', now() + interval '1 hour', now()
  from generate_series(1, ${held}) g;
insert into decisions (message_id, action, source, matches, user_id, cid, ip, created_at)
select id, 'review', 'rules', jsonb_build_array(jsonb_build_object('rule_id', 'rule-' || (substr(id, 6)::int % 19), 'term', 'word')),
       user_id, cid, ('10.1.' || (substr(id, 6)::int % 255) || '.7')::inet, received_at
  from messages where status = 'held'`;

async function openSeeded(): Promise<{ url: string; seededAt: Date }> {
  const name = `gatehouse_bench_review_${MESSAGES}`;
  const url = new URL(await keptDatabase(ADMIN_URL, name, RESEED));
  const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await db`create table if not exists bench_seed (seeded_at timestamptz not null)`;
    const [done] = await db<{ seeded_at: Date }[]>`select seeded_at from bench_seed`;
    // A database kept from an earlier run takes the migrations added since, as a service would.
    const database = openPostgres({ url: url.toString(), poolSize: 2 });
    await migrateDatabase(database, url.toString());
    if (done) {
      await database.close();
      console.log(`using ${name}, seeded ${done.seeded_at.toISOString()} (--reseed to seed it again)`);
      return { url: url.toString(), seededAt: done.seeded_at };
    }
    const seededAt = new Date();
    const started = Date.now();
    for (let from = 0; from < MESSAGES; from += CHUNK) {
      const to = Math.min(MESSAGES, from + CHUNK);
      await db.begin((tx) => tx.unsafe(seedChunk(from, to, seededAt)));
      console.log(
        `seeded ${to.toLocaleString("en")} / ${MESSAGES.toLocaleString("en")} messages (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
    await db.begin((tx) => tx.unsafe(seedQueue(HELD)));
    console.log("rolling up statistics, analyzing");
    await rollUpStats(rawQuery(database.db));
    await database.close();
    await db`vacuum analyze`;
    await db`insert into bench_seed values (${seededAt})`;
    console.log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return { url: url.toString(), seededAt };
  } finally {
    await db.end();
  }
}

interface Case {
  name: string;
  path: () => string;
}

async function main() {
  const { url, seededAt } = await openSeeded();
  const database = openPostgres({ url, poolSize: 4 });
  const config = loadConfig({
    DATABASE_URL: url,
    STREAM_API_KEY: "bench",
    STREAM_API_SECRET: "bench-secret-0123456789",
    STREAM_BASE_URL: "http://127.0.0.1:9",
    PENDING_TIMEOUT_MS: "300000",
    ADMIN_TOKEN,
    LOG_LEVEL: "silent",
  });
  const service = await createService(config, { database, logger: createLogger("silent") });
  const n = (max: number) => Math.floor(Math.random() * max);
  const end = seededAt.getTime();
  const hourIn30Days = () => {
    const since = end - n(30 * 24) * 3_600_000 - 3_600_000;
    return `since=${new Date(since).toISOString()}&until=${new Date(since + 3_600_000).toISOString()}`;
  };
  const rawMessage = () => `bench-${n(MESSAGES)}`;

  const cases: Case[] = [
    { name: "GET /api/queue", path: () => "/api/queue" },
    { name: "GET /api/queue ?cid", path: () => `/api/queue?cid=messaging:room-${n(2000)}` },
    { name: "GET /api/queue ?user_id", path: () => `/api/queue?user_id=user-${n(100_000)}` },
    { name: "GET /api/queue ?rule_id", path: () => `/api/queue?rule_id=rule-${n(19)}` },
    { name: "GET /api/decisions", path: () => "/api/decisions" },
    {
      name: "GET /api/decisions ?ip (address)",
      path: () => `/api/decisions?ip=10.${n(3)}.${n(255)}.${n(255)}`,
    },
    { name: "GET /api/decisions ?ip (/24)", path: () => `/api/decisions?ip=10.${n(3)}.${n(255)}.0/24` },
    { name: "GET /api/decisions ?ip (/16)", path: () => `/api/decisions?ip=10.${n(3)}.0.0/16` },
    { name: "GET /api/decisions ?ip (/8)", path: () => "/api/decisions?ip=10.0.0.0/8" },
    { name: "GET /api/decisions ?user_id", path: () => `/api/decisions?user_id=user-${n(100_000)}` },
    { name: "GET /api/decisions ?cid", path: () => `/api/decisions?cid=messaging:room-${n(2000)}` },
    { name: "GET /api/decisions ?rule_id", path: () => `/api/decisions?rule_id=rule-${n(19)}` },
    { name: "GET /api/decisions ?action=reject", path: () => "/api/decisions?action=reject" },
    { name: "GET /api/decisions ?action=expire", path: () => "/api/decisions?action=expire" },
    { name: "GET /api/decisions ?source=moderator", path: () => "/api/decisions?source=moderator" },
    { name: "GET /api/decisions ?since&until (1 h)", path: () => `/api/decisions?${hourIn30Days()}` },
    {
      name: "GET /api/decisions ?rule_id&since&until",
      path: () => `/api/decisions?rule_id=rule-${n(19)}&${hourIn30Days()}`,
    },
    {
      name: "GET /api/decisions ?cid&action=reject",
      path: () => `/api/decisions?cid=messaging:room-${n(2000)}&action=reject`,
    },
    {
      name: "GET /api/decisions ?ip (/16)&source=moderator",
      path: () => `/api/decisions?ip=10.${n(3)}.0.0/16&source=moderator`,
    },
    { name: "GET /api/messages/:id", path: () => `/api/messages/${rawMessage()}` },
    {
      name: "GET /api/stats (1 h)",
      path: () =>
        `/api/stats?since=${new Date(end - 3_600_000).toISOString()}&until=${new Date(end).toISOString()}`,
    },
    { name: "GET /api/stats (24 h)", path: () => `/api/stats?until=${new Date(end).toISOString()}` },
    {
      name: "GET /api/stats (30 d)",
      path: () =>
        `/api/stats?since=${new Date(end - 30 * DAY_MS).toISOString()}&until=${new Date(end).toISOString()}`,
    },
  ];

  const time = async (path: string) => {
    const started = performance.now();
    const answer = await service.app.request(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await answer.arrayBuffer();
    if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}`);
    return performance.now() - started;
  };

  console.log(
    `\n${MESSAGES.toLocaleString("en")} messages over 30 days; ${REQUESTS} requests per row, one at a time\n`,
  );
  const header = `${"endpoint and filter".padEnd(48)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}   target`;
  console.log(header);
  let over = 0;
  for (const c of cases) {
    for (let i = 0; i < 5; i++) await time(c.path()); // warm the plan cache and the pool
    const samples: number[] = [];
    for (let i = 0; i < REQUESTS; i++) samples.push(await time(c.path()));
    const p = percentiles(samples);
    const ok = p.p99 <= TARGET_MS;
    if (!ok) over++;
    console.log(
      `${c.name.padEnd(48)} ${p.p50.toFixed(1).padStart(8)} ${p.p99.toFixed(1).padStart(8)}   <= ${TARGET_MS} ${ok ? "ok" : "OVER"}`,
    );
  }

  console.log("\nbaseline, same run: the statistics computed from the raw rows (as before pre-aggregation)");
  for (const [label, spanMs, runs] of [
    ["1 h", 3_600_000, 5],
    ["24 h", DAY_MS, 3],
    ["30 d", 30 * DAY_MS, 2],
  ] as const) {
    const window = { since: new Date(end - spanMs), until: new Date(end) };
    const rawSamples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await statsFromRawRows(database.db, window);
      rawSamples.push(performance.now() - started);
    }
    const aggregated: number[] = [];
    for (let i = 0; i < runs * 4; i++) {
      aggregated.push(
        await time(`/api/stats?since=${window.since.toISOString()}&until=${window.until.toISOString()}`),
      );
    }
    const raw = percentiles(rawSamples).p50;
    const fast = percentiles(aggregated).p50;
    console.log(
      `  stats ${label.padEnd(5)} raw rows p50 ${raw.toFixed(0).padStart(6)} ms   pre-aggregated p50 ${fast.toFixed(1).padStart(6)} ms   ${(raw / fast).toFixed(0)}x faster`,
    );
  }
  console.log(over === 0 ? "\nevery endpoint within its target" : `\n${over} row(s) over the target`);
  await service.shutdown();
  await database.close();
  process.exitCode = over === 0 ? 0 : 1;
}

await main();
