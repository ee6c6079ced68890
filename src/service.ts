import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Logger } from "pino";
import { createApp } from "./app.ts";
import type { Config } from "./config.ts";
import { type Database, rawQuery, rawSql } from "./db/client.ts";
import { DbClock } from "./db/db-clock.ts";
import { openMigratedDatabase } from "./db/open.ts";
import type { MessageStatus } from "./db/schema/index.ts";
import { Dispatcher } from "./dispatch/dispatcher.ts";
import { OutboxStore } from "./dispatch/outbox-store.ts";
import type { StreamClient } from "./dispatch/stream-client.ts";
import { connectStream, type StreamConnection } from "./dispatch/stream-connection.ts";
import { StreamProbe } from "./dispatch/stream-probe.ts";
import { resolvePendingTimeout, type TimeoutSource } from "./hooks/deadline.ts";
import { ReceiptBatcher } from "./hooks/receipt-batcher.ts";
import type { ReceiveContext } from "./hooks/receive.ts";
import type { HookName } from "./http/hook-routes.ts";
import { serviceReadiness } from "./http/readiness-checks.ts";
import { createLogger } from "./log.ts";
import { plannerStatisticsJob } from "./maintenance/planner-statistics.ts";
import { retentionJob } from "./maintenance/retention.ts";
import { statsRollUpJob } from "./maintenance/stats-roll-up.ts";
import { HookActivity } from "./observability/hook-activity.ts";
import { RuleMetrics } from "./observability/rule-metrics.ts";
import { ServiceMetrics } from "./observability/service-metrics.ts";
import { afterHeldDecision } from "./review/after-decision.ts";
import { DeadlineSweeper } from "./review/deadline-sweeper.ts";
import { QueueEvents } from "./review/queue-events.ts";
import { ActivationRecorder } from "./rule-lifecycle/activation-recorder.ts";
import { type BacktestsOptions, createBacktests } from "./rule-lifecycle/backtest/backtests.ts";
import type { BacktestRunner } from "./rule-lifecycle/backtest/runner.ts";
import { LiveRuleSet } from "./rules/live-rules.ts";

/** Hooks answered within this long count as hooks arriving now (see BacktestRunner). */
const HOOKS_FLOWING_MS = 1000;
/** How often each replica rolls up the statistics' pending deltas. */
const STATS_ROLL_UP_INTERVAL_MS = 5_000;

export interface ServiceOverrides {
  logger?: Logger;
  /** An already-open database (tests); the service then leaves closing it to the caller. */
  database?: Database;
  /** Names this replica in leases and attempt records. */
  instanceId?: string;
  onReceipt?: (hook: HookName, outcome: string, elapsedMs: number, status?: MessageStatus) => void;
  /** How long a moderator's claim on a message lasts (default 5 minutes). */
  claimTtlMs?: number;
  /**
   * Tests: how backtests read the log. `wrap` puts a wrapper around the worker's window reads
   * (then made through this thread's database, on Postgres too), so a test can hold a replay
   * between two batches; `batchSize` is the rows per read.
   */
  backtestReads?: BacktestsOptions["reads"];
}

export interface Service {
  app: OpenAPIHono;
  metrics: ServiceMetrics;
  config: Config;
  database: Database;
  dispatcher: Dispatcher;
  sweeper: DeadlineSweeper;
  rules: LiveRuleSet;
  /** The console's live feed: this replica's LISTEN, fanned out to its open event streams. */
  queueEvents: QueueEvents;
  /** Replays candidate rules files over stored messages (POST /api/rules/backtest). */
  backtests: BacktestRunner;
  /** Writes every rule set put in force to the rules history. */
  ruleHistory: ActivationRecorder;
  stream: StreamClient;
  pendingTimeout: { timeoutMs: number; source: TimeoutSource; detail?: string };
  sandbox: StreamConnection["sandbox"];
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

  // The database opens first: its slow parts (a first run's initdb in a process of its own, the
  // embedded database's WebAssembly compile) then overlap with compiling the rules on this thread.
  const opening = overrides.database
    ? Promise.resolve(overrides.database)
    : openMigratedDatabase(config, { applicationName: instanceId });
  let rules: LiveRuleSet;
  try {
    const rulesFile = config.rulesFile ?? (existsSync("./rules.yaml") ? "./rules.yaml" : undefined);
    rules = new LiveRuleSet(rulesFile, logger);
  } catch (error) {
    if (!overrides.database) await opening.then((database) => database.close()).catch(() => {});
    throw error;
  }
  const database = await opening;

  const ruleHistory = new ActivationRecorder(database.db, instanceId, logger);
  rules.onActivated(ruleHistory.record);

