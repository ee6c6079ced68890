ALTER TABLE "decisions" ADD COLUMN "shadow_matches" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "sampled_rules" jsonb;--> statement-breakpoint
CREATE INDEX "decisions_shadow_matches_idx" ON "decisions" USING gin ("shadow_matches" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "decisions_sampled_idx" ON "decisions" USING btree ("created_at") WHERE "decisions"."sampled_rules" is not null;--> statement-breakpoint
CREATE TABLE "rule_versions" (
	"version" text PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"content" text NOT NULL,
	"lists" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"first_active_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rule_activations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"version" text NOT NULL,
	"trigger" text NOT NULL,
	"replica" text NOT NULL,
	"activated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rule_activations" ADD CONSTRAINT "rule_activations_version_rule_versions_version_fk" FOREIGN KEY ("version") REFERENCES "public"."rule_versions"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rule_activations_version_idx" ON "rule_activations" USING btree ("version","activated_at");
