import { chmodSync, mkdirSync } from "node:fs";

/**
 * Creates `dir` readable by this user only, and makes it so again if it was loosened: PGlite
 * writes its files world-writable (0666, whatever the umask), so the directory is what keeps
 * other users of the machine out of the database and the sandbox's dev credentials.
 */
export function ensurePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
