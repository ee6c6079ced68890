import type { Config } from "../config.ts";
import { type SandboxCredentials, sandboxCredentials } from "../sandbox/credentials.ts";
import { createSimulatedStream, type SimulatedStream } from "../sandbox/simulated-stream.ts";
import { createStreamClient, type StreamClient } from "./stream-client.ts";

export interface StreamConnection {
  stream: StreamClient;
  /** Set in sandbox mode: the simulated Stream and the dev credentials it was given. */
  sandbox: { credentials: SandboxCredentials; stream: SimulatedStream } | undefined;
  /**
   * The configuration the rest of the service runs on: in sandbox mode hooks are checked against
   * the dev key and secret, and the dev admin token stands in for an unset ADMIN_TOKEN.
   */
  config: Config;
}

/** The Stream this service calls: the app's, or in sandbox mode a simulated one in this process. */
export function connectStream(config: Config): StreamConnection {
  if (!config.sandbox) {
    const stream = createStreamClient({
      apiKey: config.stream.apiKey!,
      secret: config.stream.secrets[0]!,
      baseUrl: config.stream.baseUrl,
      timeoutMs: config.stream.timeoutMs,
    });
    return { stream, sandbox: undefined, config };
  }
  const credentials = sandboxCredentials(config.dataDir);
  const simulated = createSimulatedStream({
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    autoCreatePending: true,
    // A sandbox may run for days: keep the recent calls and messages, not all of them.
    maxLedgerEntries: 1000,
    maxMessages: 10_000,
  });
  const stream = createStreamClient({
    apiKey: credentials.apiKey,
    secret: credentials.apiSecret,
    baseUrl: "http://simulated-stream.local",
    timeoutMs: config.stream.timeoutMs,
    fetch: simulated.fetch as typeof fetch,
  });
  return {
    stream,
    sandbox: { credentials, stream: simulated },
    config: {
      ...config,
      adminToken: config.adminToken ?? credentials.adminToken,
      stream: { ...config.stream, apiKey: credentials.apiKey, secrets: [credentials.apiSecret] },
    },
  };
}
