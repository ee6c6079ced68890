import { createHmac, timingSafeEqual } from "node:crypto";

const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * Stream signs the raw (uncompressed) body with HMAC-SHA256 and sends it as lowercase hex in
 * X-Signature. Every configured secret is tried (key rotation) and every comparison runs in
 * constant time, so neither the match nor which secret matched leaks through timing.
 */
export function verifySignature(
  rawBody: Uint8Array,
  signature: string | undefined,
  secrets: readonly string[],
): boolean {
  if (!signature || !SIGNATURE_HEX.test(signature)) return false;
  const given = Buffer.from(signature, "hex");
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret).update(rawBody).digest();
    // No early exit: the loop costs the same whichever secret matches.
    valid = timingSafeEqual(expected, given) || valid;
  }
  return valid;
}

/** Constant-time string equality for API keys and tokens. */
export function safeEqual(a: string, b: string): boolean {
  const left = createHmac("sha256", "gatehouse-compare").update(a).digest();
  const right = createHmac("sha256", "gatehouse-compare").update(b).digest();
  return timingSafeEqual(left, right);
}
