import { Hono } from "hono";
import type { Db } from "../db/client.ts";
import { getMessageRecord } from "../review/message-record.ts";
import type { AuthEnv } from "./auth.ts";
import { Problem } from "./problem.ts";

export function messageRoutes(deps: { db: Db }): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.get("/messages/:id", async (c) => {
    const id = c.req.param("id");
    const record = await getMessageRecord(deps.db, id);
    if (!record) {
      throw new Problem(
        404,
        "message_not_found",
        "Unknown message",
        `No message with id ${JSON.stringify(id)} has been received.`,
      );
    }
    return c.json(record);
  });
  return app;
}
