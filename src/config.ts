import ipaddr from "ipaddr.js";
import { z } from "zod";

/**
 * The only reader of process.env. Every variable is parsed once, and an invalid one stops the
 * service at start with a message naming it, instead of surfacing as a strange failure later.
 */

const DEFAULT_PENDING_TIMEOUT_MS = 259_200_000; // Stream's default: 3 days

const integer = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

const timeoutList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const parts = value.split(",").map((part) => part.trim());
    const numbers = parts.map(Number);
    if (parts.length > 2 || numbers.some((n, i) => !/^\d+$/.test(parts[i] ?? "") || n < 1)) {
      ctx.addIssue({
        code: "custom",
        message:
          "PENDING_TIMEOUT_MS must be one or two positive whole numbers of milliseconds, comma-separated",
      });
      return z.NEVER;
    }
    return numbers;
  });

const urlString = (name: string, protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
    );

/** Values that must never appear in an error message, however wrong they are. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(["ADMIN_TOKEN", "STREAM_API_SECRET", "DATABASE_URL"]);

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  SANDBOX: z.enum(["0", "1"], "SANDBOX must be 1 (run the sandbox even here) or 0").optional(),
  PORT: integer("PORT", 0, 65535).default(8787),
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  DATABASE_URL: urlString("DATABASE_URL", ["postgres:", "postgresql:"]).optional(),
  DATABASE_POOL_SIZE: integer("DATABASE_POOL_SIZE", 1, 1000).default(10),
  DATA_DIR: z.string().trim().min(1).default("./.data"),
  EMBEDDED_FSYNC: z.enum(["on", "off"]).default("on"),
  STREAM_API_KEY: z.string().trim().min(1).optional(),
  STREAM_API_SECRET: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .optional(),
  STREAM_BASE_URL: urlString("STREAM_BASE_URL", ["http:", "https:"]).default(
    "https://chat.stream-io-api.com",
  ),
  STREAM_TIMEOUT_MS: integer("STREAM_TIMEOUT_MS", 100, 60_000).default(5000),
  PENDING_TIMEOUT_MS: timeoutList.optional(),
  RULES_FILE: z.string().trim().min(1).optional(),
  ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN must be at least 16 characters").optional(),
  HOOK_PATH: z
    .string()
    .trim()
    .regex(/^\/[A-Za-z0-9/_.-]*[^/]$/, "HOOK_PATH must start with / and not end with /")
    .default("/hooks/stream"),
  MAX_BODY_BYTES: integer("MAX_BODY_BYTES", 1024, 64 * 1024 * 1024).default(1_048_576),
  API_BODY_LIMIT_BYTES: integer("API_BODY_LIMIT_BYTES", 1024, 64 * 1024 * 1024).default(65_536),
  RECEIPT_TIMEOUT_MS: integer("RECEIPT_TIMEOUT_MS", 100, 60_000).default(4000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DISPATCH_LEASE_MS: integer("DISPATCH_LEASE_MS", 1000, 3_600_000).default(30_000),
  DISPATCH_POLL_MS: integer("DISPATCH_POLL_MS", 50, 600_000).default(1000),
  DISPATCH_CONCURRENCY: integer("DISPATCH_CONCURRENCY", 1, 1000).default(128),
  DISPATCH_RESOLVE_GRACE_MS: integer("DISPATCH_RESOLVE_GRACE_MS", 0, 3_600_000).default(10_000),
  DISPATCH_LOOKUP_LIMIT: integer("DISPATCH_LOOKUP_LIMIT", 1, 1000).default(10),
  SHUTDOWN_TIMEOUT_MS: integer("SHUTDOWN_TIMEOUT_MS", 0, 600_000).default(10_000),
  RECEIPT_BATCH_MAX: integer("RECEIPT_BATCH_MAX", 1, 10_000).default(128),
  RECEIPT_BATCH_CONCURRENCY: integer("RECEIPT_BATCH_CONCURRENCY", 1, 1000).default(4),
  RETENTION_DAYS: integer("RETENTION_DAYS", 1, 36_500).optional(),
  RETENTION_INTERVAL_MS: integer("RETENTION_INTERVAL_MS", 1000, 86_400_000).default(3_600_000),
  PLANNER_STATISTICS_INTERVAL_MS: integer("PLANNER_STATISTICS_INTERVAL_MS", 0, 3_600_000).default(5000),
  BACKTEST_BODY_LIMIT_BYTES: integer("BACKTEST_BODY_LIMIT_BYTES", 1024, 64 * 1024 * 1024).default(4_194_304),
  BACKTEST_KEEP_DAYS: integer("BACKTEST_KEEP_DAYS", 1, 3650).default(7),
  BACKTEST_MAX_MEMORY_MB: integer("BACKTEST_MAX_MEMORY_MB", 128, 65_536).default(1024),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  /** Embedded database: fsync the WAL a receipt wrote before answering its hook. */
  embeddedFsync: boolean;
  /** No Stream credentials: run against the built-in simulated Stream. */
  sandbox: boolean;
  stream: {
    apiKey: string | undefined;
    /** The first signs our calls; any of them verifies a hook (rotation). */
    secrets: string[];
    baseUrl: string;
    timeoutMs: number;
  };
  /** From PENDING_TIMEOUT_MS; undefined means "ask Stream's GET /app". */
  pendingTimeoutMs: number | undefined;
  defaultPendingTimeoutMs: number;
  rulesFile: string | undefined;
  adminToken: string | undefined;
  hookPath: string;
  maxBodyBytes: number;
  /** Largest body accepted by an /api route, checked before anything reads the body. */
  apiBodyLimitBytes: number;
  /** A hook whose receipt is not durable within this answers 503 (Stream waits about 6 s). */
  receiptTimeoutMs: number;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  dispatch: {
    leaseMs: number;
    pollMs: number;
    concurrency: number;
    resolveGraceMs: number;
    /** Failed lookups of a commit's outcome before it is given up on. */
    lookupLimit: number;
  };
  shutdownTimeoutMs: number;
  /** Group commit of hook receipts: receipts per statement, statements under way at once. */
  receiptBatch: { max: number; concurrency: number };
  /** Delete the history of messages final for longer than this; undefined keeps everything. */
  retention: { maxAgeMs: number | undefined; intervalMs: number };
  /** POST /api/rules/backtest: its body limit, how long results are kept, the worker's heap. */
  backtest: { bodyLimitBytes: number; keepMs: number; maxMemoryMb: number };
  /** How often to look for hot tables that doubled since their last ANALYZE; 0: never. */
  plannerStatisticsIntervalMs: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const DEVELOPMENT_NODE_ENVS: ReadonlySet<string | undefined> = new Set([undefined, "development", "test"]);

