import { eq, sql } from "drizzle-orm";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Db } from "../db/client.ts";
import { type MessageStatus, messages } from "../db/schema/index.ts";
import type { StreamClient, StreamOutcome } from "../dispatch/stream-client.ts";
import { processMetrics } from "./process-metrics.ts";

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const REVIEW_BUCKETS = [1, 5, 15, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400];
const SLACK_BUCKETS = [0, 0.25, 1, 5, 30, 60, 300, 3600, 6 * 3600, 86_400, 3 * 86_400, 7 * 86_400];

/** What the rules decided, as the hook's resulting status shows it. */
const actionOfStatus: Partial<Record<MessageStatus, string>> = {
  held: "review",
  committing: "approve",
  rejecting: "reject",
  expired: "expire",
};

const FINAL: ReadonlySet<string> = new Set(["committed", "rejected", "expired", "deleted"]);

/**
 * The service's Prometheus metrics, and the observers that feed them. Counters are per replica
 * (Prometheus sums them); the queue gauges are read from the shared database at scrape time.
 */
export class ServiceMetrics {
  private readonly own = new Registry();
  /** What GET /metrics renders: the process's metrics and this service's. */
  readonly registry: Registry;

  readonly hooksReceived = this.counter(
    "gatehouse_hooks_received_total",
    "Hook deliveries by hook and outcome (new, duplicate, unauthorized, invalid_json, unavailable, ...).",
    ["hook", "outcome"],
  );
  readonly hookDuration = this.histogram(
    "gatehouse_hook_duration_seconds",
    "Time from a hook's arrival to its answer.",
    ["hook"],
    LATENCY_BUCKETS,
  );
  readonly decisions = this.counter(
    "gatehouse_decisions_total",
    "Decisions by source (rules, moderator, system) and action (approve, reject, review, expire).",
    ["source", "action"],
  );
  readonly decisionLatency = this.histogram(
    "gatehouse_decision_latency_seconds",
    "Receipt to durable decision: the hook's handling time for the rules, the time held for moderator and system decisions.",
    ["source"],
    [...LATENCY_BUCKETS, ...REVIEW_BUCKETS.filter((b) => b > 60)],
  );
  readonly dispatchAttempts = this.counter(
    "gatehouse_dispatch_attempts_total",
    "Calls to Stream by call (commit, delete, get) and outcome (ok, refused, rate_limited, unknown, not_stream: an answer that is not Stream's, e.g. a wrong STREAM_BASE_URL).",
    ["call", "outcome"],
  );
  readonly unresolvedOutcomes = this.counter(
    "gatehouse_unresolved_outcomes_total",
    "Commits whose outcome could not be resolved (every lookup failed) and that were closed as expired, by the last lookup's outcome (refused, not_stream, unknown, ...). Any rise needs a look: Stream may hold them committed.",
    ["last"],
  );
  readonly dispatchResults = this.counter(
    "gatehouse_dispatch_results_total",
    "Outbox work finished by the status it left the message in (committed, rejected, expired, deleted, retry).",
    ["result"],
  );
  readonly commitLatency = this.histogram(
    "gatehouse_commit_latency_seconds",
    "Receipt to confirmed commit.",
    [],
    [...LATENCY_BUCKETS, ...REVIEW_BUCKETS.filter((b) => b > 60)],
  );
  readonly deadlineSlack = this.histogram(
    "gatehouse_deadline_slack_seconds",
    "Time left before the pending deadline when the dispatcher settled a message, by final status.",
    ["status"],
    SLACK_BUCKETS,
  );
  readonly reviewActions = this.counter(
    "gatehouse_review_actions_total",
    "Moderator API actions (claim, release, approve, reject) by result (ok, conflict, gone, claimed, not_found).",
    ["action", "result"],
  );
  readonly queueDepth: Gauge;
  readonly queueEarliestDeadline: Gauge;
  readonly scrapeErrors = this.counter(
    "gatehouse_metrics_collect_errors_total",
    "Scrapes whose database-backed gauges could not be read (the previous values are shown).",
    [],
  );

  /** One database read per scrape feeds both queue gauges, which prom-client collects side by side. */
  private queueReading: Promise<void> | undefined;

