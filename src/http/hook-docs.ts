import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { hookPayloadSchema } from "../hooks/payload.ts";
import { problemResponses } from "./openapi.ts";
import { MessageStatusSchema } from "./schemas.ts";

// The schema that validates a hook is the one documented: they cannot drift apart.
const HookBody = hookPayloadSchema.openapi("PendingMessageHook", {
  description:
    "Stream's pending-message hook: `message` is its MessageResponse (every field but `id` optional), unknown fields are kept.",
});

const HookAnswer = z.object({ message_id: z.string(), status: MessageStatusSchema }).openapi("HookReceipt");

const headers = z.object({
  "X-Signature": z
    .string()
    .openapi({ description: "Lowercase hex HMAC-SHA256 of the raw body with STREAM_API_SECRET." }),
  "X-Api-Key": z.string().openapi({ description: "Must equal STREAM_API_KEY." }),
  "X-Webhook-Id": z.string().optional(),
  "X-Webhook-Attempt": z.string().optional(),
});

const descriptions = {
  PassOnPendingMessage:
    "A message waiting for moderation. Answered after its receipt and decision are durable; a message already known answers its current status and changes nothing.",
  DeletedPendingMessage:
    "Stream deleted a pending message: the record becomes deleted (or expired, past its deadline) and nothing further is sent to Stream for it.",
} as const;

/**
 * The hook routes are plain Hono handlers (they verify the signature over the raw bytes before
 * parsing anything, so no validator middleware can run first): they are registered here, with
 * the payload schema the handler validates with.
 */
export function describeHookRoutes(registry: OpenAPIHono["openAPIRegistry"], hookPath: string): void {
  for (const hook of ["PassOnPendingMessage", "DeletedPendingMessage"] as const) {
    registry.registerPath({
      method: "post",
      path: `${hookPath}/${hook}`,
      tags: ["Stream hooks"],
      summary: hook,
      description: descriptions[hook],
      request: {
        headers,
        body: { required: true, content: { "application/json": { schema: HookBody } } },
      },
      responses: {
        200: { description: "Durable", content: { "application/json": { schema: HookAnswer } } },
        ...problemResponses(
          "invalid_json",
          "invalid_payload",
          "missing_message_id",
          "bad_encoding",
          "unknown_api_key",
          "invalid_signature",
          "body_too_large",
          "database_unavailable",
          "shutting_down",
        ),
      },
    });
  }
}
