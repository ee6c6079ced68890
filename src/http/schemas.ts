import { z } from "@hono/zod-openapi";
import { messageStatuses } from "../db/schema/index.ts";

export const MessageStatusSchema = z.enum(messageStatuses).openapi("MessageStatus");

export const MessageIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(255)
    .openapi({ param: { name: "id", in: "path" }, example: "msg-3f1c", description: "Stream message id" }),
});

export const LimitQuery = z.coerce
  .number()
  .int()
  .min(1)
  .max(500)
  .default(50)
  .openapi({ description: "Page size (1-500, default 50)." });

export const CursorQuery = z
  .string()
  .max(500)
  .optional()
  .openapi({ description: "`next_cursor` of the previous page; omit for the first page." });

export const ReasonBody = z
  .object({ reason: z.string().max(2000).optional().openapi({ example: "spam link" }) })
  .openapi("DecisionReason");

const SpanSchema = z.object({
  field: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  text: z.string(),
  normalized: z.string(),
});

export const RuleMatchSchema = z
  .object({
    rule_id: z.string(),
    action: z.enum(["approve", "reject", "review"]),
    conditions: z.array(
      z.object({ key: z.string(), detail: z.string(), spans: z.array(SpanSchema).optional() }),
    ),
  })
  .openapi("RuleMatch");

export const ClaimSchema = z
  .object({
    moderator_id: z.string(),
    moderator_name: z.string(),
    expires_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Claim");

export const RequestInfoColumnsSchema = z.object({
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  sdk: z.string().nullable(),
  ext: z.string().nullable(),
  type: z.string().nullable(),
});

/** One decision as every route shows it: what was decided, by whom, why, and on which signals. */
export const DecisionEntrySchema = z.object({
  id: z.number().int(),
  action: z.enum(["approve", "reject", "review", "expire"]),
  source: z.enum(["rules", "moderator", "system"]),
  actor: z.string().nullable(),
  reason: z.string().nullable(),
  matches: z.unknown().openapi({ type: "array", items: { $ref: "#/components/schemas/RuleMatch" } }),
  ruleset_version: z.string().nullable(),
  error: z.string().nullable(),
  request_info: RequestInfoColumnsSchema,
  evaluation_us: z.number().int().nullable(),
  created_at: z.string().openapi({ format: "date-time" }),
  shadow_matches: z.unknown().openapi({
    type: "array",
    items: { $ref: "#/components/schemas/RuleMatch" },
    description:
      "Shadow rules (`mode: shadow`) that matched, with the action each would have taken. Never acted on.",
  }),
  shadow: z.string().nullable().openapi({
    description: "What the shadow rules would have done, e.g. `shadow: would have rejected (links)`.",
  }),
  shadow_error: z.string().nullable().openapi({
    description:
      "Why the shadow rules could not all be evaluated (e.g. their time budget ran out); `shadow_matches` holds what they found before. The decision stood.",
  }),
  sampled_rules: z.array(z.string()).nullable().openapi({
    description:
      "Reject rules whose rejection was sent to review as a calibration sample (`sample_for_review`); null otherwise.",
  }),
});

// Postgres stores years 4713 BC to 294276 AD but JavaScript writes years before 1 and after 9999
// in forms it refuses ("0000-...", "+010000-..."): a filter is held to the years both agree on.
const EARLIEST = Date.parse("0001-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

/** An optional ISO 8601 date-time query parameter, refused with its name unless in years 1-9999. */
export const DateTimeQuery = (name: string) =>
  z.iso
    .datetime({ offset: true, message: `${name} must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z` })
    .refine(
      (value) => {
        const time = Date.parse(value);
        return time >= EARLIEST && time <= LATEST;
      },
      { message: `${name} must be a date-time between the years 1 and 9999` },
    )
    .optional()
    .openapi({ format: "date-time" });
