import type { Decision, RuleAction, RuleMatch, RuleSummary } from "../../rules/types.ts";
import type { ReplayRow } from "./replay-source.ts";

const ACTIONS: readonly RuleAction[] = ["approve", "review", "reject"];

/** One replayed message shown as an example: what was recorded, what the candidate would do. */
export interface BacktestExample {
  message_id: string;
  received_at: string;
  text: string;
  recorded: { action: RuleAction; rule_ids: string[]; ruleset_version: string | null };
  candidate: {
    action: RuleAction;
    matches: RuleMatch[];
    shadow_matches?: RuleMatch[];
    sampled_rules?: string[];
    error?: string;
  };
  moderator_action: "approve" | "reject" | null;
}

interface LabelCounts {
  total: number;
  candidate_approves: number;
  candidate_holds: number;
  candidate_rejects: number;
}

export interface BacktestResult {
  window: { since: string; until: string };
  candidate_version: string;
  messages: {
    /** Every stored message received in the window. */
    in_window: number;
    replayed: number;
    /** Content removed by retention: not replayed. */
    retired: number;
    /** No rules decision on record (nothing to compare with): not replayed. */
    without_recorded_decision: number;
  };
  changed: number;
  unchanged: number;
  /** Recorded action → candidate action, for every pair that occurred (changed ones first). */
  transitions: Array<{ from: RuleAction; to: RuleAction; count: number; changed: boolean }>;
  /** Per rule id: messages it matched when recorded, and under the candidate. */
  rules: Array<{
    rule_id: string;
    recorded_hits: number;
    candidate_hits: number;
    /** How the candidate has the rule; null when the candidate has no rule of that id. */
    candidate_mode: "enforce" | "shadow" | null;
  }>;
  /**
   * Moderators' decisions on held messages taken as labels: how many of their rejections the
   * candidate rejects or holds, and how many of their approvals it would block or hold again.
   */
  agreement: {
    labelled: number;
    moderator_rejected: LabelCounts & { caught_rate: number | null };
    moderator_approved: LabelCounts & { blocked_rate: number | null };
  };
  /**
   * A few messages of every kind of change ("approve→reject", ...), and of the two kinds of
   * disagreement with moderators ("missed_rejection", "blocked_approval"). A uniform sample,
   * the same on every run (chosen by a hash of the message id).
   */
  examples: Record<string, BacktestExample[]>;
  /** How long the replay took (compiling the candidate not included); added by the runner. */
  timing?: { replay_ms: number; messages_per_second: number };
  fidelity: {
    /** "replayed": rate rules counted against the stored history; "none": the candidate has none. */
    rate_rules: "replayed" | "none";
    /** How far back rate history was read (the window's start minus the longest rate window). */
    rate_history_from: string | null;
    /** Messages whose evaluation failed or ran out of its time budget (on_error applied). */
    evaluation_errors: number;
    /** The rule versions that made the recorded decisions, with how many each made. */
    recorded_versions: Record<string, number>;
    notes: string[];
  };
}

