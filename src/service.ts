import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import { type Database, openPglite, openPostgres, rawQuery } from "./db/client.ts";
import { migrateDatabase } from "./db/migrate.ts";
import type { MessageStatus } from "./db/schema/index.ts";
import { Dispatcher } from "./dispatch/dispatcher.ts";
import { OutboxStore } from "./dispatch/outbox-store.ts";
import { createStreamClient, type StreamClient } from "./dispatch/stream-client.ts";
import { resolvePendingTimeout, type TimeoutSource } from "./hooks/deadline.ts";
import { ReceiptBatcher } from "./hooks/receipt-batcher.ts";
import type { ReceiveContext } from "./hooks/receive.ts";
import type { HookName } from "./http/hook-routes.ts";
import { createLogger } from "./log.ts";
import { plannerStatisticsJob } from "./maintenance/planner-statistics.ts";
import { retentionJob } from "./maintenance/retention.ts";
import { ServiceMetrics } from "./observability/service-metrics.ts";
import { DeadlineSweeper } from "./review/deadline-sweeper.ts";
import { LiveRuleSet } from "./rules/live-rules.ts";
import { type SandboxCredentials, sandboxCredentials } from "./sandbox/credentials.ts";
import { createSimulatedStream, type SimulatedStream } from "./sandbox/simulated-stream.ts";

export interface ServiceOverrides {
  logger?: Logger;
  /** An already-open database (tests); the service then leaves closing it to the caller. */
  database?: Database;
  /** Names this replica in leases and attempt records. */
  instanceId?: string;
  onReceipt?: (hook: HookName, outcome: string, elapsedMs: number, status?: MessageStatus) => void;
  /** How long a moderator's claim on a message lasts (default 5 minutes). */
  claimTtlMs?: number;
}

export interface Service {
  app: OpenAPIHono;
  metrics: ServiceMetrics;
  config: Config;
  database: Database;
  dispatcher: Dispatcher;
  sweeper: DeadlineSweeper;
  rules: LiveRuleSet;
  stream: StreamClient;
  pendingTimeout: { timeoutMs: number; source: TimeoutSource; detail?: string };
  sandbox: { credentials: SandboxCredentials; stream: SimulatedStream } | undefined;
  logger: Logger;
  instanceId: string;
  /** Starts the background workers (dispatch poller, deadline sweeper, rules reload). */
  startWorkers(): void;
  /** Stops taking hooks, finishes work under way (bounded), releases leases, closes the database. */
  shutdown(): Promise<void>;
}

