import { loadConfig } from "../config.ts";
import { openMigratedDatabase } from "../db/open.ts";
import { createLogger } from "../log.ts";
import { deleteExpiredHistory } from "./retention.ts";

/**
 * One retention pass from the command line (`npm run retention`), e.g. from cron when replicas
 * run without RETENTION_DAYS. Needs RETENTION_DAYS. With the embedded database it must run while
 * the service is stopped (one process per data directory).
 */
// Only the database is touched: no Stream is called, so a missing STREAM_API_KEY is no sandbox here.
const config = loadConfig(process.env, { guardSandbox: false });
const logger = createLogger(config.logLevel);
if (config.retention.maxAgeMs === undefined) {
  process.stderr.write(
    "RETENTION_DAYS is not set: say how many days of final history to keep, e.g. RETENTION_DAYS=90\n",
  );
  process.exit(2);
}
const database = await openMigratedDatabase(config, { poolSize: 2 });
try {
  const deleted = await deleteExpiredHistory({
    db: database.db,
    logger,
    maxAgeMs: config.retention.maxAgeMs,
  });
  process.stdout.write(
    `deleted the history of ${deleted} messages final for more than ${config.retention.maxAgeMs / 86_400_000} days\n`,
  );
} finally {
  await database.close();
}
