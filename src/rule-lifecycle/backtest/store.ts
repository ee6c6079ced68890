import type { RawQuery } from "../../db/client.ts";
import type { BacktestStatus } from "../../db/schema/index.ts";
import type { ReplayProgress } from "./replay.ts";
import type { BacktestResult } from "./report.ts";

/** A running backtest whose replica has not reported for this long has died with it. */
export const HEARTBEAT_TIMEOUT_MS = 60_000;

/** A backtest as every route shows it. */
export interface BacktestView {
  id: string;
  status: BacktestStatus;
  requested_by: string;
  candidate_version: string;
  window: { since: string; until: string };
  options: Record<string, unknown>;
  progress: { processed: number; total: number | null; fraction: number | null };
  replica: string;
  created_at: string;
  finished_at: string | null;
  expires_at: string;
  cancel_requested: boolean;
  error: string | null;
  result?: BacktestResult | null;
  candidate?: { rules: string; lists: Record<string, string> };
}

interface BacktestRow {
  id: string;
  status: BacktestStatus;
  requested_by: string;
  candidate_version: string;
  candidate?: { text: string; lists: Record<string, string> };
  window_since: Timestamp;
  window_until: Timestamp;
  options: Record<string, unknown>;
  processed: number;
  total: number | null;
  result?: BacktestResult | null;
  error: string | null;
  replica: string;
  cancel_requested: boolean;
  created_at: Timestamp;
  finished_at: Timestamp | null;
  expires_at: Timestamp;
}

type Timestamp = Date | string;
// Both drivers answer timestamptz as a Date; a string is taken as the driver's text form.
const iso = (value: Timestamp | null) => (value === null ? null : new Date(value).toISOString());

function toView(row: BacktestRow): BacktestView {
  return {
    id: String(row.id),
    status: row.status,
    requested_by: row.requested_by,
    candidate_version: row.candidate_version,
    window: { since: iso(row.window_since)!, until: iso(row.window_until)! },
    options: row.options,
    progress: {
      processed: row.processed,
      total: row.total,
      fraction: row.total ? Math.min(1, row.processed / row.total) : row.status === "done" ? 1 : null,
    },
    replica: row.replica,
    created_at: iso(row.created_at)!,
    finished_at: iso(row.finished_at),
    expires_at: iso(row.expires_at)!,
    cancel_requested: row.cancel_requested,
    error: row.error,
    ...(row.result !== undefined ? { result: row.result } : {}),
    ...(row.candidate ? { candidate: { rules: row.candidate.text, lists: row.candidate.lists } } : {}),
  };
}

const COLUMNS = `id::text, status, requested_by, candidate_version, window_since, window_until,
  options, processed, total, error, replica, cancel_requested_at is not null as cancel_requested,
  created_at, finished_at, expires_at`;

export interface NewBacktest {
  requestedBy: string;
  candidateVersion: string;
  candidate: { text: string; lists: Record<string, string> };
  since: Date;
  until: Date;
  options: Record<string, unknown>;
  replica: string;
  keepMs: number;
}

/** The backtests table: jobs, their progress and results, shared by every replica. */
export class BacktestStore {
  constructor(private readonly query: RawQuery) {}

  async create(job: NewBacktest): Promise<BacktestView> {
    // Finished backtests are kept for keepMs; whoever starts a new one clears the expired.
    await this.query("delete from backtests where expires_at < now()", []);
    const [row] = await this.query<BacktestRow>(
      `insert into backtests (status, requested_by, candidate_version, candidate, window_since, window_until,
                              options, replica, expires_at)
       values ('running', $1, $2, $3::text::jsonb, $4::timestamptz, $5::timestamptz, $6::text::jsonb, $7,
               now() + ($8::bigint * interval '1 millisecond'))
       returning ${COLUMNS}`,
      [
        job.requestedBy,
        job.candidateVersion,
        JSON.stringify(job.candidate),
        job.since.toISOString(),
        job.until.toISOString(),
        JSON.stringify(job.options),
        job.replica,
        job.keepMs,
      ],
    );
    return toView(row!);
  }

  /**
   * Records the heartbeat and progress (none before the window is counted); answers whether
   * someone asked to cancel.
   */
  async progress(id: string, progress: ReplayProgress | null): Promise<{ cancelRequested: boolean }> {
    const [row] = await this.query<{ cancel_requested: boolean }>(
      `update backtests
          set processed = coalesce($2::int, processed), total = coalesce($3::int, total), heartbeat_at = now()
        where id = $1::bigint and status = 'running'
        returning cancel_requested_at is not null as cancel_requested`,
      [id, progress?.processed ?? null, progress?.total ?? null],
    );
    return { cancelRequested: row?.cancel_requested ?? true };
  }

  /** Ends a running backtest; a backtest already ended (e.g. declared dead) stays as it is. */
  async finish(
    id: string,
    end: {
      status: Exclude<BacktestStatus, "running">;
      result?: BacktestResult;
      error?: string;
      progress?: ReplayProgress;
    },
  ): Promise<void> {
    await this.query(
      `update backtests
          set status = $2, result = $3::text::jsonb, error = $4, finished_at = now(), heartbeat_at = now(),
              processed = coalesce($5::int, processed), total = coalesce($6::int, total)
        where id = $1::bigint and status = 'running'`,
      [
        id,
        end.status,
        end.result ? JSON.stringify(end.result) : null,
        end.error ?? null,
        end.progress?.processed ?? null,
        end.progress?.total ?? null,
      ],
    );
  }

  /** Asks whichever replica runs it to stop; answers the backtest, or null when unknown. */
  async requestCancel(id: string): Promise<BacktestView | null> {
    await this.query(
      `update backtests set cancel_requested_at = coalesce(cancel_requested_at, now())
        where id = $1::bigint and status = 'running'`,
      [id],
    );
    return this.get(id, { withResult: false });
  }

  async get(id: string, options: { withResult: boolean }): Promise<BacktestView | null> {
    await this.declareDead();
    const extra = options.withResult ? ", result, candidate" : "";
    const [row] = await this.query<BacktestRow>(
      `select ${COLUMNS}${extra} from backtests where id = $1::bigint and expires_at >= now()`,
      [id],
    );
    return row ? toView(row) : null;
  }

  async list(limit: number): Promise<BacktestView[]> {
    await this.declareDead();
    const rows = await this.query<BacktestRow>(
      `select ${COLUMNS} from backtests where expires_at >= now() order by id desc limit $1::int`,
      [limit],
    );
    return rows.map(toView);
  }

  /** Marks the running backtests of one replica failed (it is shutting down). */
  async abandon(replica: string, reason: string): Promise<void> {
    await this.query(
      `update backtests set status = 'failed', error = $2, finished_at = now()
        where replica = $1 and status = 'running'`,
      [replica, reason],
    );
  }

  // A replica killed mid-backtest leaves its row 'running': once its heartbeat is old, say so.
  private async declareDead(): Promise<void> {
    await this.query(
      `update backtests
          set status = 'failed', finished_at = now(),
              error = 'The replica running this backtest stopped reporting (it was restarted or killed); start it again.'
        where status = 'running' and heartbeat_at < now() - ($1::int * interval '1 millisecond')`,
      [HEARTBEAT_TIMEOUT_MS],
    );
  }
}