/** Wires the service together: the only place that knows every part. */
export async function createService(config: Config, overrides: ServiceOverrides = {}): Promise<Service> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const instanceId = overrides.instanceId ?? `gatehouse-${process.pid}-${randomUUID().slice(0, 8)}`;

  const rulesFile = config.rulesFile ?? (existsSync("./rules.yaml") ? "./rules.yaml" : undefined);
  const rules = new LiveRuleSet(rulesFile, logger);

  const database =
    overrides.database ??
    (config.databaseUrl
      ? openPostgres({
          url: config.databaseUrl,
          poolSize: config.databasePoolSize,
          applicationName: instanceId,
        })
      : await openPglite(config.dataDir));
  try {
    if (!overrides.database) await migrateDatabase(database, config.databaseUrl);
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }

  let sandbox: Service["sandbox"];
  let stream: StreamClient;
  if (config.sandbox) {
    const credentials = sandboxCredentials(config.dataDir);
    const simulated = createSimulatedStream({
      apiKey: credentials.apiKey,
      apiSecret: credentials.apiSecret,
      autoCreatePending: true,
      // A sandbox may run for days: keep the recent calls and messages, not all of them.
      maxLedgerEntries: 1000,
      maxMessages: 10_000,
    });
    sandbox = { credentials, stream: simulated };
    stream = createStreamClient({
      apiKey: credentials.apiKey,
      secret: credentials.apiSecret,
      baseUrl: "http://simulated-stream.local",
      timeoutMs: config.stream.timeoutMs,
      fetch: simulated.fetch as typeof fetch,
    });
  } else {
    stream = createStreamClient({
      apiKey: config.stream.apiKey!,
      secret: config.stream.secrets[0]!,
      baseUrl: config.stream.baseUrl,
      timeoutMs: config.stream.timeoutMs,
    });
  }
  const effective: Config = sandbox
    ? {
        ...config,
        adminToken: config.adminToken ?? sandbox.credentials.adminToken,
        stream: {
          ...config.stream,
          apiKey: sandbox.credentials.apiKey,
          secrets: [sandbox.credentials.apiSecret],
        },
      }
    : config;

  const pendingTimeout = await resolvePendingTimeout(
    config.pendingTimeoutMs,
    config.defaultPendingTimeoutMs,
    stream,
  );
  logger.info({ ...pendingTimeout }, "pending timeout resolved");

  const metrics = new ServiceMetrics(database.db);
  const store = new OutboxStore(
    database.db,
    instanceId,
    config.dispatch.leaseMs,
    database.kind === "postgres",
  );
  const dispatcher = new Dispatcher({
    store,
    stream: metrics.instrumentStream(stream),
    onSettled: metrics.observeSettled,
    logger,
    pollMs: config.dispatch.pollMs,
    concurrency: config.dispatch.concurrency,
    resolveGraceMs: config.dispatch.resolveGraceMs,
  });
  const sweeper = new DeadlineSweeper({
    db: database.db,
    rules: () => rules.current,
    logger,
    intervalMs: Math.min(config.dispatch.pollMs, 1000),
    onDecided: ({ messageId, action, receivedAt }) => {
      dispatcher.kick(messageId);
      metrics.observeReviewDecision("system", action, receivedAt);
    },
  });
  const receive: ReceiveContext = {
    db: database.db,
    rules: () => rules.current,
    pendingTimeoutMs: pendingTimeout.timeoutMs,
    logger,
    receipts: new ReceiptBatcher(
      rawQuery(database.db),
      { maxBatch: config.receiptBatch.max, maxConcurrent: config.receiptBatch.concurrency },
      dispatcher.immediate,
    ),
  };

  let accepting = true;
  let migrated = true;
  const app = createApp({
    config: effective,
    db: database.db,
    receive,
    dispatcher,
    logger,
    accepting: () => accepting,
    rules,
    metrics,
    claimTtlMs: overrides.claimTtlMs,
    onReceipt: (hook, outcome, elapsedMs, status) => {
      metrics.observeReceipt(hook, outcome, elapsedMs, status);
      overrides.onReceipt?.(hook, outcome, elapsedMs, status);
    },
    readiness: [
      {
        name: "database",
        check: async () => {
          await database.ping();
          return { ok: true };
        },
      },
      { name: "migrations", check: async () => ({ ok: migrated }) },
      {
        name: "rules",
        check: async () => ({
          ok: true,
          detail: rules.lastError
            ? `serving version ${rules.current.version}; the last reload failed: ${rules.lastError}`
            : `version ${rules.current.version} from ${rules.current.source}`,
        }),
      },
      {
        name: "accepting_hooks",
        check: async () => ({ ok: accepting, detail: accepting ? undefined : "shutting down" }),
      },
    ],
  });

  const retention =
    config.retention.maxAgeMs === undefined
      ? undefined
      : retentionJob(
          { db: database.db, logger, maxAgeMs: config.retention.maxAgeMs },
          config.retention.intervalMs,
        );

  // PGlite plans each statement as it runs (no cached plans), so only Postgres needs this.
  const plannerStatistics =
    database.kind === "postgres" && config.plannerStatisticsIntervalMs > 0
      ? plannerStatisticsJob(rawQuery(database.db), logger, config.plannerStatisticsIntervalMs)
      : undefined;

  return {
    app,
    metrics,
    config: effective,
    database,
    dispatcher,
    sweeper,
    rules,
    stream,
    pendingTimeout,
    sandbox,
    logger,
    instanceId,
    startWorkers() {
      dispatcher.start();
      sweeper.start();
      retention?.start();
      plannerStatistics?.start();
      rules.watch();
    },
    async shutdown() {
      accepting = false;
      rules.close();
      await retention?.stop();
      await plannerStatistics?.stop();
      await sweeper.stop();
      await dispatcher.stop(config.shutdownTimeoutMs);
      migrated = false;
      if (!overrides.database) await database.close();
    },
  };
}
