import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { loadConfig } from "../../src/config.ts";
import type { MessageStatus } from "../../src/db/schema/index.ts";
import { createService, type Service, type ServiceOverrides } from "../../src/service.ts";
import { openTestDatabase, type TestDatabase } from "./db.ts";
import { type FakeStream, startFakeStream } from "./fake-stream.ts";
import { PATIENCE_MS } from "./patience.ts";
import { hookHeaders, type PendingMessageOverrides, pendingMessagePayload } from "./sign.ts";

const DEFAULT_TIMEOUT_MS = "60000";
export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface TestServiceOptions {
  /** Extra environment, e.g. PENDING_TIMEOUT_MS. */
  env?: Record<string, string>;
  /** Rules YAML written to a temp file and loaded through RULES_FILE. */
  rulesYaml?: string;
  instanceId?: string;
  /** How backtests read the log (see ServiceOverrides.backtestReads): to hold one mid-replay. */
  backtestReads?: ServiceOverrides["backtestReads"];
}

/** Writes rules to a temp file and returns its path. */
export function writeRulesFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "gatehouse-rules-")), "rules.yaml");
  writeFileSync(path, yaml);
  return path;
}

/** A service wired to a fake Stream and a test database, as main.ts wires the real one. */
export async function startTestService(
  db: TestDatabase,
  stream: FakeStream,
  options: TestServiceOptions = {},
  database = db.database,
): Promise<Service> {
  const config = loadConfig({
    STREAM_API_KEY: stream.apiKey,
    STREAM_API_SECRET: stream.apiSecret,
    STREAM_BASE_URL: stream.url,
    PENDING_TIMEOUT_MS: DEFAULT_TIMEOUT_MS,
    DISPATCH_RESOLVE_GRACE_MS: "300",
    ADMIN_TOKEN,
    LOG_LEVEL: "silent",
    DISPATCH_POLL_MS: "100",
    DISPATCH_LEASE_MS: "5000",
    STREAM_TIMEOUT_MS: "1000",
    ...(options.rulesYaml ? { RULES_FILE: writeRulesFile(options.rulesYaml) } : {}),
    ...options.env,
  });
  return createService(config, {
    database,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    instanceId: options.instanceId,
    backtestReads: options.backtestReads,
  });
}

export interface HookOptions {
  webhookId?: string;
  attempt?: number;
  gzip?: boolean;
  signature?: string;
  apiKey?: string;
}

/** Sends a hook to a service in-process, signed with the fake Stream's secret as Stream would. */
export async function sendSignedHook(
  service: Service,
  stream: FakeStream,
  name: "PassOnPendingMessage" | "DeletedPendingMessage",
  payload: unknown,
  options: HookOptions = {},
): Promise<Response> {
  const request = hookHeaders({
    apiKey: options.apiKey ?? stream.apiKey,
    secret: stream.apiSecret,
    body: payload,
    webhookId: options.webhookId,
    attempt: options.attempt,
    gzip: options.gzip,
    signature: options.signature,
  });
  return service.app.request(`${service.config.hookPath}/${name}`, {
    method: "POST",
    headers: request.headers,
    body: request.body,
  });
}

/** Several replicas on one database, each with a connection pool of its own (Postgres only). */
export function startReplicas(
  db: TestDatabase,
  stream: FakeStream,
  instanceIds: string[],
  options: Omit<TestServiceOptions, "instanceId"> & { poolSize?: number } = {},
): Promise<Service[]> {
  const { poolSize, ...serviceOptions } = options;
  return Promise.all(
    instanceIds.map((instanceId) =>
      startTestService(db, stream, { ...serviceOptions, instanceId }, db.openPool(poolSize)),
    ),
  );
}

/** One test's world: a database of its own, a fake Stream, and a service between them. */
export interface Harness {
  db: TestDatabase;
  stream: FakeStream;
  service: Service;
  /** Sends a signed hook to the service in-process; the message is registered as pending in the fake. */
  hook(
    name: "PassOnPendingMessage" | "DeletedPendingMessage",
    payload: unknown,
    options?: {
      webhookId?: string;
      attempt?: number;
      gzip?: boolean;
      signature?: string;
      apiKey?: string;
      to?: Service;
    },
  ): Promise<Response>;
  /** A realistic payload whose message the fake Stream holds as pending. */
  pending(overrides?: PendingMessageOverrides): ReturnType<typeof pendingMessagePayload>;
  status(id: string): Promise<MessageStatus | undefined>;
  /** Polls until the message reaches one of the statuses (or fails after timeoutMs). */
  waitForStatus(id: string, statuses: MessageStatus[], timeoutMs?: number): Promise<MessageStatus>;
  close(): Promise<void>;
}

export async function startHarness(
  options: TestServiceOptions & { startWorkers?: boolean } = {},
): Promise<Harness> {
  const db = await openTestDatabase();
  // The fake expires pending messages at the same timeout the service is told about.
  const stream = await startFakeStream({
    pendingTimeoutMs: Number(options.env?.PENDING_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS),
  });
  const service = await startTestService(db, stream, options);
  if (options.startWorkers !== false) service.startWorkers();

  const status = async (id: string) => {
    const { messages } = await import("../../src/db/schema/index.ts");
    const { eq } = await import("drizzle-orm");
    const [row] = await db.database.db
      .select({ status: messages.status })
      .from(messages)
      .where(eq(messages.id, id));
    return row?.status;
  };

  return {
    db,
    stream,
    service,
    hook(name, payload, { to, ...hookOptions } = {}) {
      return sendSignedHook(to ?? service, stream, name, payload, hookOptions);
    },
    pending(overrides) {
      const payload = pendingMessagePayload(overrides);
      // As Stream holds it: with the sender's pending_message_metadata, shown by GET while pending.
      stream.sim.addPending(payload.message, payload.metadata);
      return payload;
    },
    status,
    async waitForStatus(id, statuses, timeoutMs = PATIENCE_MS) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const current = await status(id);
        if (current && statuses.includes(current)) return current;
        if (Date.now() > until)
          throw new Error(`message ${id} is ${current ?? "unknown"}, expected ${statuses.join(" or ")}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async close() {
      await service.shutdown();
      await stream.close();
      await db.close();
    },
  };
}
