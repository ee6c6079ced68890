import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PATIENCE_MS } from "./patience.ts";
import { hookHeaders } from "./sign.ts";

export const projectRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server.close();
  await once(server, "close");
  return port;
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

/**
 * Runs the service exactly as `npm start` does: `node --import tsx src/main.ts`, or with other
 * node arguments (e.g. a build's `dist/main.js`).
 */
export function startServiceProcess(
  env: Record<string, string>,
  port: number,
  nodeArgs: readonly string[] = ["--import", "tsx", "src/main.ts"],
): ServiceProcess {
  const child = spawn(process.execPath, [...nodeArgs], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: String(port),
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/**
 * Waits until GET /readyz answers 200, or the process exits, or the time runs out. The limit is
 * generous: a first start (initdb, compiling the built-in rules) on a machine shared with other
 * work can take most of a minute.
 */
export async function waitUntilReady(
  service: ServiceProcess,
  timeoutMs = Math.max(PATIENCE_MS, 150_000),
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void service.exited.then(() => {
    exited = true;
  });
  while (Date.now() < until && !exited) {
    try {
      const response = await fetch(`${service.url}/readyz`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`service on ${service.url} did not become ready:\n${service.output()}`);
}

export interface SandboxCredentials {
  apiKey: string;
  apiSecret: string;
  adminToken: string;
}

/** The dev credentials a process in sandbox mode wrote into its DATA_DIR. */
export function sandboxCredentialsIn(dataDir: string): SandboxCredentials {
  return JSON.parse(readFileSync(join(dataDir, "sandbox-credentials.json"), "utf8")) as SandboxCredentials;
}

/** Sends a PassOnPendingMessage hook, signed with the sandbox's credentials, to a running process. */
export function sendSandboxHook(
  url: string,
  credentials: SandboxCredentials,
  payload: unknown,
): Promise<Response> {
  const request = hookHeaders({ apiKey: credentials.apiKey, secret: credentials.apiSecret, body: payload });
  return fetch(`${url}/hooks/stream/PassOnPendingMessage`, {
    method: "POST",
    headers: request.headers,
    body: request.body,
  });
}