/**
 * Sandbox mode (no Stream credentials) prints a dev admin token and "commits" to a simulated
 * Stream. It is what you get only when nothing points at anything real: a real database, an
 * address others can reach, or a NODE_ENV other than development or test each mean a forgotten
 * STREAM_API_KEY rather than a developer trying the service out.
 */
function refuseAccidentalSandbox(e: z.infer<typeof envSchema>): void {
  const reasons = [
    e.DATABASE_URL !== undefined && "DATABASE_URL is set",
    !isLoopback(e.HOST) && `HOST ${JSON.stringify(e.HOST)} is not a loopback address`,
    !DEVELOPMENT_NODE_ENVS.has(e.NODE_ENV) &&
      `NODE_ENV is ${JSON.stringify(e.NODE_ENV)} (only unset, development or test allow the sandbox)`,
  ].filter((reason): reason is string => typeof reason === "string");
  if (reasons.length === 0) return;
  throw new ConfigError(
    `Invalid configuration:\n  STREAM_API_KEY: not set, which means sandbox mode, but ${reasons.join(", and ")}. ` +
      "Set STREAM_API_KEY and STREAM_API_SECRET to moderate a real app, or SANDBOX=1 to run the sandbox here on purpose",
  );
}

function isLoopback(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  const address = host.replace(/^\[(.*)\]$/, "$1");
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return parsed.range() === "loopback";
}

