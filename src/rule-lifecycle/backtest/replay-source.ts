import type { RawQuery } from "../../db/client.ts";
import type { PendingMessage, RequestInfo } from "../../hooks/payload.ts";
import type { RuleAction } from "../../rules/types.ts";

/** What a backtest replays over: stored messages received in [since, until). */
export interface ReplayWindow {
  since: Date;
  until: Date;
  /** Messages before `since` read only as rate history (the candidate's longest rate window). */
  historyMs: number;
}

/** Where the next batch starts: after this (received_at, id), the order batches are read in. */
export interface ReplayCursor {
  receivedAt: string;
  id: string;
}

/**
 * One stored message. Rows before the window carry only what rate history needs (sender, IP,
 * time); rows in it carry the message as Stream sent it and what was decided about it.
 */
export interface ReplayRow {
  id: string;
  received_at: string;
  received_ms: number;
  user_id: string | null;
  /** The client IP as sent (request_info.ip), for rate history by IP. */
  ip: string | null;
  in_window: boolean;
  /** Retention removed its content: it cannot be replayed (and counts for no rate history). */
  retired: boolean;
  payload: PendingMessage | null;
  metadata: Record<string, string> | null;
  request_info: RequestInfo | null;
  /** The rules' recorded decision at receipt, the version that made it and the rules it matched. */
  rules_action: RuleAction | null;
  rules_version: string | null;
  rule_ids: string[] | null;
  /** The last moderator decision on the message (held messages only): the labels agreement uses. */
  moderator_action: "approve" | "reject" | null;
}

/** Reads a window's rows a batch at a time, oldest first. */
export interface ReplaySource {
  count(window: ReplayWindow): Promise<number>;
  readBatch(window: ReplayWindow, after: ReplayCursor, limit: number): Promise<ReplayRow[]>;
}

// Keyset paging on (received_at, id): the received_at index bounds the scan, an incremental sort
// orders the few rows sharing a timestamp. One lookup of a message's decisions (for rows in the
// window only) finds both the rules' decision, the first, and the last moderator decision.
const READ_BATCH = `
select m.id, m.received_at::text as received_at,
       (extract(epoch from m.received_at) * 1000)::float8 as received_ms,
       m.user_id, m.request_info->>'ip' as ip,
       m.received_at >= $3::timestamptz as in_window,
       m.retired_at is not null as retired,
       case when m.received_at >= $3::timestamptz and m.retired_at is null then m.payload end as payload,
       case when m.received_at >= $3::timestamptz and m.retired_at is null then m.metadata end as metadata,
       case when m.received_at >= $3::timestamptz and m.retired_at is null then m.request_info end as request_info,
       dd.rules_action, dd.rules_version,
       jsonb_path_query_array(dd.rules_matches, '$[*].rule_id') as rule_ids,
       dd.moderator_action
  from messages m
  left join lateral (
    select (array_agg(d.action order by d.id) filter (where d.source = 'rules'))[1] as rules_action,
           (array_agg(d.ruleset_version order by d.id) filter (where d.source = 'rules'))[1] as rules_version,
           (array_agg(d.matches order by d.id) filter (where d.source = 'rules'))[1] as rules_matches,
           (array_agg(d.action order by d.id desc)
              filter (where d.source = 'moderator' and d.action in ('approve', 'reject')))[1] as moderator_action
      from decisions d
     where d.message_id = m.id and m.received_at >= $3::timestamptz) dd on true
 where m.received_at >= $1::timestamptz and (m.received_at, m.id) > ($1::timestamptz, $2::text)
   and m.received_at < $4::timestamptz
 order by m.received_at, m.id
 limit $5::int`;

const COUNT_WINDOW = `
select count(*)::int as n from messages where received_at >= $1::timestamptz and received_at < $2::timestamptz`;

/** The first cursor of a window: before every row its history reads. */
export function windowStart(window: ReplayWindow): ReplayCursor {
  return { receivedAt: new Date(window.since.getTime() - window.historyMs).toISOString(), id: "" };
}

/** Reads through any connection to the database (a pool of its own, or the service's). */
export function sqlReplaySource(query: RawQuery): ReplaySource {
  return {
    async count(window) {
      const [row] = await query<{ n: number }>(COUNT_WINDOW, [
        window.since.toISOString(),
        window.until.toISOString(),
      ]);
      return Number(row?.n ?? 0);
    },
    async readBatch(window, after, limit) {
      const rows = await query<ReplayRow>(READ_BATCH, [
        after.receivedAt,
        after.id,
        window.since.toISOString(),
        window.until.toISOString(),
        limit,
      ]);
      for (const row of rows) row.received_ms = Number(row.received_ms);
      return rows;
    },
  };
}
