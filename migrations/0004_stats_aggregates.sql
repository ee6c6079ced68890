-- What GET /api/stats shows, kept pre-aggregated so a window of 30 days costs as little as one of
-- an hour. Every change to messages and decisions adds its contribution to stats_deltas in the
-- same transaction (statement-level triggers over the transition tables: one insert per
-- statement, whatever the batch size; no code path that moves a status can forget it). A
-- contribution is a pure function of a row's columns, so an update adds the new row's and
-- subtracts the old row's, and a delete subtracts: the aggregates always equal what a query over
-- the rows would say. Writers only insert into stats_deltas, so receipts never wait on a shared
-- counter row; stats_roll_up() later moves the deltas into per-minute, per-hour and per-day rows, deleting
-- and adding them in one transaction, so nothing is counted twice or lost.
CREATE TABLE "stats_deltas" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"series" text NOT NULL,
	"key" text NOT NULL,
	"n" bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "stats_deltas_minute_idx" ON "stats_deltas" USING btree ("minute");
--> statement-breakpoint
CREATE TABLE "stats_rollup" (
	"grain" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"series" text NOT NULL,
	"key" text NOT NULL,
	"n" bigint NOT NULL,
	-- n included: reads are index-only scans.
	CONSTRAINT "stats_rollup_pkey" PRIMARY KEY ("grain", "bucket", "series", "key") INCLUDE ("n")
);
--> statement-breakpoint
-- The console's series read a few series over long ranges.
CREATE INDEX "stats_rollup_series_idx" ON "stats_rollup" USING btree ("grain", "series", "bucket") INCLUDE ("key", "n");
--> statement-breakpoint
CREATE INDEX "stats_rollup_empty_idx" ON "stats_rollup" USING btree ("grain") WHERE "n" = 0;
--> statement-breakpoint
-- The earliest deadline in the review queue, sampled by every roll-up (every few seconds): the
-- earliest seen in each minute. A gauge, not a count: no row keeps its history.
CREATE TABLE "stats_queue_samples" (
	"minute" timestamp with time zone PRIMARY KEY NOT NULL,
	"earliest_deadline_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
-- GET /api/decisions?ip=<CIDR>: b-tree answers `ip <<= block` as a range of addresses, and with
-- created_at and id in the index the newest matches are found without reading their rows.
CREATE INDEX "decisions_ip_created_idx" ON "decisions" USING btree ("ip", "created_at", "id");
--> statement-breakpoint
-- Fixed log-scale buckets of a duration in microseconds, four per doubling (each about 19 %
-- wide), signed so a deadline missed lands apart from one met: 0 holds (-1 us, 1 us); k > 0 holds
-- [2^((k-1)/4), 2^(k/4)) us; -k the mirror image. The service reads percentiles off the counts.
CREATE FUNCTION stats_bucket(us double precision) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN abs(us) < 1 THEN 0
              ELSE (sign(us) * (1 + floor(4 * ln(abs(us)) / ln(2.0) + 1e-9)))::integer END
$$;
--> statement-breakpoint
CREATE FUNCTION stats_micros(later timestamptz, earlier timestamptz) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT extract(epoch from later - earlier)::double precision * 1e6
$$;
--> statement-breakpoint
-- A message's contributions: counted by status, and (once final) its commit latency and its
-- deadline slack, all under the minute it was received. One SELECT, so the planner inlines it
-- into the triggers' statements (a function it had to call would cost more than the rest).
CREATE FUNCTION stats_message_facts(received_at timestamptz, status text, final_at timestamptz, deadline_at timestamptz)
RETURNS TABLE ("minute" timestamptz, "series" text, "key" text) LANGUAGE sql STABLE AS $$
  SELECT date_trunc('minute', received_at, 'UTC'), f.series, f.key
    FROM (VALUES
      ('messages', status),
      ('commit_us', CASE WHEN status = 'committed' AND final_at IS NOT NULL
                         THEN stats_bucket(stats_micros(final_at, received_at))::text END),
      ('slack_us', CASE WHEN final_at IS NOT NULL
                        THEN stats_bucket(stats_micros(deadline_at, final_at))::text END)) AS f(series, key)
   WHERE f.key IS NOT NULL
$$;
--> statement-breakpoint
-- A decision's contributions, under the minute it was made: counted by action and source, the
-- rules' evaluation time, and for a moderator's or the sweeper's the time since receipt.
CREATE FUNCTION stats_decision_facts(created_at timestamptz, action text, source text, evaluation_us integer, received_at timestamptz)
RETURNS TABLE ("minute" timestamptz, "series" text, "key" text) LANGUAGE sql STABLE AS $$
  SELECT date_trunc('minute', created_at, 'UTC'), f.series, f.key
    FROM (VALUES
      ('decisions', action || '/' || source),
      ('rules_evaluation_us', CASE WHEN source = 'rules' AND evaluation_us IS NOT NULL
                                   THEN stats_bucket(evaluation_us)::text END),
      ('review_us', CASE WHEN source IN ('moderator', 'system') AND received_at IS NOT NULL
                         THEN stats_bucket(stats_micros(created_at, received_at))::text END)) AS f(series, key)
   WHERE f.key IS NOT NULL
$$;
--> statement-breakpoint
-- The review queue over time is history, not a function of today's rows: messages entering and
-- leaving 'held', under the minute it happened ('queue' series, keys 'in' and 'out').
CREATE FUNCTION stats_messages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_deltas ("minute", "series", "key", "n")
  SELECT f.minute, f.series, f.key, count(*)
    FROM new_rows r, stats_message_facts(r.received_at, r.status, r.final_at, r.deadline_at) f
   GROUP BY 1, 2, 3
  UNION ALL
  SELECT date_trunc('minute', r.received_at, 'UTC'), 'queue', 'in', count(*)
    FROM new_rows r WHERE r.status = 'held' GROUP BY 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION stats_messages_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_deltas ("minute", "series", "key", "n")
  SELECT d.minute, d.series, d.key, sum(d.n)
    FROM new_rows r JOIN old_rows o USING (id)
   CROSS JOIN LATERAL (
      SELECT f.minute, f.series, f.key, 1 AS n
        FROM stats_message_facts(r.received_at, r.status, r.final_at, r.deadline_at) f
      UNION ALL
      SELECT f.minute, f.series, f.key, -1
        FROM stats_message_facts(o.received_at, o.status, o.final_at, o.deadline_at) f
      UNION ALL
      SELECT date_trunc('minute', r.updated_at, 'UTC'), 'queue', CASE WHEN r.status = 'held' THEN 'in' ELSE 'out' END, 1
       WHERE (o.status = 'held') <> (r.status = 'held')
   ) d
   WHERE (r.received_at, r.status, r.final_at, r.deadline_at) IS DISTINCT FROM (o.received_at, o.status, o.final_at, o.deadline_at)
   GROUP BY 1, 2, 3
  HAVING sum(d.n) <> 0;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION stats_messages_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO stats_deltas ("minute", "series", "key", "n")
  SELECT f.minute, f.series, f.key, -count(*)
    FROM old_rows o, stats_message_facts(o.received_at, o.status, o.final_at, o.deadline_at) f
   GROUP BY 1, 2, 3;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- The receipt time is looked up only for moderators' and the sweeper's decisions, by key: the
-- rules' decisions (every hook) never touch messages here. A decision deleted after its message
-- cannot be looked up, so retention deletes decisions first.
CREATE FUNCTION stats_decisions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO stats_deltas ("minute", "series", "key", "n")
    SELECT f.minute, f.series, f.key, count(*)
      FROM new_rows d
      LEFT JOIN LATERAL (SELECT m.received_at FROM messages m
                          WHERE d.source IN ('moderator', 'system') AND m.id = d.message_id) m ON true,
           stats_decision_facts(d.created_at, d.action, d.source, d.evaluation_us, m.received_at) f
     GROUP BY 1, 2, 3;
  ELSE
    INSERT INTO stats_deltas ("minute", "series", "key", "n")
    SELECT f.minute, f.series, f.key, -count(*)
      FROM old_rows d
      LEFT JOIN LATERAL (SELECT m.received_at FROM messages m
                          WHERE d.source IN ('moderator', 'system') AND m.id = d.message_id) m ON true,
           stats_decision_facts(d.created_at, d.action, d.source, d.evaluation_us, m.received_at) f
     GROUP BY 1, 2, 3;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER stats_messages_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_messages_inserted();
--> statement-breakpoint
CREATE TRIGGER stats_messages_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_messages_updated();
--> statement-breakpoint
CREATE TRIGGER stats_messages_delete AFTER DELETE ON messages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_messages_deleted();
--> statement-breakpoint
CREATE TRIGGER stats_decisions_insert AFTER INSERT ON decisions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_decisions_changed();
--> statement-breakpoint
CREATE TRIGGER stats_decisions_delete AFTER DELETE ON decisions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_decisions_changed();
--> statement-breakpoint
-- Moves up to `batch` deltas into the per-minute, per-hour and per-day (UTC) rows. The delete and the additions
-- are one transaction, so a delta is counted exactly once; one roll-up runs at a time (the others
-- return 0 at once), and rows that reach zero are removed.
CREATE FUNCTION stats_roll_up(batch integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  moved integer;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7277311043) THEN
    RETURN 0;
  END IF;
  WITH taken AS (
    DELETE FROM stats_deltas
     WHERE id IN (SELECT id FROM stats_deltas ORDER BY id LIMIT batch)
    RETURNING "minute", "series", "key", "n"
  ), summed AS (
    SELECT g.grain,
           CASE WHEN g.grain = 'minute' THEN t.minute ELSE date_trunc(g.grain, t.minute, 'UTC') END AS bucket,
           t.series, t.key, sum(t.n) AS n
      FROM taken t CROSS JOIN (VALUES ('minute'), ('hour'), ('day')) AS g(grain)
     GROUP BY 1, 2, 3, 4
  ), merged AS (
    INSERT INTO stats_rollup ("grain", "bucket", "series", "key", "n")
    SELECT grain, bucket, series, key, n FROM summed WHERE n <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT ("grain", "bucket", "series", "key") DO UPDATE SET "n" = stats_rollup.n + excluded.n
  )
  SELECT count(*) INTO moved FROM taken;
  DELETE FROM stats_rollup WHERE "n" = 0;
  RETURN moved;
END
$$;
--> statement-breakpoint
-- The history already there, counted the same way.
INSERT INTO stats_deltas ("minute", "series", "key", "n")
SELECT f.minute, f.series, f.key, count(*)
  FROM messages r, stats_message_facts(r.received_at, r.status, r.final_at, r.deadline_at) f
 GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO stats_deltas ("minute", "series", "key", "n")
SELECT f.minute, f.series, f.key, count(*)
  FROM decisions d
  LEFT JOIN messages m ON m.id = d.message_id,
       stats_decision_facts(d.created_at, d.action, d.source, d.evaluation_us, m.received_at) f
 GROUP BY 1, 2, 3;
--> statement-breakpoint
-- The queue's past cannot be recovered from the rows; it starts with the messages held now.
INSERT INTO stats_deltas ("minute", "series", "key", "n")
SELECT date_trunc('minute', received_at, 'UTC'), 'queue', 'in', count(*)
  FROM messages WHERE status = 'held' GROUP BY 1;