  constructor(readonly db?: Db) {
    const readQueue = db ? () => this.readQueueOnce(db) : undefined;
    this.queueDepth = new Gauge({
      name: "gatehouse_queue_depth",
      help: "Held messages waiting for a moderator.",
      registers: [this.own],
      ...(readQueue ? { collect: readQueue } : {}),
    });
    this.queueEarliestDeadline = new Gauge({
      name: "gatehouse_queue_earliest_deadline_seconds",
      help: "Seconds until the earliest held message's deadline (NaN when the queue is empty).",
      registers: [this.own],
      ...(readQueue ? { collect: readQueue } : {}),
    });
    this.registry = Registry.merge([processMetrics(), this.own]);
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.own] });
  }

  private histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: [...buckets], registers: [this.own] });
  }

  /** The Prometheus text of every metric, and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  /** Hook routes' observer: outcome and latency, and the rules' decision for a new message. */
  observeReceipt = (hook: string, outcome: string, elapsedMs: number, status?: MessageStatus): void => {
    this.hooksReceived.inc({ hook, outcome });
    this.hookDuration.observe({ hook }, elapsedMs / 1000);
    if (hook === "PassOnPendingMessage" && outcome === "new" && status) {
      this.decisions.inc({ source: "rules", action: actionOfStatus[status] ?? status });
      this.decisionLatency.observe({ source: "rules" }, elapsedMs / 1000);
    }
  };

  /** A moderator's or the sweeper's decision on a held message. */
  observeReviewDecision(
    source: "moderator" | "system",
    action: string,
    receivedAt: Date,
    now = new Date(),
  ): void {
    this.decisions.inc({ source, action });
    this.decisionLatency.observe({ source }, Math.max(0, (now.getTime() - receivedAt.getTime()) / 1000));
  }

  /**
   * The dispatcher's onSettled: results, and for final ones their commit latency and deadline
   * slack, measured at the moment of settling (no read back from the database).
   */
  observeSettled = (work: { receivedAt: Date; deadlineAt: Date }, status: MessageStatus | "retry"): void => {
    this.dispatchResults.inc({ result: status });
    if (!FINAL.has(status)) return;
    const settledAt = Date.now();
    if (status === "committed") this.commitLatency.observe((settledAt - work.receivedAt.getTime()) / 1000);
    this.deadlineSlack.observe({ status }, (work.deadlineAt.getTime() - settledAt) / 1000);
  };

  /** The dispatcher's onUnresolved: a commit given up on after its lookups kept failing. */
  observeUnresolved = (_work: unknown, lastLookup: { kind: string }): void => {
    this.unresolvedOutcomes.inc({ last: lastLookup.kind });
  };

  /** Wraps the Stream client so every call is counted by its outcome. */
  instrumentStream(client: StreamClient): StreamClient {
    const count =
      (call: string, send: StreamClient["commitMessage"]): StreamClient["commitMessage"] =>
      async (id, options) => {
        const outcome: StreamOutcome = await send(id, options);
        this.dispatchAttempts.inc({ call, outcome: outcome.kind });
        return outcome;
      };
    return {
      commitMessage: count("commit", client.commitMessage.bind(client)),
      hardDeleteMessage: count("delete", client.hardDeleteMessage.bind(client)),
      getMessage: count("get", client.getMessage.bind(client)),
      getApp: client.getApp.bind(client),
    };
  }

  private readQueueOnce(db: Db): Promise<void> {
    this.queueReading ??= this.readQueue(db).finally(() => {
      this.queueReading = undefined;
    });
    return this.queueReading;
  }

  private async readQueue(db: Db): Promise<void> {
    try {
      const [row] = await db
        .select({
          depth: sql<number>`count(*)::int`,
          earliestMs: sql<number | null>`(extract(epoch from min(${messages.deadlineAt})) * 1000)::float8`,
        })
        .from(messages)
        .where(eq(messages.status, "held"));
      this.queueDepth.set(Number(row?.depth ?? 0));
      const earliest =
        row?.earliestMs === null || row?.earliestMs === undefined ? null : Number(row.earliestMs);
      if (earliest === null) this.queueEarliestDeadline.set(Number.NaN);
      else this.queueEarliestDeadline.set((earliest - Date.now()) / 1000);
    } catch {
      this.scrapeErrors.inc();
    }
  }
}
