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
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/NODE_ENV is "production"/);
    expect(loadConfig({ NODE_ENV: "production", ...withKeys }).sandbox).toBe(false);
  });

  // Each of these once started in sandbox mode against something real.
  const pointsAtSomethingReal: Array<[Record<string, string>, RegExp]> = [
    [{ NODE_ENV: "Production" }, /NODE_ENV is "Production"/],
    [{ NODE_ENV: "prod" }, /NODE_ENV is "prod"/],
    [{ NODE_ENV: "staging" }, /NODE_ENV is "staging"/],
    [{ DATABASE_URL: "postgres://gatehouse:hunter2@db/gatehouse" }, /DATABASE_URL is set/],
    [{ HOST: "0.0.0.0" }, /HOST "0.0.0.0" is not a loopback address/],
    [{ HOST: "::" }, /HOST "::" is not a loopback address/],
    [{ HOST: "10.0.0.5" }, /HOST "10.0.0.5" is not a loopback address/],
    [{ HOST: "gatehouse.internal" }, /HOST "gatehouse.internal" is not a loopback address/],
  ];
  for (const [env, reason] of pointsAtSomethingReal) {
    it(`refuses the sandbox with ${JSON.stringify(env)}, saying what to set`, () => {
      let message = "";
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toMatch(reason);
      expect(message).toMatch(/Set STREAM_API_KEY and STREAM_API_SECRET/);
      expect(message).toMatch(/SANDBOX=1/);
      expect(message).not.toContain("hunter2");
      // Asked for explicitly, it runs.
      expect(loadConfig({ ...env, SANDBOX: "1" }).sandbox).toBe(true);
      // With credentials it is not the sandbox at all.
      expect(loadConfig({ ...env, ...withKeys }).sandbox).toBe(false);
    });
  }

  it("names every reason at once", () => {
    expect(() => loadConfig({ DATABASE_URL: "postgres://db/x", HOST: "0.0.0.0", NODE_ENV: "prod" })).toThrow(
      /DATABASE_URL is set, and HOST "0.0.0.0" is not a loopback address, and NODE_ENV is "prod"/,
    );
  });

  it("runs the sandbox when nothing points at anything real", () => {
    for (const env of [
      {},
      { NODE_ENV: "development" },
      { NODE_ENV: "test" },
      { HOST: "127.0.0.1" },
      { HOST: "127.8.9.10" },
      { HOST: "::1" },
      { HOST: "[::1]" },
      { HOST: "localhost" },
    ]) {
      expect(loadConfig(env).sandbox, JSON.stringify(env)).toBe(true);
    }
  });

  it("SANDBOX=1 with Stream credentials is a contradiction, and SANDBOX takes only 0 or 1", () => {
    expect(() => loadConfig({ SANDBOX: "1", ...withKeys })).toThrow(/SANDBOX=1 .* STREAM_API_KEY is set/);
    expect(() => loadConfig({ SANDBOX: "yes" })).toThrow(/SANDBOX must be 1/);
    expect(() => loadConfig({ SANDBOX: "0", HOST: "0.0.0.0" })).toThrow(/not a loopback address/);
  });

  it("a database-only tool (the retention pass) may read a config without Stream credentials", () => {
    const env = { DATABASE_URL: "postgres://db/x", NODE_ENV: "production", RETENTION_DAYS: "30" };
    expect(() => loadConfig(env)).toThrow(/DATABASE_URL is set/);
    expect(loadConfig(env, { guardSandbox: false }).databaseUrl).toBe("postgres://db/x");
  });

  // A config error is printed and logged: it names the variable and the rule, never a secret.
  const secretValues: Array<[Record<string, string>, string, RegExp]> = [
    [{ ADMIN_TOKEN: "tooShortSecret1" }, "tooShortSecret1", /ADMIN_TOKEN must be at least 16 characters/],
    [
      { DATABASE_URL: "mysql://gatehouse:s3cr3t-pw@db/gatehouse" },
      "s3cr3t-pw",
      /DATABASE_URL must be a URL starting with postgres:\/\//,
    ],
    [
      { DATABASE_URL: "postgres://gatehouse:s3cr3t-pw@db:notaport/gatehouse" },
      "s3cr3t-pw",
      /DATABASE_URL must be a URL/,
    ],
  ];
  for (const [env, secret, rule] of secretValues) {
    it(`names the rule ${JSON.stringify(Object.keys(env))} breaks without echoing its value`, () => {
      let message = "";
      try {
        loadConfig({ ...withKeys, ...env });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(rule);
      expect(message).not.toContain(secret);
    });
  }

  it("still echoes a value that is no secret, to show what was read", () => {
    expect(() => loadConfig({ ...withKeys, PORT: "eighty" })).toThrow(/\(got "eighty"\)/);
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
