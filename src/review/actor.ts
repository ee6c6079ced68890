import type { ActorKind } from "../db/schema/index.ts";

/** Who acts on a message: a moderator, an admin (ADMIN_TOKEN or an admin moderator), or the system. */
export interface Actor {
  kind: ActorKind;
  /** The moderator's id; "admin" for ADMIN_TOKEN; the worker's name for the system. */
  id: string;
  name: string;
}

export const isAdmin = (actor: Actor) => actor.kind === "admin";
