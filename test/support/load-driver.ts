import { randomUUID } from "node:crypto";
import type { FakeStream } from "./fake-stream.ts";
import { hookHeaders, type PendingMessagePayload, pendingMessagePayload } from "./sign.ts";

// Plays Stream's part against running replicas: registers each message as pending in the fake
// Stream, then delivers its hooks the way Stream does (one X-Webhook-Id per delivery, about three
// attempts, each with a timeout, retried on anything but a 2xx), and records what every attempt
// got. The record is the "client side" of the history the checker reads.

/** What the test meant to happen to a message, and so what the checker expects of it. */
export type MessageKind =
  /** No rule matches: must be committed exactly once. */
  | "approve"
  /** Matches the reject rule: hard-deleted, never committed. */
  | "reject"
  /** Held for review, then deleted upstream (DeletedPendingMessage): never committed. */
  | "deleted"
  /** created_at older than the pending timeout: expired on arrival, never committed. */
  | "stale"
  /** The app's other pending hook commits it first: ours must end `committed`, with no error. */
  | "external"
  /** Approvable, but Stream fails until its deadline passes: `expired`, nothing landed. */
  | "late";

/** Texts the fault tests' rules file acts on (see RULES_YAML). */
export const TEXT_FOR: Record<MessageKind, string> = {
  approve: "hello from the fault suite",
  reject: "this has a badword in it",
  deleted: "please holdme for a moderator",
  stale: "hello from long ago",
  external: "hello, committed elsewhere",
  late: "hello, just in time?",
};

/** Rules for the fault suite: one reject rule, one review rule, everything else approved. */
export const RULES_YAML = `default_action: approve
on_error: review
review_timeout_action: expire
review_timeout_margin_ms: 1000
rules:
  - id: bad
    action: reject
    when:
      text_has_any: [badword]
  - id: hold
    action: review
    when:
      text_has_any: [holdme]
`;

export interface Attempt {
  attempt: number;
  target: string;
  startedAt: number;
  elapsedMs: number;
  /** HTTP status, when an answer arrived. */
  status?: number;
  /** Network error or timeout, when none did. */
  error?: string;
  /** The `status` field of a 2xx body. */
  bodyStatus?: string;
  /** The Retry-After header of a 503. */
  retryAfter?: string;
}

export type HookName = "PassOnPendingMessage" | "DeletedPendingMessage";

export interface Delivery {
  hook: HookName;
  webhookId: string;
  attempts: Attempt[];
  /** Some attempt got a 2xx: Stream considers the hook delivered. */
  acked: boolean;
}

export interface MessageHistory {
  id: string;
  kind: MessageKind;
  payload: PendingMessagePayload;
  /** Epoch ms; what the service's deadline is computed from. */
  createdAt: number;
  deliveries: Delivery[];
}

export class History {
  readonly messages = new Map<string, MessageHistory>();

  add(entry: MessageHistory): void {
    this.messages.set(entry.id, entry);
  }

  /** The message's PassOnPendingMessage was acknowledged: the service now owes it a final status. */
  acked(id: string): boolean {
    return (
      this.messages.get(id)?.deliveries.some((d) => d.hook === "PassOnPendingMessage" && d.acked) ?? false
    );
  }

  all(): MessageHistory[] {
    return [...this.messages.values()];
  }

  summary(): Record<string, number> {
    const out: Record<string, number> = { messages: this.messages.size, acked: 0, attempts: 0, non2xx: 0 };
    for (const message of this.messages.values()) {
      if (this.acked(message.id)) out.acked!++;
      for (const delivery of message.deliveries) {
        for (const attempt of delivery.attempts) {
          out.attempts!++;
          if (attempt.status === undefined || attempt.status >= 300) out.non2xx!++;
        }
      }
    }
    return out;
  }
}

export interface DriverOptions {
  fake: FakeStream;
  /** Where the next attempt goes (a load balancer's choice among live replicas); undefined: none up. */
  pickTarget: () => string | undefined;
  hookPath?: string;
  /** Stream: about 3. */
  maxAttempts?: number;
  /** Stream: about 6 s per request. */
  attemptTimeoutMs?: number;
  /** Pause before a retry (Stream backs off too). */
  retryDelayMs?: number;
  pendingTimeoutMs: number;
}

export class LoadDriver {
  readonly history = new History();
  private readonly hookPath: string;

  constructor(private readonly options: DriverOptions) {
    this.hookPath = options.hookPath ?? "/hooks/stream";
  }

