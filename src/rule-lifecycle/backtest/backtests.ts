import type { Logger } from "pino";
import type { Config } from "../../config.ts";
import { type Db, type RawQuery, rawQuery } from "../../db/client.ts";
import type { RuleSet } from "../../rules/types.ts";
import { BacktestRunner } from "./runner.ts";
import { BacktestStore } from "./store.ts";

/** What the backtest routes work with: the runner of this replica and the shared table. */
export interface Backtests {
  runner: BacktestRunner;
  store: BacktestStore;
}

export interface BacktestsOptions {
  db: Db;
  /** Postgres only: the worker reads through a connection of its own to this URL. */
  connectionUrl?: string;
  rules: () => RuleSet;
  replica: string;
  logger: Pick<Logger, "info" | "warn" | "error">;
  settings: Config["backtest"];
  hooksFlowing?: () => boolean;
  /** Tests: wrap the window reads (they then go through `db`, on Postgres too), set the batch size. */
  reads?: { wrap?: (query: RawQuery) => RawQuery; batchSize?: number };
}

export function createBacktests(options: BacktestsOptions): Backtests {
  const store = new BacktestStore(rawQuery(options.db));
  const { wrap, batchSize } = options.reads ?? {};
  const runner = new BacktestRunner({
    store,
    query: wrap ? wrap(rawQuery(options.db)) : rawQuery(options.db),
    // The worker's own connection would bypass a wrapper.
    ...(options.connectionUrl && !wrap ? { databaseUrl: options.connectionUrl } : {}),
    ...(batchSize ? { batchSize } : {}),
    activeRules: options.rules,
    replica: options.replica,
    logger: options.logger,
    keepMs: options.settings.keepMs,
    maxMemoryMb: options.settings.maxMemoryMb,
    ...(options.hooksFlowing ? { hooksFlowing: options.hooksFlowing } : {}),
  });
  return { runner, store };
}
