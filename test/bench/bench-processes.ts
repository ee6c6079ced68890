// The processes a benchmark runs besides itself: Gatehouse (or the bare Hono ceiling) as a
// server of its own, and the load generator (load-generator.ts), each in a child process so no
// two share an event loop.
import { type ChildProcess, fork, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { projectRoot } from "../support/process.ts";
import type { HealthProbe, ProberRequest } from "./health-prober.ts";
import type { LoadRequest, LoadResult } from "./load-generator.ts";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export interface Server {
  child: ChildProcess;
  url: string;
  /** The last 20 kB the process wrote. */
  output(): string;
  /** Lines written so far (LOG_LEVEL=warn: warnings and errors). */
  lines(): number;
  stop(): Promise<void>;
}

/** Where the benchmarked service takes hooks. */
export const HOOK_PATH = "/hooks/stream";

/**
 * The environment of a Gatehouse benchmarked against the benchmark's Stream (commit-sink.ts),
 * besides its storage and rules: a pending timeout of ten minutes, so no message expires during
 * a run and Gatehouse need not ask GET /app, and only warnings logged.
 */
export function serviceEnv(port: number, stream: { apiKey: string; apiSecret: string; url: string }) {
  return {
    PORT: String(port),
    HOOK_PATH,
    STREAM_API_KEY: stream.apiKey,
    STREAM_API_SECRET: stream.apiSecret,
    STREAM_BASE_URL: stream.url,
    PENDING_TIMEOUT_MS: "600000",
    LOG_LEVEL: "warn",
  };
}

export function startServer(entry: string, env: Record<string, string>, nodeFlags: string[] = []): Server {
  const child = spawn(process.execPath, [...nodeFlags, "--import", "tsx", entry], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let lines = 0;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    lines += text.split("\n").length - 1;
    output = (output + text).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    url: `http://127.0.0.1:${env.PORT}`,
    output: () => output,
    lines: () => lines,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export async function waitReady(server: Server, timeoutMs = 300_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && server.child.exitCode === null) {
    try {
      if ((await fetch(`${server.url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${server.url} did not become ready:\n${server.output()}`);
}

/** A benchmark helper in a child process of its own, asked one thing at a time over IPC. */
class HelperProcess<Request, Reply> {
  private readonly child: ChildProcess;

  constructor(file: string) {
    this.child = fork(here(file), [], {
      execArgv: ["--import", "tsx"],
      cwd: projectRoot,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  ask(request: Request): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.child.once("message", (reply: { ok: boolean; error?: string } & Reply) =>
        reply.ok ? resolve(reply) : reject(new Error(reply.error)),
      );
      this.child.send(request as object);
    });
  }

  close(): void {
    this.child.disconnect();
  }
}

export class LoadGenerator extends HelperProcess<LoadRequest, { result: LoadResult }> {
  constructor() {
    super("./load-generator.ts");
  }

  async run(request: LoadRequest): Promise<LoadResult> {
    return (await this.ask(request)).result;
  }
}

/** Asks GET /healthz every few milliseconds from its own process (health-prober.ts). */
export class HealthProber extends HelperProcess<ProberRequest, { probes?: HealthProbe[] }> {
  constructor() {
    super("./health-prober.ts");
  }

  async start(url: string): Promise<void> {
    await this.ask({ start: url });
  }

  /** Stops asking; every probe since start, on the machine's clock. */
  async stop(): Promise<HealthProbe[]> {
    return (await this.ask({ stop: true })).probes ?? [];
  }
}
