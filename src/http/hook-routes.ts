import { Hono } from "hono";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { MessageStatus } from "../db/schema/index.ts";
import type { Dispatcher } from "../dispatch/dispatcher.ts";
import { closeDeletedMessage } from "../hooks/close-deleted.ts";
import { type HookPayload, hookPayloadSchema } from "../hooks/payload.ts";
import { BadEncodingError, BodyTooLargeError, readRawBody } from "../hooks/read-body.ts";
import { type Delivery, type Receipt, type ReceiveContext, receivePendingMessage } from "../hooks/receive.ts";
import { jsonDepthExceeds, MAX_JSON_DEPTH, withStorableEscapes } from "../hooks/storable-json.ts";
import { safeEqual, verifySignature } from "../hooks/verify-signature.ts";
import { Problem } from "./problem.ts";

export type HookName = "PassOnPendingMessage" | "DeletedPendingMessage";

export interface HookRouteDeps {
  config: Pick<Config, "hookPath" | "maxBodyBytes" | "receiptTimeoutMs"> & {
    stream: Pick<Config["stream"], "apiKey" | "secrets">;
  };
  receive: ReceiveContext;
  dispatcher: Pick<Dispatcher, "kick">;
  logger: Logger;
  /** False while shutting down: new hooks get 503 so Stream retries them on another replica. */
  accepting: () => boolean;
  /** Observes each delivery (metrics); `status` is the message's status after a stored receipt. */
  onReceipt?: (hook: HookName, outcome: string, elapsedMs: number, status?: MessageStatus) => void;
}

const handlers: Record<
  HookName,
  (ctx: ReceiveContext, payload: HookPayload, delivery: Delivery) => Promise<Receipt>
> = {
  PassOnPendingMessage: receivePendingMessage,
  DeletedPendingMessage: closeDeletedMessage,
};

const RETRY_AFTER_SECONDS = "2";

class ReceiptTimeoutError extends Error {
  override name = "ReceiptTimeoutError";
}

/**
 * Stream gives up on a hook after about 6 s and retries it. A receipt stuck on an unreachable
 * database answers 503 before that, so the retry is Stream's, not a silent timeout. The write may
 * still finish; the retry then finds the message and is answered with its status.
 */
function withinReceiptTimeout(
  receipt: Promise<Receipt>,
  timeoutMs: number,
  onLate: (receipt: Receipt) => void,
): Promise<Receipt> {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new ReceiptTimeoutError(`no receipt within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  receipt.then((late) => timedOut && onLate(late)).catch(() => {});
  return Promise.race([receipt, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The two pending-message hooks. Checks run cheapest-first and nothing is parsed before the
 * signature over the raw bytes is verified; the 200 goes out only after the receipt is durable.
 */
export function hookRoutes(deps: HookRouteDeps): Hono {
  const app = new Hono();
  for (const hook of Object.keys(handlers) as HookName[]) {
    app.post(`/${hook}`, async (c) => {
      const started = performance.now();
      const outcome = (name: string, status?: MessageStatus) =>
        deps.onReceipt?.(hook, name, performance.now() - started, status);
      if (!deps.accepting()) {
        outcome("shutting_down");
        throw new Problem("shutting_down", "This replica is shutting down; retry on another.", {
          headers: {
            "Retry-After": RETRY_AFTER_SECONDS,
          },
        });
      }
      const raw = await readBody(c.req.raw, deps.config.maxBodyBytes).catch((error) => {
        outcome(error instanceof Problem ? error.code : "bad_body");
        throw error;
      });
      const authFailure = authenticate(c.req.raw.headers, raw, deps.config.stream);
      if (authFailure) {
        outcome("unauthorized");
        throw authFailure;
      }
      const payload = parsePayload(raw);
      if (payload instanceof Problem) {
        outcome(payload.code);
        throw payload;
      }
      const delivery = deliveryOf(c.req.raw.headers);
      const requestId = c.get("requestId" as never) as string | undefined;
      let receipt: Receipt;
      try {
        receipt = await withinReceiptTimeout(
          handlers[hook](deps.receive, payload, delivery),
          deps.config.receiptTimeoutMs,
          // Stored after all, once we had given up on it: dispatch it now rather than at the next poll.
          (late) => late.dispatch && deps.dispatcher.kick(late.messageId),
        );
      } catch (error) {
        const timedOut = error instanceof ReceiptTimeoutError;
        deps.logger.error(
          { err: error, hook, messageId: payload.message.id, requestId },
          timedOut
            ? "storing the hook took too long; answered 503 (Stream's retry will find it if it was stored)"
            : "could not store the hook; answered 503",
        );
        outcome("unavailable");
        throw new Problem(
          "database_unavailable",
          timedOut
            ? `The receipt was not confirmed within ${deps.config.receiptTimeoutMs} ms; retry later.`
            : "The receipt could not be stored; retry later.",
          { headers: { "Retry-After": RETRY_AFTER_SECONDS } },
        );
      }
      if (receipt.dispatch) deps.dispatcher.kick(receipt.messageId);
      outcome(receipt.isNew ? "new" : "duplicate", receipt.status);
      deps.logger.debug(
        {
          hook,
          messageId: receipt.messageId,
          status: receipt.status,
          isNew: receipt.isNew,
          requestId,
          ...delivery,
        },
        "hook received",
      );
      return c.json({ message_id: receipt.messageId, status: receipt.status });
    });
  }
  return app;
}

async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  try {
    return await readRawBody(request, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new Problem("body_too_large", error.message);
    if (error instanceof BadEncodingError) throw new Problem("bad_encoding", error.message);
    throw error;
  }
}

function authenticate(
  headers: Headers,
  raw: Uint8Array,
  stream: HookRouteDeps["config"]["stream"],
): Problem | undefined {
  const apiKey = headers.get("x-api-key");
  if (!apiKey || !stream.apiKey || !safeEqual(apiKey, stream.apiKey)) {
    return new Problem(
      "unknown_api_key",
      apiKey ? "X-Api-Key does not match STREAM_API_KEY." : "The X-Api-Key header is missing.",
    );
  }
  if (!verifySignature(raw, headers.get("x-signature") ?? undefined, stream.secrets)) {
    return new Problem(
      "invalid_signature",
      "X-Signature is missing or is not the HMAC-SHA256 of the body with STREAM_API_SECRET.",
    );
  }
  return undefined;
}

function parsePayload(raw: Uint8Array): HookPayload | Problem {
  let json: unknown;
  const text = withStorableEscapes(Buffer.from(raw).toString("utf8"));
  if (jsonDepthExceeds(text)) {
    return new Problem("invalid_payload", `body: nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    json = JSON.parse(text);
  } catch (error) {
    return new Problem("invalid_json", `The body could not be parsed as JSON: ${(error as Error).message}`);
  }
  const parsed = hookPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "body";
    const missingId = !(json as { message?: { id?: unknown } } | null)?.message?.id;
    return new Problem(
      missingId ? "missing_message_id" : "invalid_payload",
      `${where}: ${issue?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}

function deliveryOf(headers: Headers): Delivery {
  const attempt = Number(headers.get("x-webhook-attempt"));
  return {
    webhookId: headers.get("x-webhook-id")?.slice(0, 200) ?? null,
    attempt: Number.isInteger(attempt) && attempt > 0 && attempt < 2 ** 31 ? attempt : null,
  };
}
