// Run as a process of its own by dropped-connection.test.ts: drops this process's own Postgres
// connections under postgres.js the ways porsager/postgres#1208 and #1154 describe, and prints
// what each query answered. Without the guard in patches/postgres+*.patch the driver throws from
// a setImmediate and the process dies instead.
import postgres from "postgres";

const url = process.argv[2];
if (!url) throw new Error("usage: dropped-connection.ts <postgres url>");

const sql = postgres(url, { max: 2, onnotice: () => {} });
const killer = postgres(url, { max: 1, onnotice: () => {} });
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (error: { code?: string }) => `rejected ${error.code ?? String(error)}`,
  );

// A reserved connection whose backend is terminated: the next queries on it.
const reserved = await sql.reserve();
const [{ pid }] = (await reserved`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
await killer`select pg_terminate_backend(${pid})`;
console.log(`reserved, first query: ${await outcome(reserved`select 1`)}`);
console.log(`reserved, second query: ${await outcome(reserved`select 1`)}`);
reserved.release();

// A transaction whose backend is terminated while it runs (the receipt's transaction does this).
console.log(
  `transaction: ${await outcome(
    sql.begin(async (tx) => {
      const [{ pid: txPid }] = (await tx`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
      await killer`select pg_terminate_backend(${txPid})`;
      await tx`select 1`.catch(() => {});
      await tx`select 2`;
    }),
  )}`,
);

console.log(`pool afterwards: ${await outcome(sql`select 1`)}`);
await Promise.all([sql.end({ timeout: 1 }), killer.end({ timeout: 1 })]);
console.log("survived");
