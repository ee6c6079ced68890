import type { RawQuery } from "../db/client.ts";
import type { RuleSummary } from "../rules/types.ts";

export interface RuleQuality {
  rule_id: string;
  /** How it ran when it fired (a rule switched from shadow to enforce appears once for each). */
  mode: "enforce" | "shadow";
  /** The rule is in the rules in force now, in this mode. */
  in_force: boolean;
  /** Its action in the rules in force; null when it is not in them. */
  action: RuleSummary["action"] | null;
  /** Rules decisions in which the rule matched. */
  fired: number;
  /** Messages it held for review (its action was review and so was the decision). */
  held: number;
  /** Messages it rejected. */
  rejected: number;
  /** Its rejections sent to review as calibration samples. */
  samples: number;
  /** Of its held messages and samples, how many a moderator decided, and how many they approved. */
  reviewed: number;
  reversed: number;
  /** reversed / reviewed; null before any was reviewed. */
  reversal_rate: number | null;
  /** Of its samples a moderator decided: how many they rejected too, and that share. */
  samples_reviewed: number;
  samples_confirmed: number;
  precision: number | null;
  /**
   * For a shadow rule: what moderators decided on the messages it matched that were held anyway
   * (how its would-be action compares with the team's own decisions).
   */
  moderators_approved: number;
  moderators_rejected: number;
}

// One pass over the window's rules decisions: each match (enforced or shadow) joined with the
// moderator's last word on the message, if any. Moderators only ever decide held messages, so
// for a rule that rejects, its calibration samples are the only rejections anyone reviews.
const RULE_STATS = `
with window_decisions as (
  select d.message_id, d.action, d.matches, d.shadow_matches, d.sampled_rules
    from decisions d
   where d.source = 'rules' and d.created_at >= $1::timestamptz and d.created_at < $2::timestamptz
), verdicts as (
  select distinct on (v.message_id) v.message_id, v.action
    from decisions v
   where v.source = 'moderator' and v.message_id in (select message_id from window_decisions)
   order by v.message_id, v.id desc
), fired as (
  select m->>'rule_id' as rule_id, 'enforce' as mode, m->>'action' as rule_action, w.action as decided,
         coalesce(w.sampled_rules ? (m->>'rule_id'), false) as sampled, w.message_id
    from window_decisions w, jsonb_array_elements(w.matches) m
  union all
  select m->>'rule_id', 'shadow', m->>'action', w.action, false, w.message_id
    from window_decisions w, jsonb_array_elements(w.shadow_matches) m
), judged as (
  select f.*, v.action as verdict,
         (f.mode = 'enforce' and f.decided = 'review' and f.rule_action = 'review') as held
    from fired f left join verdicts v using (message_id)
)
select rule_id, mode,
  count(*)::int as fired,
  count(*) filter (where held)::int as held,
  count(*) filter (where mode = 'enforce' and decided = 'reject' and rule_action = 'reject')::int as rejected,
  count(*) filter (where sampled)::int as samples,
  count(verdict) filter (where held or sampled)::int as reviewed,
  count(*) filter (where (held or sampled) and verdict = 'approve')::int as reversed,
  count(verdict) filter (where sampled)::int as samples_reviewed,
  count(*) filter (where sampled and verdict = 'reject')::int as samples_confirmed,
  count(*) filter (where mode = 'shadow' and verdict = 'approve')::int as moderators_approved,
  count(*) filter (where mode = 'shadow' and verdict = 'reject')::int as moderators_rejected
from judged
group by rule_id, mode
order by rule_id, mode`;

type Row = Omit<RuleQuality, "in_force" | "action" | "reversal_rate" | "precision">;

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/**
 * Per-rule quality over [since, until) of the rules' decisions: every rule in force (fired or not),
 * then any other rule that fired in the window, by id.
 */
export async function ruleStats(
  query: RawQuery,
  rules: readonly RuleSummary[],
  window: { since: Date; until: Date },
): Promise<RuleQuality[]> {
  const rows = await query<Row>(RULE_STATS, [window.since.toISOString(), window.until.toISOString()]);
  const byKey = new Map(rows.map((row) => [`${row.mode}\0${row.rule_id}`, row]));
  const empty = (rule_id: string, mode: Row["mode"]): Row => ({
    rule_id,
    mode,
    fired: 0,
    held: 0,
    rejected: 0,
    samples: 0,
    reviewed: 0,
    reversed: 0,
    samples_reviewed: 0,
    samples_confirmed: 0,
    moderators_approved: 0,
    moderators_rejected: 0,
  });
  const quality = (row: Row, rule: RuleSummary | undefined): RuleQuality => ({
    ...row,
    in_force: rule !== undefined,
    action: rule?.action ?? null,
    reversal_rate: ratio(row.reversed, row.reviewed),
    precision: ratio(row.samples_confirmed, row.samples_reviewed),
  });
  const inForce = rules.map((rule) => {
    const key = `${rule.mode}\0${rule.id}`;
    const row = byKey.get(key) ?? empty(rule.id, rule.mode);
    byKey.delete(key);
    return quality(row, rule);
  });
  // A rule that fired in the window in the other mode, or that was since removed, is shown too.
  const others = [...byKey.values()].map((row) => quality(row, undefined));
  return [...inForce, ...others];
}
