import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

/** What the Stream client needs of an HTTP answer. */
export interface HttpAnswer {
  status: number;
  header(name: string): string | null;
  text: string;
}

/** One HTTP exchange. Rejects on a network error, or with a TimeoutError after `timeoutMs`. */
export type HttpTransport = (
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
) => Promise<HttpAnswer>;

export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * node:http with keep-alive connections. Per call it costs a fraction of global fetch (no web
 * streams, no AbortSignal, no Request/Response objects), which shows at thousands of commits a
 * second.
 */
export function nodeHttpTransport(): HttpTransport {
  const agents = {
    "http:": new HttpAgent({ keepAlive: true, scheduling: "lifo" }),
    "https:": new HttpsAgent({ keepAlive: true, scheduling: "lifo" }),
  };
  return (method, url, headers, body, timeoutMs) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const secure = url.protocol === "https:";
      const send = secure ? httpsRequest : httpRequest;
      const outgoing = send(url, {
        method,
        agent: secure ? agents["https:"] : agents["http:"],
        headers:
          body === undefined ? headers : { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(
        () => outgoing.destroy(new TimeoutError(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      outgoing.on("error", fail);
      outgoing.on("response", (incoming: IncomingMessage) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", fail);
        incoming.on("aborted", () => fail(new Error("response aborted")));
        incoming.on("end", () => {
          clearTimeout(timer);
          resolve({
            status: incoming.statusCode ?? 0,
            header: (name) => {
              const value = incoming.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
            },
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
      });
      outgoing.end(body);
    });
}

/** The same exchange through a fetch function (the sandbox's in-process simulated Stream). */
export function fetchTransport(doFetch: typeof fetch): HttpTransport {
  return async (method, url, headers, body, timeoutMs) => {
    try {
      const response = await doFetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      return { status: response.status, header: (name) => response.headers.get(name), text };
    } catch (error) {
      if ((error as Error).name === "TimeoutError")
        throw new TimeoutError(`no answer within ${timeoutMs} ms`);
      throw error;
    }
  };
}
