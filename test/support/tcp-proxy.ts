import { type AddressInfo, createConnection, createServer, type Server, type Socket } from "node:net";

// A TCP proxy that injects network faults between the service and what it talks to (Postgres,
// Stream). No such tool can be installed where the tests run, so it is a few lines of node:net.
//
// Modes:
// - pass:      bytes flow both ways, optionally each chunk after `delayMs`.
// - drop:      every open connection is reset and new ones are reset on accept, as when the
//              server behind crashes or restarts (clients see ECONNRESET / a closed socket).
// - blackhole: nothing flows and nothing is refused: open connections go silent and new ones
//              are accepted but not forwarded, as when packets are lost on the way. When the
//              proxy heals, held bytes flow again, like TCP retransmitting after a partition.

export type ProxyMode = "pass" | "drop" | "blackhole";

export interface TcpProxy {
  /** The port clients connect to (on 127.0.0.1). */
  port: number;
  readonly mode: ProxyMode;
  /** Every byte, both ways, waits this long (0: none). */
  setDelay(ms: number): void;
  /** Resets every open connection; new ones are refused until `heal()`. */
  drop(): void;
  /** Stops forwarding; open and new connections hang until `heal()`. */
  blackhole(): void;
  /** Back to forwarding; blackholed bytes and connections proceed. */
  heal(): void;
  /** Connections accepted so far (including dropped ones). */
  readonly accepted: number;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket | undefined;
  /** Chunks held while blackholed, per direction, in order. */
  heldToUpstream: Buffer[];
  heldToClient: Buffer[];
  closed: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = "pass";
  let delayMs = 0;
  let accepted = 0;
  const links = new Set<Link>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (fn: () => void) => {
    if (delayMs <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, delayMs);
    timers.add(timer);
  };

  const closeLink = (link: Link, reset: boolean) => {
    if (link.closed) return;
    link.closed = true;
    links.delete(link);
    for (const socket of [link.client, link.upstream]) {
      if (!socket) continue;
      if (reset && typeof socket.resetAndDestroy === "function" && !socket.destroyed)
        socket.resetAndDestroy();
      else socket.destroy();
    }
  };

  const forward = (link: Link, toUpstream: boolean, chunk: Buffer) => {
    if (link.closed) return;
    if (mode === "blackhole") {
      (toUpstream ? link.heldToUpstream : link.heldToClient).push(chunk);
      return;
    }
    later(() => {
      const out = toUpstream ? link.upstream : link.client;
      if (!link.closed && out && !out.destroyed) out.write(chunk);
    });
  };

  const connectUpstream = (link: Link) => {
    const upstream = createConnection(target);
    link.upstream = upstream;
    upstream.on("data", (chunk: Buffer) => forward(link, false, chunk));
    upstream.on("error", () => closeLink(link, true));
    upstream.on("close", () => later(() => closeLink(link, false)));
    for (const chunk of link.heldToUpstream.splice(0)) forward(link, true, chunk);
  };

  const server: Server = createServer((client) => {
    accepted++;
    const link: Link = { client, upstream: undefined, heldToUpstream: [], heldToClient: [], closed: false };
    links.add(link);
    client.on("error", () => closeLink(link, true));
    client.on("close", () => later(() => closeLink(link, false)));
    if (mode === "drop") return closeLink(link, true);
    client.on("data", (chunk: Buffer) => {
      if (!link.upstream) link.heldToUpstream.push(chunk);
      else forward(link, true, chunk);
    });
    // A blackholed connection is accepted but not forwarded until the proxy heals.
    if (mode === "pass") connectUpstream(link);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    drop() {
      mode = "drop";
      for (const link of [...links]) closeLink(link, true);
    },
    blackhole() {
      mode = "blackhole";
    },
    heal() {
      mode = "pass";
      for (const link of [...links]) {
        if (!link.upstream) {
          connectUpstream(link);
          continue;
        }
        for (const chunk of link.heldToUpstream.splice(0)) forward(link, true, chunk);
        for (const chunk of link.heldToClient.splice(0)) forward(link, false, chunk);
      }
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const link of [...links]) closeLink(link, false);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
