// The messages the simulated Stream holds, and the only transitions Stream allows for a pending
// message: the first commit wins, a deletion is final, and a pending message cannot be soft
// deleted (it is not visible yet, so there is nothing to tombstone).

export type SimulatedMessageState = "pending" | "committed" | "deleted";
export type ChangeSource = "api" | "external";

/** Stream's MessageResponse: only `id` is certain, every other field is passed through. */
export interface StreamMessage {
  id: string;
  [field: string]: unknown;
}

export interface SimulatedMessage {
  id: string;
  state: SimulatedMessageState;
  /** The MessageResponse as Stream would return it now. */
  message: StreamMessage;
  /** The sender's `pending_message_metadata`. */
  metadata: Record<string, string> | undefined;
  /** Commit calls that reached the server for this id, whatever their outcome. */
  commitAttempts: number;
  committedBy: ChangeSource | undefined;
  committedAt: number | undefined;
  deletedBy: ChangeSource | undefined;
  deletedAt: number | undefined;
  /** A hard-deleted (or expired) message is gone; a soft-deleted one is still readable. */
  hardDeleted: boolean;
}

export type CommitOutcome =
  | { ok: true; message: StreamMessage }
  | { ok: false; reason: "not-found" | "not-pending"; state?: SimulatedMessageState };

export type DeleteOutcome =
  | { ok: true; message: StreamMessage; hard: boolean }
  | { ok: false; reason: "not-found" | "pending-soft-delete" };

export class MessageStore {
  readonly #messages = new Map<string, SimulatedMessage>();

  /**
   * @param autoCreatePending treat an id never seen as a pending message: in sandbox mode no
   *   real Stream holds the message the hook described, so the simulator adopts it on first use.
   */
  constructor(
    private readonly autoCreatePending: boolean,
    /** Like Stream, delete a message still pending this long after its created_at. */
    private readonly pendingTimeoutMs?: number,
    /**
     * Forget the oldest messages beyond this many. In the sandbox every message is adopted from
     * an id alone (a few hundred bytes), so a count bounds the memory; one forgotten is adopted
     * again as pending if it is asked for.
     */
    private readonly maxMessages = Number.POSITIVE_INFINITY,
  ) {}

  addPending(message: StreamMessage, metadata?: Record<string, string>): SimulatedMessage {
    const now = new Date().toISOString();
    const stored: SimulatedMessage = {
      id: message.id,
      state: "pending",
      message: { created_at: now, updated_at: now, ...structuredClone(message) },
      metadata: metadata ? { ...metadata } : undefined,
      commitAttempts: 0,
      committedBy: undefined,
      committedAt: undefined,
      deletedBy: undefined,
      deletedAt: undefined,
      hardDeleted: false,
    };
    this.#messages.delete(message.id);
    this.#messages.set(message.id, stored);
    for (const oldest of this.#messages.keys()) {
      if (this.#messages.size <= this.maxMessages) break;
      this.#messages.delete(oldest);
    }
    return structuredClone(stored);
  }

  /** A copy, so a test holding it cannot change the server's state behind its back. */
  get(id: string): SimulatedMessage | undefined {
    const stored = this.#messages.get(id);
    return stored ? structuredClone(stored) : undefined;
  }

  all(): SimulatedMessage[] {
    return [...this.#messages.values()].map((stored) => structuredClone(stored));
  }

  /** The message a read sees: hard-deleted messages no longer exist. */
  read(id: string): SimulatedMessage | undefined {
    const stored = this.#resolve(id);
    if (!stored || (stored.state === "deleted" && stored.hardDeleted)) return undefined;
    return structuredClone(stored);
  }

  commit(id: string, by: ChangeSource): CommitOutcome {
    const stored = this.#resolve(id);
    if (!stored || stored.state === "deleted") return { ok: false, reason: "not-found" };
    if (by === "api") stored.commitAttempts += 1;
    if (stored.state !== "pending") return { ok: false, reason: "not-pending", state: stored.state };
    stored.state = "committed";
    stored.committedBy = by;
    stored.committedAt = Date.now();
    stored.message.updated_at = new Date(stored.committedAt).toISOString();
    return { ok: true, message: structuredClone(stored.message) };
  }

  delete(id: string, opts: { hard: boolean; by: ChangeSource }): DeleteOutcome {
    const stored = this.#resolve(id);
    if (!stored || (stored.state === "deleted" && stored.hardDeleted))
      return { ok: false, reason: "not-found" };
    if (stored.state === "pending" && !opts.hard) return { ok: false, reason: "pending-soft-delete" };
    stored.state = "deleted";
    stored.deletedBy = opts.by;
    stored.deletedAt = Date.now();
    stored.hardDeleted = opts.hard;
    stored.message = {
      ...stored.message,
      type: "deleted",
      deleted_at: new Date(stored.deletedAt).toISOString(),
    };
    return { ok: true, message: structuredClone(stored.message), hard: opts.hard };
  }

  #resolve(id: string): SimulatedMessage | undefined {
    const stored = this.#messages.get(id);
    if (stored) {
      this.#expireIfDue(stored);
      return stored;
    }
    if (!this.autoCreatePending) return stored;
    this.addPending(syntheticMessage(id));
    return this.#messages.get(id);
  }

  /** Checked on every access, which is all a client can observe of Stream's own timer. */
  #expireIfDue(stored: SimulatedMessage): void {
    if (stored.state !== "pending" || this.pendingTimeoutMs === undefined) return;
    const created = Date.parse(String(stored.message.created_at));
    if (!Number.isFinite(created) || Date.now() < created + this.pendingTimeoutMs) return;
    stored.state = "deleted";
    stored.deletedBy = "external";
    stored.deletedAt = created + this.pendingTimeoutMs;
    stored.hardDeleted = true;
  }
}

function syntheticMessage(id: string): StreamMessage {
  const now = new Date().toISOString();
  return {
    id,
    text: "",
    type: "regular",
    attachments: [],
    mentioned_users: [],
    created_at: now,
    updated_at: now,
  };
}
