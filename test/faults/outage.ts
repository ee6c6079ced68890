import { expect } from "vitest";
import { type CheckResult, checkHistory, describeResult } from "../support/history-checker.ts";
import type { Attempt, History, LoadDriver } from "../support/load-driver.ts";
import type { Replica } from "../support/replica.ts";
import { type Cluster, clusterLogs, expectNoCrash } from "./cluster.ts";

// What the service must show while its database is away, whatever took it away (a proxy
// dropping connections, or Postgres itself stopped): hooks get 503 with Retry-After, never a 2xx
// (nothing can be durable) and never another 5xx; /readyz says not ready.

/**
 * The load both outage scenarios run through the outage: endless, four at a time, every kind of
 * message. `finish` stops starting new ones and waits for those under way.
 */
export function loadThroughOutage(driver: LoadDriver, random: () => number): { finish(): Promise<void> } {
  let loading = true;
  const load = driver.run({
    count: Number.POSITIVE_INFINITY,
    concurrency: 4,
    mix: { approve: 6, reject: 2, deleted: 1, stale: 1, external: 1 },
    stop: () => !loading,
    random,
  });
  return {
    finish: () => {
      loading = false;
      return load;
    },
  };
}

export interface Window {
  from: number;
  to: number;
}

/** Hook attempts that started and ended inside the window (the outage's settled middle). */
export function attemptsWithin(history: History, window: Window): Attempt[] {
  return history
    .all()
    .flatMap((m) => m.deliveries.flatMap((d) => d.attempts))
    .filter((a) => a.startedAt >= window.from && a.startedAt + a.elapsedMs <= window.to);
}

export function expectOutageAnswers(history: History, window: Window): void {
  const during = attemptsWithin(history, window);
  expect(during.length, "no hook attempt fell inside the outage").toBeGreaterThan(0);
  const answered = during.filter((a) => a.status !== undefined);
  expect(answered.length).toBeGreaterThan(0);
  const wrong = answered.filter((a) => a.status !== 503 || !a.retryAfter);
  expect(wrong, "during the outage every answer must be 503 with Retry-After").toEqual([]);
}

/**
 * /readyz of every replica that is up through the sample (one that crashes meanwhile, and is
 * being restarted, is left out: expectNoCrash reports the crash).
 */
export async function readyzDuringOutage(replicas: Replica[]): Promise<(number | string)[]> {
  const sampled = await Promise.all(
    replicas
      .filter((replica) => replica.ready)
      .map(async (replica) => {
        const starts = replica.starts;
        const status = await fetch(`${replica.url}/readyz`, { signal: AbortSignal.timeout(8000) })
          .then((response): number | string => response.status)
          .catch(
            (error: Error) =>
              `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}`,
          );
        return replica.ready && replica.starts === starts ? status : undefined;
      }),
  );
  return sampled.filter((status): status is number | string => status !== undefined);
}

/**
 * What every outage scenario checks once the load has stopped: no replica crashed, every replica that was up said not ready during the outage, hooks in its
 * settled middle got 503, and the history holds (everything acknowledged final, nothing doubled).
 */
export async function expectOutageHandled(
  cluster: Cluster,
  name: string,
  outage: { readyDuringOutage: (number | string)[]; window: Window },
): Promise<CheckResult> {
  expectNoCrash(cluster);
  // Every replica up through the outage said not ready.
  expect(outage.readyDuringOutage.length).toBeGreaterThan(0);
  expect(outage.readyDuringOutage.filter((status) => status !== 503)).toEqual([]);
  expectOutageAnswers(cluster.driver.history, outage.window);
  const result = await checkHistory({
    history: cluster.driver.history,
    fake: cluster.fake,
    db: cluster.database.database.db,
    finalWithinMs: 30_000,
    // A commit answered by Stream while the database was away could not be recorded.
    recordsMayBeLost: true,
  });
  console.info(`[faults] ${name}: ${JSON.stringify(result.stats)}; settled in ${result.settleMs} ms`);
  expect(result.violations, `${describeResult(result)}\n${clusterLogs(cluster)}`).toEqual([]);
  return result;
}