  /** A new message of this kind, registered as pending in the fake Stream (as Stream holds it). */
  createMessage(
    kind: MessageKind,
    createdAt = defaultCreatedAt(kind, this.options.pendingTimeoutMs),
  ): MessageHistory {
    const id = `m-${kind}-${randomUUID()}`;
    const payload = pendingMessagePayload({
      message: { id, text: TEXT_FOR[kind], created_at: new Date(createdAt).toISOString() },
    });
    this.options.fake.sim.addPending(payload.message, payload.metadata);
    const entry: MessageHistory = { id, kind, payload, createdAt, deliveries: [] };
    this.history.add(entry);
    return entry;
  }

  /**
   * Runs one message through Stream's side of its life: the other hook committing first
   * (external), the PassOnPendingMessage delivery, and the upstream delete (deleted).
   */
  async play(kind: MessageKind): Promise<MessageHistory> {
    const entry = this.createMessage(kind);
    if (kind === "external") this.options.fake.sim.commitExternally(entry.id);
    const pass = await this.deliver(entry, "PassOnPendingMessage");
    if (kind === "deleted" && pass.acked) {
      this.options.fake.sim.deleteExternally(entry.id);
      await this.deliver(entry, "DeletedPendingMessage");
    }
    return entry;
  }

  /** One delivery with Stream's retries; every attempt is recorded. */
  async deliver(entry: MessageHistory, hook: HookName, target?: () => string | undefined): Promise<Delivery> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    const delivery: Delivery = { hook, webhookId: randomUUID(), attempts: [], acked: false };
    entry.deliveries.push(delivery);
    for (let attempt = 1; attempt <= maxAttempts && !delivery.acked; attempt++) {
      if (attempt > 1) await sleep((this.options.retryDelayMs ?? 300) * (attempt - 1));
      const url = (target ?? this.options.pickTarget)();
      const result = await this.send(url, hook, entry.payload, delivery.webhookId, attempt);
      delivery.attempts.push(result);
      if (result.status !== undefined && result.status >= 200 && result.status < 300) delivery.acked = true;
    }
    return delivery;
  }

  /** One attempt: a signed POST, its answer or its failure. Never throws. */
  async send(
    url: string | undefined,
    hook: HookName,
    payload: unknown,
    webhookId: string,
    attempt: number,
  ): Promise<Attempt> {
    const startedAt = Date.now();
    const base: Attempt = { attempt, target: url ?? "(none up)", startedAt, elapsedMs: 0 };
    if (!url) return { ...base, error: "no replica up" };
    const signed = hookHeaders({
      apiKey: this.options.fake.apiKey,
      secret: this.options.fake.apiSecret,
      body: payload,
      webhookId,
      attempt,
    });
    try {
      const response = await fetch(`${url}${this.hookPath}/${hook}`, {
        method: "POST",
        headers: signed.headers,
        body: signed.body,
        signal: AbortSignal.timeout(this.options.attemptTimeoutMs ?? 6000),
      });
      const text = await response.text();
      const bodyStatus = response.ok ? (JSON.parse(text) as { status?: string }).status : undefined;
      const retryAfter = response.headers.get("retry-after") ?? undefined;
      return { ...base, elapsedMs: Date.now() - startedAt, status: response.status, bodyStatus, retryAfter };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { ...base, elapsedMs: Date.now() - startedAt, error: cause ?? (error as Error).name };
    }
  }

  /**
   * Plays `count` messages with at most `concurrency` under way, kinds drawn from `mix`
   * (weights). Resolves when every delivery has finished, acknowledged or not.
   */
  async run(opts: {
    count: number;
    concurrency: number;
    mix: Partial<Record<MessageKind, number>>;
    /** Stop starting new messages once this returns true. */
    stop?: () => boolean;
    random?: () => number;
  }): Promise<void> {
    const random = opts.random ?? Math.random;
    const kinds = Object.entries(opts.mix) as [MessageKind, number][];
    const total = kinds.reduce((sum, [, weight]) => sum + weight, 0);
    const draw = (): MessageKind => {
      let r = random() * total;
      for (const [kind, weight] of kinds) {
        r -= weight;
        if (r < 0) return kind;
      }
      return kinds[0]![0];
    };
    let started = 0;
    const worker = async () => {
      while (started < opts.count && !opts.stop?.()) {
        started++;
        await this.play(draw());
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
  }
}

function defaultCreatedAt(kind: MessageKind, pendingTimeoutMs: number): number {
  return kind === "stale" ? Date.now() - pendingTimeoutMs - 60_000 : Date.now();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