export interface LoadOptions {
  /**
   * Refuse sandbox mode where something real is configured (default). A command-line tool that
   * only works on the database (a retention pass) talks to no Stream and prints no token.
   */
  guardSandbox?: boolean;
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  { guardSandbox = true }: LoadOptions = {},
): Readonly<Config> {
  // An empty variable means "unset": that is how most deployment tools blank a value.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "environment");
      // A secret is named with the rule it breaks, never echoed: the message ends up in logs.
      const got =
        env[name] === undefined || SECRET_VARIABLES.has(name) ? "" : ` (got ${JSON.stringify(env[name])})`;
      const message = issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
      return `  ${message}${got}`;
    });
    throw new ConfigError(`Invalid configuration:\n${problems.join("\n")}`);
  }
  const e = parsed.data;
  const secrets = e.STREAM_API_SECRET ?? [];
  if (e.STREAM_API_KEY && secrets.length === 0) {
    throw new ConfigError(
      "Invalid configuration:\n  STREAM_API_SECRET: required when STREAM_API_KEY is set (the app's secret from the Stream dashboard)",
    );
  }
  if (!e.STREAM_API_KEY && secrets.length > 0) {
    throw new ConfigError("Invalid configuration:\n  STREAM_API_KEY: required when STREAM_API_SECRET is set");
  }
  // One lease covers a commit and the lookup that may follow it, each up to STREAM_TIMEOUT_MS,
  // plus the database work around them. A lease that runs out first lets another replica repeat
  // a call still under way.
  const leaseFloorMs = 2 * e.STREAM_TIMEOUT_MS + 1000;
  if (e.DISPATCH_LEASE_MS < leaseFloorMs) {
    throw new ConfigError(
      `Invalid configuration:\n  DISPATCH_LEASE_MS: ${e.DISPATCH_LEASE_MS} is too short for STREAM_TIMEOUT_MS ${e.STREAM_TIMEOUT_MS}; ` +
        `it must be at least twice STREAM_TIMEOUT_MS plus 1000 (${leaseFloorMs}), so a lease outlasts a commit and the lookup after it. ` +
        "Raise DISPATCH_LEASE_MS or lower STREAM_TIMEOUT_MS",
    );
  }
  if (e.STREAM_API_KEY && e.SANDBOX === "1") {
    throw new ConfigError(
      "Invalid configuration:\n  SANDBOX: SANDBOX=1 runs against the simulated Stream, but STREAM_API_KEY is set; unset one of them",
    );
  }
  const sandbox = !e.STREAM_API_KEY;
  if (sandbox && guardSandbox && e.SANDBOX !== "1") refuseAccidentalSandbox(e);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    dataDir: e.DATA_DIR,
    embeddedFsync: e.EMBEDDED_FSYNC === "on",
    sandbox,
    stream: { apiKey: e.STREAM_API_KEY, secrets, baseUrl: e.STREAM_BASE_URL, timeoutMs: e.STREAM_TIMEOUT_MS },
    pendingTimeoutMs: e.PENDING_TIMEOUT_MS ? Math.max(...e.PENDING_TIMEOUT_MS) : undefined,
    defaultPendingTimeoutMs: DEFAULT_PENDING_TIMEOUT_MS,
    rulesFile: e.RULES_FILE,
    adminToken: e.ADMIN_TOKEN,
    hookPath: e.HOOK_PATH,
    maxBodyBytes: e.MAX_BODY_BYTES,
    apiBodyLimitBytes: e.API_BODY_LIMIT_BYTES,
    receiptTimeoutMs: e.RECEIPT_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    dispatch: {
      leaseMs: e.DISPATCH_LEASE_MS,
      pollMs: e.DISPATCH_POLL_MS,
      concurrency: e.DISPATCH_CONCURRENCY,
      resolveGraceMs: e.DISPATCH_RESOLVE_GRACE_MS,
      lookupLimit: e.DISPATCH_LOOKUP_LIMIT,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    receiptBatch: { max: e.RECEIPT_BATCH_MAX, concurrency: e.RECEIPT_BATCH_CONCURRENCY },
    retention: {
      maxAgeMs: e.RETENTION_DAYS === undefined ? undefined : e.RETENTION_DAYS * 86_400_000,
      intervalMs: e.RETENTION_INTERVAL_MS,
    },
    plannerStatisticsIntervalMs: e.PLANNER_STATISTICS_INTERVAL_MS,
    backtest: {
      bodyLimitBytes: e.BACKTEST_BODY_LIMIT_BYTES,
      keepMs: e.BACKTEST_KEEP_DAYS * 86_400_000,
      maxMemoryMb: e.BACKTEST_MAX_MEMORY_MB,
    },
  });
}
