import { createHash } from "node:crypto";

/**
 * Whether a message falls in a sample of the given share. The draw is a hash of the message id,
 * not a random number: a redelivery of the message, a second replica and a backtest all draw the
 * same way, and the share of distinct messages sampled still tends to `share`.
 */
export function calibrationSample(messageId: string, share: number): boolean {
  const digest = createHash("sha256").update(`calibration-sample\0${messageId}`).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000 < share;
}
