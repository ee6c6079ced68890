// What the metrics cost a hook: the observations one approved message makes (its receipt, the
// rules' decision, the commit call, the settlement), through prom-client, against work every
// hook does anyway, measured in the same run: the signature check of a typical 1 kB body.
// Also the cost of one scrape, which is off the hook path. Run with `npm run bench:metrics`.
import { createHmac } from "node:crypto";
import { verifySignature } from "../../src/hooks/verify-signature.ts";
import { ServiceMetrics } from "../../src/observability/service-metrics.ts";
import { pendingMessagePayload } from "../support/sign.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

/** Nanoseconds per call of `step`, run for SECONDS after a warm-up. */
function nsPerCall(step: (i: number) => void): number {
  for (let i = 0; i < 20_000; i++) step(i);
  let calls = 0;
  const started = process.hrtime.bigint();
  const until = started + BigInt(SECONDS * 1e9);
  let now = started;
  while (now < until) {
    for (let i = 0; i < 1000; i++) step(calls + i);
    calls += 1000;
    now = process.hrtime.bigint();
  }
  return Number(now - started) / calls;
}

const metrics = new ServiceMetrics();
const receivedAt = new Date();
const deadlineAt = new Date(Date.now() + 600_000);
const observeOneHook = (i: number) => {
  metrics.observeReceipt("PassOnPendingMessage", "new", 1 + (i % 7), "committing");
  metrics.dispatchAttempts.inc({ call: "commit", outcome: "ok" });
  metrics.observeSettled({ receivedAt, deadlineAt }, "committed");
};

const secret = "bench-secret-0123456789abcdef";
const body = Buffer.from(JSON.stringify(pendingMessagePayload({ message: { text: "x".repeat(600) } })));
const signature = createHmac("sha256", secret).update(body).digest("hex");
const checkSignature = () => {
  if (!verifySignature(body, signature, [secret])) throw new Error("signature check failed");
};

const metricsNs = nsPerCall(observeOneHook);
const signatureNs = nsPerCall(checkSignature);
let scrapes = 0;
const scrapeStarted = performance.now();
while (performance.now() - scrapeStarted < SECONDS * 1000) {
  await metrics.render();
  scrapes++;
}
const scrapeMs = (performance.now() - scrapeStarted) / scrapes;

console.log(
  [
    `metrics of one hook (receipt, decision, commit call, settlement), prom-client: ${(metricsNs / 1000).toFixed(2)} us`,
    `signature check of a ${body.length}-byte hook (same run, the baseline):          ${(signatureNs / 1000).toFixed(2)} us`,
    `ratio: metrics cost ${(metricsNs / signatureNs).toFixed(2)}x a signature check`,
    `one scrape of GET /metrics (off the hook path; process metrics included): ${scrapeMs.toFixed(2)} ms`,
  ].join("\n"),
);
