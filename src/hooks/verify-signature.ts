import { createHmac, hash, timingSafeEqual } from "node:crypto";

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

// Hashing both sides to a fixed length before the constant-time compare: the one-shot hash() is
// enough (nobody sees the digests) and cheaper than an HMAC object per request.
const compareDigest = (value: string) => hash("sha256", value, "buffer");

/** Digests of configured values (an API key, the admin token): the same few on every request. */
const knownDigests = new Map<string, Buffer>();
const MAX_KNOWN = 16;

function digestOfConfigured(value: string): Buffer {
  let digest = knownDigests.get(value);
  if (!digest) {
    if (knownDigests.size >= MAX_KNOWN) knownDigests.clear();
    digest = compareDigest(value);
    knownDigests.set(value, digest);
  }
  return digest;
}

/**
 * Constant-time string equality for API keys and tokens: both sides are hashed to a fixed length
 * first, so neither the length nor the content of the expected value leaks through timing.
 * `expected` is the configured value; its digest is kept, as it rarely changes.
 */
export function safeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(compareDigest(given), digestOfConfigured(expected));
}
