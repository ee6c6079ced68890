import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

const withKeys = { STREAM_API_KEY: "key", STREAM_API_SECRET: "secret" };

describe("configuration", () => {
  it("defaults match the contract", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8787,
      host: "127.0.0.1",
      databaseUrl: undefined,
      dataDir: "./.data",
      sandbox: true,
      stream: { baseUrl: "https://chat.stream-io-api.com" },
      pendingTimeoutMs: undefined,
      defaultPendingTimeoutMs: 259_200_000,
      hookPath: "/hooks/stream",
      maxBodyBytes: 1_048_576,
      apiBodyLimitBytes: 65_536,
      logLevel: "info",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads every variable", () => {
    const config = loadConfig({
      PORT: "9000",
      HOST: "0.0.0.0",
      DATABASE_URL: "postgres://u@db:5432/gatehouse",
      DATA_DIR: "/var/lib/gatehouse",
      STREAM_API_KEY: "k",
      STREAM_API_SECRET: "new-secret, old-secret",
      STREAM_BASE_URL: "https://chat.example",
      PENDING_TIMEOUT_MS: "60000,120000",
      RULES_FILE: "/etc/gatehouse/rules.yaml",
      ADMIN_TOKEN: "a-long-enough-admin-token",
      HOOK_PATH: "/stream/pending",
      MAX_BODY_BYTES: "2048",
      API_BODY_LIMIT_BYTES: "4096",
      LOG_LEVEL: "debug",
    });
    expect(config).toMatchObject({
      port: 9000,
      host: "0.0.0.0",
      databaseUrl: "postgres://u@db:5432/gatehouse",
      dataDir: "/var/lib/gatehouse",
      sandbox: false,
      stream: { apiKey: "k", secrets: ["new-secret", "old-secret"], baseUrl: "https://chat.example" },
      pendingTimeoutMs: 120_000,
      rulesFile: "/etc/gatehouse/rules.yaml",
      adminToken: "a-long-enough-admin-token",
      hookPath: "/stream/pending",
      maxBodyBytes: 2048,
      apiBodyLimitBytes: 4096,
      logLevel: "debug",
    });
  });

  const invalid: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: "eighty" }, /PORT must be a whole number \(got "eighty"\)/],
    [{ PORT: "70000" }, /PORT must be between 0 and 65535/],
    [
      { DISPATCH_LEASE_MS: "10000", STREAM_TIMEOUT_MS: "5000" },
      /DISPATCH_LEASE_MS: 10000 is too short for STREAM_TIMEOUT_MS 5000; it must be at least twice STREAM_TIMEOUT_MS plus 1000 \(11000\)/,
    ],
    [{ STREAM_TIMEOUT_MS: "20000" }, /DISPATCH_LEASE_MS: 30000 is too short for STREAM_TIMEOUT_MS 20000/],
    [
      { DATABASE_URL: "mysql://x" },
      /DATABASE_URL must be a URL starting with postgres:\/\/ or postgresql:\/\//,
    ],
    [{ STREAM_BASE_URL: "not a url" }, /STREAM_BASE_URL must be a URL/],
    [{ PENDING_TIMEOUT_MS: "1,2,3" }, /PENDING_TIMEOUT_MS must be one or two positive whole numbers/],
    [{ PENDING_TIMEOUT_MS: "-5" }, /PENDING_TIMEOUT_MS/],
    [{ ADMIN_TOKEN: "short" }, /ADMIN_TOKEN must be at least 16 characters/],
    [{ HOOK_PATH: "hooks" }, /HOOK_PATH must start with \//],
    [{ HOOK_PATH: "/hooks/" }, /HOOK_PATH must start with \/ and not end with \//],
    [{ MAX_BODY_BYTES: "10" }, /MAX_BODY_BYTES must be between/],
    [{ API_BODY_LIMIT_BYTES: "10" }, /API_BODY_LIMIT_BYTES must be between/],
    [{ API_BODY_LIMIT_BYTES: "64k" }, /API_BODY_LIMIT_BYTES must be a whole number/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ PLANNER_STATISTICS_INTERVAL_MS: "-1" }, /PLANNER_STATISTICS_INTERVAL_MS must be a whole number/],
    [{ PLANNER_STATISTICS_INTERVAL_MS: "9999999" }, /PLANNER_STATISTICS_INTERVAL_MS must be between 0 and/],
    [{ STREAM_API_SECRET: "" }, /STREAM_API_SECRET: required when STREAM_API_KEY is set/],
    [{ STREAM_API_KEY: "" }, /STREAM_API_KEY: required when STREAM_API_SECRET is set/],
  ];
  for (const [env, message] of invalid) {
    it(`refuses ${JSON.stringify(env)} naming the variable`, () => {
      expect(() => loadConfig({ ...withKeys, ...env })).toThrow(message);
    });
  }

  it("reports every invalid variable at once", () => {
    try {
      loadConfig({ PORT: "x", LOG_LEVEL: "loud" });
      expect.fail("should have thrown");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/PORT/);
      expect((error as Error).message).toMatch(/LOG_LEVEL/);
    }
  });

  it("sandbox mode cannot be entered by accident in production", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(
      /NODE_ENV is production but no Stream credentials/,
    );
    expect(loadConfig({ NODE_ENV: "production", ...withKeys }).sandbox).toBe(false);
  });

  it("planner statistics: every 5 s by default, any interval, 0 for never", () => {
    expect(loadConfig({}).plannerStatisticsIntervalMs).toBe(5000);
    expect(loadConfig({ PLANNER_STATISTICS_INTERVAL_MS: "60000" }).plannerStatisticsIntervalMs).toBe(60_000);
    expect(loadConfig({ PLANNER_STATISTICS_INTERVAL_MS: "0" }).plannerStatisticsIntervalMs).toBe(0);
  });

  it("an empty variable counts as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "" })).toMatchObject({ port: 8787, databaseUrl: undefined });
  });
});
