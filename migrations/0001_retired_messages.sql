ALTER TABLE "messages" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "messages_retention_idx" ON "messages" USING btree ("final_at") WHERE "messages"."final_at" is not null and "messages"."retired_at" is null;
