// The extended zod: the review API documents these schemas with .openapi(), whatever the import order.
import { z } from "@hono/zod-openapi";
import { isPathSegmentSafe } from "../dispatch/stream-client.ts";

/**
 * An id stored in an indexed column: Postgres refuses a btree entry over about 2.7 kB, so an
 * absurd value must be a 400 here, not a receipt that fails (503) on every retry. The limit is in
 * UTF-8 bytes, what the index holds: 1,024 characters of CJK text are 3 kB. Stream's own ids are
 * far shorter.
 */
export const MAX_INDEXED_ID_BYTES = 1024;
const indexedId = () =>
  z
    .string()
    // Implied by the byte limit; stated too, so the OpenAPI document carries a limit.
    .max(MAX_INDEXED_ID_BYTES)
    .refine((value) => Buffer.byteLength(value, "utf8") <= MAX_INDEXED_ID_BYTES, {
      message: `must be at most ${MAX_INDEXED_ID_BYTES} bytes of UTF-8`,
    });

// Stream's MessageResponse: every field but `id` is optional and unknown fields are kept, so a
// field Stream adds tomorrow still reaches the stored payload and the rules.
const userSchema = z.looseObject({
  id: indexedId(),
  role: z.string().nullish(),
  name: z.string().nullish(),
  banned: z.boolean().nullish(),
});

const attachmentSchema = z.looseObject({
  type: z.string().nullish(),
  title: z.string().nullish(),
  title_link: z.string().nullish(),
  image_url: z.string().nullish(),
  asset_url: z.string().nullish(),
  thumb_url: z.string().nullish(),
  og_scrape_url: z.string().nullish(),
});

export const pendingMessageSchema = z.looseObject({
  id: z
    .string()
    .min(1, "message.id must be a non-empty string")
    .max(255)
    // Sent to Stream as a path segment (POST /messages/{id}/commit), where "." and ".." would
    // climb the path instead of naming a message.
    .refine(isPathSegmentSafe, 'message.id cannot be "." or ".."'),
  text: z.string().nullish(),
  html: z.string().nullish(),
  type: z.string().nullish(),
  cid: indexedId().nullish(),
  user: userSchema.nullish(),
  attachments: z.array(attachmentSchema).nullish(),
  mentioned_users: z.array(z.looseObject({ id: z.string() })).nullish(),
  parent_id: z.string().nullish(),
  quoted_message_id: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
});

export const requestInfoSchema = z.looseObject({
  type: z.string().nullish(),
  ip: z.string().nullish(),
  user_agent: z.string().nullish(),
  sdk: z.string().nullish(),
  ext: z.string().nullish(),
});

export const hookPayloadSchema = z.looseObject({
  message: pendingMessageSchema,
  // The sender's pending_message_metadata: a string map, but be lenient on values so a number
  // sent by a custom SDK does not turn a real message into a 400.
  metadata: z.record(z.string(), z.unknown()).nullish(),
  request_info: requestInfoSchema.nullish(),
});

export type PendingMessage = z.infer<typeof pendingMessageSchema>;
export type RequestInfo = z.infer<typeof requestInfoSchema>;
export type HookPayload = z.infer<typeof hookPayloadSchema>;

/** Metadata values as the rules and the log see them: strings. */
export function normalizeMetadata(metadata: HookPayload["metadata"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) {
    out[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}
