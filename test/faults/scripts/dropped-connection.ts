// Run as a process of its own by dropped-connection.test.ts: drops this process's own Postgres
// connections under postgres.js the way porsager/postgres#1208 and #1154 describe, and prints
// what the queries answered. Without the guard in patches/postgres+3.4.9.patch the driver throws
// from a setImmediate and the process dies instead.
import postgres from "postgres";

const url = process.argv[2];
if (!url) throw new Error("usage: dropped-connection.ts <postgres url>");

const killer = postgres(url, { max: 1, onnotice: () => {} });
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => "ok",
    (error: { code?: string }) => `rejected ${error.code ?? String(error)}`,
  );

// A transaction whose backend is terminated while it runs (the receipt's transaction does this),
// with a query written after the close. Whether the driver reaches the null socket depends on
// whether the close arrives as FIN or RST, so it is tried several times. Each round has a pool of
// its own: a pool reused after its backends were killed can hand the old backend's error to the
// next query (porsager/postgres#1215), which is another defect than the one tried here.
const ROUNDS = 10;
let rejected = 0;
for (let round = 0; round < ROUNDS; round++) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  // CONNECTION_CLOSED, ECONNRESET or the backend's own "terminating connection" error (57P01),
  // whichever reaches the driver first: either way a rejection the caller can catch.
  const answered = await outcome(
    sql.begin(async (tx) => {
      const [{ pid }] = (await tx`select pg_backend_pid() as pid`) as unknown as [{ pid: number }];
      await killer`select pg_terminate_backend(${pid})`;
      await tx`select 1`.catch(() => {});
      await tx`select 2`;
    }),
  );
  if (answered.startsWith("rejected")) rejected++;
  await sql.end({ timeout: 1 });
}
console.log(`transactions rejected: ${rejected} of ${ROUNDS}`);
await killer.end({ timeout: 1 });
console.log("survived");
