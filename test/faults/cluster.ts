import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { openTestDatabase, type TestDatabase } from "../support/db.ts";
import { type FakeStream, type FakeStreamOptions, startFakeStream } from "../support/fake-stream.ts";
import { type DriverOptions, LoadDriver, RULES_YAML } from "../support/load-driver.ts";
import { Replica } from "../support/replica.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.ts";

// One fault-test world: a fresh database, a fake Stream, a rules file, N replicas of the service
// as real processes, optionally behind TCP fault proxies, and a driver playing Stream.

export interface ClusterOptions {
  replicas: number;
  /** Replicas reach Postgres through a fault proxy. */
  proxyPostgres?: boolean;
  /** Replicas reach the fake Stream through a fault proxy. */
  proxyStream?: boolean;
  pendingTimeoutMs?: number;
  fake?: FakeStreamOptions;
  /** Extra or overriding environment for every replica. */
  env?: Record<string, string>;
}

/** Short leases and polls so a crashed replica's work moves on within a test's patience. */
export const FAST_ENV = {
  // The shortest lease the service accepts for this Stream timeout (2 x timeout + 1 s).
  DISPATCH_LEASE_MS: "2600",
  DISPATCH_POLL_MS: "100",
  STREAM_TIMEOUT_MS: "800",
  SHUTDOWN_TIMEOUT_MS: "4000",
  DATABASE_POOL_SIZE: "4",
  // Stream is given this long after a deadline to drop a still-pending message before an unknown
  // commit outcome is looked up (the fake drops it 300 ms after).
  DISPATCH_RESOLVE_GRACE_MS: "1000",
};

export interface Cluster {
  database: TestDatabase;
  fake: FakeStream;
  replicas: Replica[];
  pgProxy: TcpProxy | undefined;
  streamProxy: TcpProxy | undefined;
  driver: LoadDriver;
  pendingTimeoutMs: number;
  /** Replicas a load balancer would send to now (the test marks one down before killing it). */
  up: Set<Replica>;
  /** Round-robin over the replicas marked up. */
  pickTarget(): string | undefined;
  close(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const pendingTimeoutMs = options.pendingTimeoutMs ?? 120_000;
  const database = await openTestDatabase();
  const fake = await startFakeStream(options.fake);
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-faults-"));
  const rulesFile = join(dir, "rules.yaml");
  writeFileSync(rulesFile, RULES_YAML);

  const dbUrl = new URL(database.url!);
  const pgProxy = options.proxyPostgres
    ? await startTcpProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) })
    : undefined;
  const streamUrl = new URL(fake.url);
  const streamProxy = options.proxyStream
    ? await startTcpProxy({ host: streamUrl.hostname, port: Number(streamUrl.port) })
    : undefined;
  const replicaDbUrl = new URL(dbUrl);
  if (pgProxy) {
    replicaDbUrl.hostname = "127.0.0.1";
    replicaDbUrl.port = String(pgProxy.port);
  }
  const replicaStreamUrl = streamProxy ? `http://127.0.0.1:${streamProxy.port}` : fake.url;

  const env = {
    DATABASE_URL: replicaDbUrl.toString(),
    STREAM_API_KEY: fake.apiKey,
    STREAM_API_SECRET: fake.apiSecret,
    STREAM_BASE_URL: replicaStreamUrl,
    PENDING_TIMEOUT_MS: String(pendingTimeoutMs),
    RULES_FILE: rulesFile,
    LOG_LEVEL: "warn",
    ...FAST_ENV,
    ...options.env,
  };
  const replicas = Array.from(
    { length: options.replicas },
    (_, i) => new Replica({ name: `replica-${String.fromCharCode(97 + i)}`, env, supervise: true }),
  );
  const up = new Set<Replica>();
  let next = 0;
  const pickTarget = () => {
    const live = replicas.filter((replica) => up.has(replica));
    if (live.length === 0) return undefined;
    return live[next++ % live.length]!.url;
  };
  const driver = new LoadDriver({ fake, pickTarget, pendingTimeoutMs });

  const cluster: Cluster = {
    database,
    fake,
    replicas,
    pgProxy,
    streamProxy,
    driver,
    pendingTimeoutMs,
    up,
    pickTarget,
    async close() {
      await Promise.all(replicas.map((replica) => replica.close()));
      await pgProxy?.close();
      await streamProxy?.close();
      await fake.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // Started one by one: the first runs the migrations, the rest find them applied.
    for (const replica of replicas) {
      await replica.start();
      up.add(replica);
    }
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}

/** A driver with a history of its own, so each test in a shared cluster checks only its messages. */
export function freshDriver(cluster: Cluster, overrides: Partial<DriverOptions> = {}): LoadDriver {
  return new LoadDriver({
    fake: cluster.fake,
    pickTarget: cluster.pickTarget,
    pendingTimeoutMs: cluster.pendingTimeoutMs,
    ...overrides,
  });
}

/**
 * Replicas that exited without being told to (crashed), with their last output. The harness
 * restarts them, as a supervisor would, so the history check still runs; expectNoCrash then
 * fails the scenario. No crash is excused: the one the Postgres driver used to have when a
 * connection dropped with a write pending (porsager/postgres#1154, #1208) is patched (see
 * patches/ and dropped-connection.test.ts).
 */
export function unexpectedExits(cluster: Cluster): string[] {
  return cluster.replicas.flatMap((replica) => replica.unexpectedExits);
}

/** Fails on any replica crash. */
export function expectNoCrash(cluster: Cluster): void {
  expect(unexpectedExits(cluster), "replicas crashed").toEqual([]);
}

/** Every replica's recent output, for an assertion message. */
export function clusterLogs(cluster: Cluster): string {
  return cluster.replicas.map((replica) => replica.logs()).join("\n");
}
