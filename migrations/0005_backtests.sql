-- Why the shadow rules of a decision could not all be evaluated (the decision stood either way).
ALTER TABLE "decisions" ADD COLUMN IF NOT EXISTS "shadow_error" text;
--> statement-breakpoint
-- Backtests: a candidate rules file replayed over the stored messages of a time window. The job
-- and its result live here, not in the replica running it, so any replica can answer for it.
CREATE TABLE IF NOT EXISTS "backtests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"requested_by" text NOT NULL,
	"candidate_version" text NOT NULL,
	"candidate" jsonb NOT NULL,
	"window_since" timestamp with time zone NOT NULL,
	"window_until" timestamp with time zone NOT NULL,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"processed" integer DEFAULT 0 NOT NULL,
	"total" integer,
	"result" jsonb,
	"error" text,
	"replica" text NOT NULL,
	"cancel_requested_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "backtests_created_idx" ON "backtests" USING btree ("created_at");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "backtests_expires_idx" ON "backtests" USING btree ("expires_at");
