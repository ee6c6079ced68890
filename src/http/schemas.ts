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
});
