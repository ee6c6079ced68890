import type { Db } from "../db/client.ts";
import type { ServiceMetrics } from "../observability/service-metrics.ts";
import type { ModerationDeps } from "../review/moderate.ts";

/** What the review API's routes need. */
export interface ReviewRouteDeps {
  db: Db;
  moderation: ModerationDeps;
  claimTtlMs: number;
  metrics?: ServiceMetrics;
}
