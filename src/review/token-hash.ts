import { createHash } from "node:crypto";

/**
 * Tokens are stored as SHA-256 hashes: a database leak does not leak usable tokens, and a lookup
 * by hash compares digests, so its timing says nothing about how close a wrong token was.
 */
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
