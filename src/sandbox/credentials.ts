import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensurePrivateDirectory } from "../db/private-directory.ts";

export interface SandboxCredentials {
  apiKey: string;
  apiSecret: string;
  adminToken: string;
}

/**
 * Dev credentials for sandbox mode, kept in DATA_DIR so the printed test command keeps working
 * across restarts.
 */
export function sandboxCredentials(dataDir: string): SandboxCredentials {
  ensurePrivateDirectory(dataDir);
  const path = join(dataDir, "sandbox-credentials.json");
  try {
    return JSON.parse(readFileSync(path, "utf8")) as SandboxCredentials;
  } catch {
    const credentials = {
      apiKey: `sandbox_${randomBytes(6).toString("hex")}`,
      apiSecret: randomBytes(24).toString("hex"),
      adminToken: `dev_admin_${randomBytes(16).toString("hex")}`,
    };
    writeFileSync(path, JSON.stringify(credentials, null, 2), { mode: 0o600 });
    return credentials;
  }
}

/** A ready-to-paste command that signs a test hook the way Stream does and sends it. */
export function sampleHookCommand(
  baseUrl: string,
  credentials: SandboxCredentials,
  text = "hello from the sandbox",
): string {
  const body = JSON.stringify({
    message: {
      id: "sandbox-$(date +%s%N)",
      text,
      type: "regular",
      cid: "messaging:general",
      user: { id: "alice", role: "user" },
    },
    metadata: {},
    request_info: { type: "client", ip: "203.0.113.7", user_agent: "curl", sdk: "sandbox" },
  }).replaceAll('"', '\\"');
  return [
    `body="${body}"; \\`,
    `curl -s -X POST ${baseUrl}/PassOnPendingMessage \\`,
    `  -H "Content-Type: application/json" -H "X-Api-Key: ${credentials.apiKey}" \\`,
    `  -H "X-Signature: $(printf %s "$body" | openssl dgst -sha256 -hmac '${credentials.apiSecret}' | sed 's/^.* //')" \\`,
    `  -d "$body"`,
  ].join("\n");
}