  const { stream, sandbox, config: effective } = connectStream(config);

  // One GET /app at start: it tells whether STREAM_BASE_URL is Stream (readiness), and the
  // pending timeout when PENDING_TIMEOUT_MS does not.
  const appAnswer = stream.getApp();
  const streamProbe = new StreamProbe(stream, appAnswer);
  const firstProbe = await streamProbe.check();
  if (!firstProbe.ok) logger.error({ reason: firstProbe.detail }, "Stream is not answering like Stream");
  const pendingTimeout = await resolvePendingTimeout(
    config.pendingTimeoutMs,
    config.defaultPendingTimeoutMs,
    { getApp: () => appAnswer },
  );
  logger.info({ ...pendingTimeout }, "pending timeout resolved");

  const metrics = new ServiceMetrics(database.db);
  // Postgres's clock is the only one compared with (see DbClock).
  const clock = new DbClock(rawQuery(database.db));
  await clock.sync();
  if (Math.abs(clock.skewMs) > 1000) {
    logger.warn(
      { skewMs: Math.round(clock.skewMs) },
      "this host's clock differs from Postgres's; Postgres's is used",
    );
  }
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
    onUnresolved: metrics.observeUnresolved,
    clock,
    logger,
    pollMs: config.dispatch.pollMs,
    concurrency: config.dispatch.concurrency,
    resolveGraceMs: config.dispatch.resolveGraceMs,
    maxFailedLookups: config.dispatch.lookupLimit,
  });
  const sweeper = new DeadlineSweeper({
    db: database.db,
    rules: () => rules.current,
    logger,
    intervalMs: Math.min(config.dispatch.pollMs, 1000),
    onDecided: afterHeldDecision(dispatcher, metrics, "system"),
  });
  const receive: ReceiveContext = {
    db: database.db,
    rules: () => rules.current,
    pendingTimeoutMs: pendingTimeout.timeoutMs,
    // Receipt times, and so "received after its deadline", on Postgres's clock.
    now: () => new Date(clock.now()),
    logger,
    onDecision: new RuleMetrics(metrics.registry).observeDecision,
    receipts: new ReceiptBatcher(
      rawSql(database.db),
      {
        maxBatch: config.receiptBatch.max,
        maxConcurrent: config.receiptBatch.concurrency,
        syncCommitted: database.syncCommitted,
      },
      dispatcher.immediate,
    ),
  };

  let accepting = true;
  let migrated = true;
  const queueEvents = new QueueEvents(database.db);
  const hookActivity = new HookActivity();
  const backtests = createBacktests({
    db: database.db,
    ...(database.connectionUrl ? { connectionUrl: database.connectionUrl } : {}),
    rules: () => rules.current,
    replica: instanceId,
    logger,
    settings: config.backtest,
    hooksFlowing: () => hookActivity.within(HOOKS_FLOWING_MS),
    ...(overrides.backtestReads ? { reads: overrides.backtestReads } : {}),
  });
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
    queueEvents,
    backtests,
    ...(database.syncCommitted ? { syncCommitted: database.syncCommitted } : {}),
    onReceipt: (hook, outcome, elapsedMs, status) => {
      hookActivity.record();
      metrics.observeReceipt(hook, outcome, elapsedMs, status);
      overrides.onReceipt?.(hook, outcome, elapsedMs, status);
    },
    readiness: serviceReadiness({
      database,
      rules,
      migrated: () => migrated,
      accepting: () => accepting,
      stream: streamProbe,
    }),
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

  // Reads add whatever is not rolled up yet, so this only bounds how much that is.
  const statsRollUp = statsRollUpJob(rawQuery(database.db), logger, STATS_ROLL_UP_INTERVAL_MS);

  // Last, once start-up has run the rest of the service's code for the first time: some of that
  // makes V8 discard optimized code across the board, the warm-up's with it. Measured: the first
  // response Node's HTTP client parsed (Stream's GET /app above) changed a prototype chain the
  // text path's optimized code relied on (see also settleIteratorResultFields in warm-up.ts).
  rules.warmUp();

  return {
    app,
    metrics,
    config: effective,
    database,
    dispatcher,
    sweeper,
    rules,
    queueEvents,
    backtests: backtests.runner,
    ruleHistory,
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
      statsRollUp.start();
      rules.watch();
    },
    async shutdown() {
      accepting = false;
      rules.close();
      await queueEvents.close();
      await backtests.runner.close();
      await retention?.stop();
      await plannerStatistics?.stop();
      await statsRollUp.stop();
      await sweeper.stop();
      await dispatcher.stop(config.shutdownTimeoutMs);
      await ruleHistory.close();
      migrated = false;
      if (!overrides.database) await database.close();
    },
  };
}