/** FNV-1a: a cheap, stable hash, so the examples are the same sample on every run. */
function sampleRank(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Keeps the `size` examples of one kind with the smallest ranks. */
class ExampleSample {
  private readonly kept: Array<{ rank: number; example: BacktestExample }> = [];
  constructor(private readonly size: number) {}

  offer(id: string, example: () => BacktestExample): void {
    if (this.size === 0) return;
    const rank = sampleRank(id);
    const last = this.kept[this.kept.length - 1];
    if (this.kept.length >= this.size && last && rank >= last.rank) return;
    const at = this.kept.findIndex((k) => k.rank > rank);
    // Built only when kept: most messages are never examples.
    this.kept.splice(at < 0 ? this.kept.length : at, 0, { rank, example: example() });
    if (this.kept.length > this.size) this.kept.pop();
  }

  examples(): BacktestExample[] {
    return this.kept.map((k) => k.example);
  }
}

function emptyLabels(): LabelCounts {
  return { total: 0, candidate_approves: 0, candidate_holds: 0, candidate_rejects: 0 };
}

function countLabel(labels: LabelCounts, action: RuleAction): void {
  labels.total++;
  if (action === "approve") labels.candidate_approves++;
  else if (action === "review") labels.candidate_holds++;
  else labels.candidate_rejects++;
}

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** Accumulates a backtest's figures one replayed message at a time; memory does not grow with them. */
export class BacktestReport {
  private readonly transitions = new Map<string, number>();
  private readonly recordedHits = new Map<string, number>();
  private readonly candidateHits = new Map<string, number>();
  private readonly recordedVersions = new Map<string, number>();
  private readonly samples = new Map<string, ExampleSample>();
  private readonly rejected = emptyLabels();
  private readonly approved = emptyLabels();
  private inWindow = 0;
  private replayed = 0;
  private retired = 0;
  private undecided = 0;
  private errors = 0;

  constructor(
    private readonly examplesPerKind: number,
    private readonly candidateRules: readonly RuleSummary[],
  ) {}

  /** A message in the window that was not replayed. */
  skipped(row: ReplayRow): void {
    this.inWindow++;
    if (row.retired) this.retired++;
    else this.undecided++;
  }

  replayedMessage(row: ReplayRow, decision: Decision): void {
    this.inWindow++;
    this.replayed++;
    const from = row.rules_action as RuleAction;
    const to = decision.action;
    const transition = `${from}→${to}`;
    this.transitions.set(transition, (this.transitions.get(transition) ?? 0) + 1);
    const version = row.rules_version ?? "unknown";
    this.recordedVersions.set(version, (this.recordedVersions.get(version) ?? 0) + 1);
    for (const id of row.rule_ids ?? []) this.recordedHits.set(id, (this.recordedHits.get(id) ?? 0) + 1);
    for (const match of [...decision.matches, ...(decision.shadow_matches ?? [])])
      this.candidateHits.set(match.rule_id, (this.candidateHits.get(match.rule_id) ?? 0) + 1);
    if (decision.error) this.errors++;

    const example = () => toExample(row, decision);
    if (from !== to) this.sample(transition).offer(row.id, example);
    if (row.moderator_action === "reject") {
      countLabel(this.rejected, to);
      if (to === "approve") this.sample("missed_rejection").offer(row.id, example);
    } else if (row.moderator_action === "approve") {
      countLabel(this.approved, to);
      if (to === "reject") this.sample("blocked_approval").offer(row.id, example);
    }
  }

  private sample(kind: string): ExampleSample {
    let sample = this.samples.get(kind);
    if (!sample) {
      sample = new ExampleSample(this.examplesPerKind);
      this.samples.set(kind, sample);
    }
    return sample;
  }

  result(context: {
    window: { since: Date; until: Date };
    candidateVersion: string;
    rateHistoryFrom: Date | null;
    /** Why the replay ended early, when it did. */
    stoppedEarly?: string;
  }): BacktestResult {
    const transitions = ACTIONS.flatMap((from) =>
      ACTIONS.map((to) => ({
        from,
        to,
        count: this.transitions.get(`${from}→${to}`) ?? 0,
        changed: from !== to,
      })),
    )
      .filter((t) => t.count > 0)
      .sort((a, b) => Number(b.changed) - Number(a.changed) || b.count - a.count);
    const changed = transitions.filter((t) => t.changed).reduce((sum, t) => sum + t.count, 0);
    const modes = new Map(this.candidateRules.map((rule) => [rule.id, rule.mode]));
    const ruleIds = [
      ...new Set([...modes.keys(), ...this.recordedHits.keys(), ...this.candidateHits.keys()]),
    ];
    const notes: string[] = context.stoppedEarly ? [context.stoppedEarly] : [];
    if (this.retired > 0)
      notes.push(
        `${this.retired} messages in the window were retired by retention and could not be replayed.`,
      );
    if (this.undecided > 0)
      notes.push(`${this.undecided} messages have no recorded rules decision and were not compared.`);
    if (context.rateHistoryFrom)
      notes.push(
        "Rate rules were counted against the stored messages (from the window's start minus the longest rate window); messages retired by retention count for nobody, as they do live.",
      );
    return {
      window: { since: context.window.since.toISOString(), until: context.window.until.toISOString() },
      candidate_version: context.candidateVersion,
      messages: {
        in_window: this.inWindow,
        replayed: this.replayed,
        retired: this.retired,
        without_recorded_decision: this.undecided,
      },
      changed,
      unchanged: this.replayed - changed,
      transitions,
      rules: ruleIds.map((rule_id) => ({
        rule_id,
        recorded_hits: this.recordedHits.get(rule_id) ?? 0,
        candidate_hits: this.candidateHits.get(rule_id) ?? 0,
        candidate_mode: modes.get(rule_id) ?? null,
      })),
      agreement: {
        labelled: this.rejected.total + this.approved.total,
        moderator_rejected: {
          ...this.rejected,
          caught_rate: ratio(
            this.rejected.candidate_rejects + this.rejected.candidate_holds,
            this.rejected.total,
          ),
        },
        moderator_approved: {
          ...this.approved,
          blocked_rate: ratio(this.approved.candidate_rejects, this.approved.total),
        },
      },
      examples: Object.fromEntries([...this.samples].map(([kind, sample]) => [kind, sample.examples()])),
      fidelity: {
        rate_rules: context.rateHistoryFrom ? "replayed" : "none",
        rate_history_from: context.rateHistoryFrom?.toISOString() ?? null,
        evaluation_errors: this.errors,
        recorded_versions: Object.fromEntries(this.recordedVersions),
        notes,
      },
    };
  }
}

function toExample(row: ReplayRow, decision: Decision): BacktestExample {
  return {
    message_id: row.id,
    received_at: new Date(row.received_ms).toISOString(),
    text: typeof row.payload?.text === "string" ? row.payload.text : "",
    recorded: {
      action: row.rules_action as RuleAction,
      rule_ids: row.rule_ids ?? [],
      ruleset_version: row.rules_version,
    },
    candidate: {
      action: decision.action,
      matches: decision.matches,
      ...(decision.shadow_matches?.length ? { shadow_matches: decision.shadow_matches } : {}),
      ...(decision.sampled_rules ? { sampled_rules: decision.sampled_rules } : {}),
      ...(decision.error ? { error: decision.error } : {}),
    },
    moderator_action: row.moderator_action,
  };
}
