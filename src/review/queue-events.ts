import type { Db } from "../db/client.ts";

/** What the console hears about the queue. It refetches what it shows; the event only says when. */
export type QueueEvent =
  | { kind: "held"; id: string }
  | { kind: "left"; id: string; status: string }
  | { kind: "claim"; id: string }
  /** Notifications may have been missed (the listening connection was re-established): refetch. */
  | { kind: "resync" };

/** The channel migrations/0003_queue_events.sql notifies on. */
export const QUEUE_CHANNEL = "gatehouse_queue";

type Unlisten = () => Promise<void>;
type PostgresJsClient = {
  listen: (
    channel: string,
    onNotify: (payload: string) => void,
    onListen?: () => void,
  ) => Promise<{ unlisten: Unlisten }>;
};
type PgliteClient = {
  listen: (channel: string, onNotify: (payload: string) => void) => Promise<Unlisten>;
};

/**
 * One LISTEN per replica, fanned out to every open console. The notifications come from triggers
 * (see the migration), so a change made by any replica reaches the consoles of all of them; on
 * embedded PGlite the same trigger notifies the in-process listener. Listening starts with the
 * first subscriber, so a replica nobody watches holds no extra connection.
 */
export class QueueEvents {
  /** Each subscriber's event handler, and what to call when the events end for good. */
  readonly #subscribers = new Map<(event: QueueEvent) => void, () => void>();
  #listening: Promise<Unlisten> | undefined;
  #closed = false;

  constructor(private readonly db: Db) {}

  /**
   * Calls `onEvent` for every queue change until the returned function is called, or until
   * close(), which calls `onEnd`.
   */
  async subscribe(onEvent: (event: QueueEvent) => void, onEnd: () => void = () => {}): Promise<() => void> {
    if (this.#closed) throw new Error("queue events are closed");
    this.#subscribers.set(onEvent, onEnd);
    try {
      await this.#listen();
    } catch (error) {
      this.#subscribers.delete(onEvent);
      throw error;
    }
    return () => this.#subscribers.delete(onEvent);
  }

  /** Stops listening and tells every subscriber the stream is over. */
  async close(): Promise<void> {
    this.#closed = true;
    const listening = this.#listening;
    this.#listening = undefined;
    const ends = [...this.#subscribers.values()];
    this.#subscribers.clear();
    for (const end of ends) end();
    if (listening) await (await listening.catch(() => async () => {}))().catch(() => {});
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  #listen(): Promise<Unlisten> {
    if (!this.#listening) {
      this.#listening = this.#startListening().catch((error: unknown) => {
        this.#listening = undefined; // the next subscriber tries again
        throw error;
      });
    }
    return this.#listening;
  }

  async #startListening(): Promise<Unlisten> {
    const client = (this.db as unknown as { $client: PostgresJsClient | PgliteClient }).$client;
    const onNotify = (payload: string) => this.#publish(parseEvent(payload));
    if ("unsafe" in client) {
      // postgres.js re-listens by itself after a lost connection; what was sent meanwhile is lost.
      let connectedBefore = false;
      const { unlisten } = await (client as PostgresJsClient).listen(QUEUE_CHANNEL, onNotify, () => {
        if (connectedBefore) this.#publish({ kind: "resync" });
        connectedBefore = true;
      });
      return unlisten;
    }
    return (client as PgliteClient).listen(QUEUE_CHANNEL, onNotify);
  }

  #publish(event: QueueEvent | undefined): void {
    if (!event) return;
    for (const subscriber of this.#subscribers.keys()) subscriber(event);
  }
}

function parseEvent(payload: string): QueueEvent | undefined {
  try {
    const event = JSON.parse(payload) as QueueEvent;
    return typeof event?.kind === "string" ? event : undefined;
  } catch {
    return undefined;
  }
}
