import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { PATIENCE_MS } from "./patience.ts";

// Runs the service as a separate process, exactly as `npm start` does, so a fault test can kill
// it for real (SIGKILL leaves leases, half-sent calls and open transactions behind, as a crash
// does) and restart it on the same port.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A port nothing listens on now (the OS picks it; a race with another process is unlikely). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ReplicaOptions {
  name: string;
  env: Record<string, string>;
  port?: number;
  readyTimeoutMs?: number;
  /** Restart the process when it exits on its own, as systemd or Kubernetes would. */
  supervise?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Replica {
  readonly name: string;
  port = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<ExitInfo> | undefined;
  /** The last lines the process wrote, for a failing test's message. */
  private readonly output: string[] = [];
  starts = 0;
  /** Exits nobody asked for (a crash): a fault test fails if there are any. */
  readonly unexpectedExits: string[] = [];
  private stopRequested = false;
  private closed = false;
  /** Between spawn and ready: an exit then is a failed start, reported by start() itself. */
  private starting = false;
  /** A supervised restart under way. */
  private restarting: Promise<void> | undefined;

  constructor(private readonly options: ReplicaOptions) {
    this.name = options.name;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answered /readyz since its last start and has not exited since. */
  ready = false;

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and resolves once /readyz answers 200. */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    if (!this.port) this.port = this.options.port ?? (await freePort());
    this.starts++;
    this.stopRequested = false;
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NODE_ENV: "test",
        HOST: "127.0.0.1",
        PORT: String(this.port),
        LOG_LEVEL: "warn",
        ...this.options.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.exited = once(child, "exit").then(([code, signal]) => {
      this.ready = false;
      if (!this.stopRequested && !this.starting) {
        this.unexpectedExits.push(
          `${this.name}#${this.starts} exited (code ${code}, signal ${signal}):\n${this.logs()}`,
        );
        if (this.options.supervise && !this.closed) this.restarting = this.superviseRestart();
      }
      return { code, signal } as ExitInfo;
    });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        this.output.push(`[${this.name}#${this.starts}] ${line}`);
        if (this.output.length > 200) this.output.shift();
      }
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.starting = true;
    try {
      await this.waitReady(this.options.readyTimeoutMs ?? PATIENCE_MS);
      this.ready = true;
    } catch (error) {
      this.stopRequested = true;
      child.kill("SIGKILL");
      throw error;
    } finally {
      this.starting = false;
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    let exitedEarly: ExitInfo | undefined;
    void this.exited?.then((info) => {
      exitedEarly = info;
    });
    while (Date.now() < until) {
      if (exitedEarly) {
        throw new Error(
          `${this.name} exited while starting (${JSON.stringify(exitedEarly)}):\n${this.logs()}`,
        );
      }
      const ok = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) })
        .then((response) => response.status === 200)
        .catch(() => false);
      if (ok) return;
      await sleep(50);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.logs()}`);
  }

  /** kill -9: no handler runs, nothing is flushed or released. */
  async kill(): Promise<ExitInfo> {
    if (!this.running) return (await this.exited) ?? { code: null, signal: null };
    this.stopRequested = true;
    this.child?.kill("SIGKILL");
    return this.exited!;
  }

  /** Sends SIGTERM and resolves with how the process exited and how long it took. */
  async terminate(): Promise<ExitInfo & { elapsedMs: number }> {
    const started = Date.now();
    this.stopRequested = true;
    if (this.running) this.child?.kill("SIGTERM");
    const info = (await this.exited) ?? { code: null, signal: null };
    return { ...info, elapsedMs: Date.now() - started };
  }

  /** Restarts until it stays up (it cannot start while, say, its database is down). */
  private async superviseRestart(): Promise<void> {
    while (!this.closed && !this.running) {
      await sleep(200);
      if (this.closed) return;
      try {
        await this.start();
        return;
      } catch {
        // Not up yet; try again.
      }
    }
  }

  /** Stops for good: no supervised restart after this. */
  async close(): Promise<void> {
    this.closed = true;
    await this.restarting;
    await this.kill();
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  logs(): string {
    return this.output.join("\n");
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
