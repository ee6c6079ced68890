import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { QueueEvent, QueueEvents } from "../review/queue-events.ts";
import type { AuthEnv } from "./auth.ts";
import { AUTH_ERRORS, bearerSecurity, createRouter, json, problemResponses } from "./openapi.ts";
import { Problem } from "./problem.ts";

/** Keeps idle proxies from closing the stream, and lets a console notice a dead one. */
const HEARTBEAT_MS = 15_000;

const meRoute = createRoute({
  method: "get",
  path: "/me",
  tags: ["Review"],
  summary: "Who the bearer token belongs to",
  description:
    "The console signs in with it: a token that answers here is valid, and the role says what it may do.",
  security: bearerSecurity,
  responses: {
    200: json(
      z.object({ id: z.string(), name: z.string(), role: z.enum(["moderator", "admin"]) }).openapi("Me"),
      "The token's moderator",
    ),
    ...problemResponses(...AUTH_ERRORS),
  },
});

const eventsRoute = createRoute({
  method: "get",
  path: "/events",
  tags: ["Review"],
  summary: "Server-sent events: the review queue changed",
  description: [
    "A `text/event-stream` that never ends on its own. Event `ready` once subscribed; then event",
    "`queue` with `{kind, id}` whenever a message enters the queue (`held`), leaves it (`left`,",
    "with its new `status`), or is claimed or released (`claim`), on any replica; `resync` when",
    "events may have been missed (refetch the queue); `ping` every 15 s. Authenticate with the",
    "Authorization header (read the stream with `fetch`: `EventSource` cannot send headers).",
  ].join(" "),
  security: bearerSecurity,
  responses: {
    200: {
      description: "The event stream",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...problemResponses("unauthenticated", "invalid_token", "events_unavailable"),
  },
});

/** The console's own API routes: sign-in and the live queue feed. */
export function consoleRoutes(deps: { events: QueueEvents }) {
  const app = createRouter<AuthEnv>();
  app.openapi(meRoute, (c) => {
    const actor = c.get("actor");
    return c.json(
      { id: actor.id, name: actor.name, role: actor.kind === "admin" ? "admin" : "moderator" },
      200,
    );
  });
  app.openapi(eventsRoute, async (c) => {
    // Subscribe before answering, so a database that cannot listen gets a 503, not a dead stream.
    const early: QueueEvent[] = [];
    let deliver = (event: QueueEvent) => void early.push(event);
    let end: () => void = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    let unsubscribe: () => void;
    try {
      unsubscribe = await deps.events.subscribe((event) => deliver(event), end);
    } catch {
      throw new Problem(
        "events_unavailable",
        "Could not listen for queue changes on the database; reload the page in a moment, or refresh the queue by hand.",
      );
    }
    return streamSSE(c, async (stream) => {
      stream.onAbort(end);
      const send = (event: string, data: string) => void stream.writeSSE({ event, data }).catch(end);
      const heartbeat = setInterval(() => send("ping", ""), HEARTBEAT_MS);
      try {
        await stream.writeSSE({ event: "ready", data: "{}" });
        deliver = (event) => send("queue", JSON.stringify(event));
        for (const event of early.splice(0)) deliver(event);
        await ended;
      } finally {
        clearInterval(heartbeat);
        unsubscribe();
      }
    });
  });
  return app;
}
