CREATE TABLE "decisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"action" text NOT NULL,
	"source" text NOT NULL,
	"actor" text,
	"reason" text,
	"matches" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ruleset_version" text,
	"error" text,
	"user_id" text,
	"cid" text,
	"ip" "inet",
	"user_agent" text,
	"sdk" text,
	"ext" text,
	"request_type" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"evaluation_us" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dispatch_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"call" text NOT NULL,
	"dispatcher" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"outcome" text,
	"http_status" integer,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "hook_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"hook" text NOT NULL,
	"webhook_id" text,
	"attempt" integer,
	"outcome" text NOT NULL,
	"status_after" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"cid" text,
	"user_id" text,
	"text" text,
	"payload" jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"request_info" jsonb,
	"message_created_at" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deadline_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"final_at" timestamp with time zone,
	"status_reason" text
);
--> statement-breakpoint
CREATE TABLE "claims" (
	"message_id" text PRIMARY KEY NOT NULL,
	"moderator_id" text NOT NULL,
	"moderator_name" text NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "moderator_actions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" text NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_id" text,
	"actor_name" text,
	"action" text NOT NULL,
	"reason" text,
	"result" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "moderators" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone,
	CONSTRAINT "moderators_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"message_id" text PRIMARY KEY NOT NULL,
	"action" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"outcome_unknown" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "decisions_message_idx" ON "decisions" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "decisions_created_idx" ON "decisions" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "decisions_user_idx" ON "decisions" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "decisions_cid_idx" ON "decisions" USING btree ("cid","created_at");--> statement-breakpoint
CREATE INDEX "decisions_action_idx" ON "decisions" USING btree ("action","created_at");--> statement-breakpoint
CREATE INDEX "decisions_source_idx" ON "decisions" USING btree ("source","created_at");--> statement-breakpoint
CREATE INDEX "decisions_ip_idx" ON "decisions" USING gist ("ip" inet_ops);--> statement-breakpoint
CREATE INDEX "decisions_matches_idx" ON "decisions" USING gin ("matches" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "dispatch_attempts_message_idx" ON "dispatch_attempts" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "hook_deliveries_message_idx" ON "hook_deliveries" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "messages_held_deadline_idx" ON "messages" USING btree ("deadline_at") WHERE "messages"."status" = 'held';--> statement-breakpoint
CREATE INDEX "messages_status_idx" ON "messages" USING btree ("status");--> statement-breakpoint
CREATE INDEX "messages_user_idx" ON "messages" USING btree ("user_id","received_at");--> statement-breakpoint
CREATE INDEX "messages_cid_idx" ON "messages" USING btree ("cid","received_at");--> statement-breakpoint
CREATE INDEX "messages_received_idx" ON "messages" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "moderator_actions_message_idx" ON "moderator_actions" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "moderator_actions_actor_idx" ON "moderator_actions" USING btree ("actor_id","created_at");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("next_attempt_at") WHERE "outbox"."state" = 'pending';