import { serve } from "@hono/node-server";
import { ConfigError, loadConfig } from "./config.ts";
import { DataDirLockedError } from "./db/pglite-lock.ts";
import { RulesLoadError } from "./rules/index.ts";
import { sampleHookCommand } from "./sandbox/credentials.ts";
import { createService } from "./service.ts";

/**
 * Reads the configuration, opens and migrates the database, serves HTTP, starts the workers, and
 * drains on SIGTERM/SIGINT. A configuration that cannot work stops the process at once with a
 * message saying what to fix.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const service = await createService(config);
  const { logger } = service;

  const server = serve({ fetch: service.app.fetch, hostname: config.host, port: config.port }, (info) => {
    logger.info(
      {
        port: info.port,
        host: config.host,
        database: service.database.kind,
        sandbox: config.sandbox,
        instance: service.instanceId,
      },
      "gatehouse listening",
    );
    if (service.sandbox)
      printSandboxBanner(
        `http://${config.host}:${info.port}`,
        service.config.hookPath,
        service.sandbox.credentials,
      );
  });
  service.startWorkers();

  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, "shutting down: no new hooks, finishing work under way");
    const hardStop = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000).unref();
    await service.shutdown();
    server.close();
    clearTimeout(hardStop);
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGHUP", () => service.rules.reload("sighup"));
}

function printSandboxBanner(
  baseUrl: string,
  hookPath: string,
  credentials: { apiKey: string; apiSecret: string; adminToken: string },
): void {
  const lines = [
    "",
    "  Gatehouse is running in SANDBOX mode: no STREAM_API_KEY is set, so it talks to a built-in",
    "  simulated Stream. Set STREAM_API_KEY and STREAM_API_SECRET to moderate a real app.",
    "",
    `  dev API key:     ${credentials.apiKey}`,
    `  dev API secret:  ${credentials.apiSecret}`,
    `  admin token:     ${credentials.adminToken}`,
    "",
    "  Send a signed test hook:",
    "",
    sampleHookCommand(`${baseUrl}${hookPath}`, credentials)
      .split("\n")
      .map((line) => `    ${line}`)
      .join("\n"),
    "",
    "  Then look at what happened to it (use the message_id the hook answered with):",
    "",
    `    curl -s -H "Authorization: Bearer ${credentials.adminToken}" ${baseUrl}/api/messages/<message_id>`,
    "",
  ];
  process.stderr.write(`${lines.join("\n")}\n`);
}

main().catch((error: unknown) => {
  const known =
    error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof RulesLoadError;
  process.stderr.write(`gatehouse: ${known ? (error as Error).message : (error as Error).stack}\n`);
  process.exit(1);
});
