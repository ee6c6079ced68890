// The benchmark's Stream: a plain node:http server that takes commit calls the way Stream does and
// records each one, and nothing else. The real Stream runs on other machines; the full simulator
// (test/support/fake-stream.ts, with fault injection and a web Request per call) spends several
// times Gatehouse's own CPU per call, which on a 2-core machine would be measured as Gatehouse's
// slowness. This one still refuses a wrong API key or server token, and a second commit of one
// message, as Stream does, so the exactly-once check reads the same ledger it would.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyServerToken } from "../../src/sandbox/server-token.ts";

export interface SinkCall {
  at: number;
  operation: "commit" | "other";
  messageId: string | undefined;
  /** This call committed the message (the first commit of it). */
  applied: boolean;
  status: number;
}

export interface CommitSink {
  url: string;
  apiKey: string;
  apiSecret: string;
  ledger: SinkCall[];
  close(): Promise<void>;
}

const COMMIT_PATH = /^\/messages\/([^/]+)\/commit$/;

function answer(outgoing: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  outgoing.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  outgoing.end(text);
}

export async function startCommitSink(): Promise<CommitSink> {
  const apiKey = "bench-stream-key";
  const apiSecret = `bench-stream-secret-${randomUUID()}`;
  const ledger: SinkCall[] = [];
  const committed = new Set<string>();
  // Gatehouse signs every call with the same server token: check its signature once.
  const goodTokens = new Set<string>();

  /** Stream's answer to one call, recorded on its ledger entry. */
  function decide(incoming: IncomingMessage, url: URL, call: SinkCall): [number, unknown] {
    if (url.searchParams.get("api_key") !== apiKey) return [401, { message: "api_key not valid" }];
    const token = incoming.headers.authorization;
    if (!token || !goodTokens.has(token)) {
      const check = verifyServerToken(token, apiSecret);
      if (!check.ok) return [401, { code: check.code, message: check.reason }];
      if (token) goodTokens.add(token);
    }
    // Readiness asks GET /app once at start (and now and then): answer it as Stream would.
    if (incoming.method === "GET" && url.pathname === "/app") return [200, { app: { name: "bench" } }];
    if (call.operation !== "commit" || !call.messageId) {
      return [
        501,
        { message: `the benchmark's Stream only takes commits, not ${incoming.method} ${url.pathname}` },
      ];
    }
    if (committed.has(call.messageId)) {
      return [400, { code: 4, message: "CommitMessage failed: message is not pending" }];
    }
    committed.add(call.messageId);
    call.applied = true;
    return [201, { message: { id: call.messageId, type: "regular" }, duration: "0.01ms" }];
  }

  function handle(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const url = new URL(incoming.url ?? "/", "http://sink");
    const commit = incoming.method === "POST" ? COMMIT_PATH.exec(url.pathname) : null;
    const call: SinkCall = {
      at: Date.now(),
      operation: commit ? "commit" : "other",
      messageId: commit ? decodeURIComponent(commit[1]!) : undefined,
      applied: false,
      status: 0,
    };
    ledger.push(call);
    const [status, body] = decide(incoming, url, call);
    call.status = status;
    answer(outgoing, status, body);
  }

  const server = createServer((incoming, outgoing) => {
    // Commit calls carry no body; drain whatever comes before answering.
    incoming.resume();
    incoming.on("end", () => handle(incoming, outgoing));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    apiSecret,
    ledger,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
