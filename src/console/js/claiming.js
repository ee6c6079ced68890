// Claims, the same from the queue and from the message page: whose a claim is, and taking or
// giving one back with a sentence that says how it went.
import { api, session } from "./api.js";
import { announce } from "./dom.js";

/** The claim while it lasts, else null (an expired claim holds nobody back). */
export function liveClaim(claim) {
  return claim && Date.parse(claim.expires_at) > Date.now() ? claim : null;
}

/** "mine", "theirs" or "free": what a moderator can do about a message's claim. */
export function claimState(claim) {
  const live = liveClaim(claim);
  if (!live) return "free";
  return live.moderator_id === session.me?.id ? "mine" : "theirs";
}

/** An admin may release anyone's claim; a moderator only their own. */
export function mayRelease(claim) {
  const state = claimState(claim);
  return state === "mine" || (state === "theirs" && session.me?.role === "admin");
}

/** Claims (or renews one's own claim on) a message; says how it went. */
export async function claim(id, say) {
  return send(
    id,
    "claim",
    (answer) => `Claimed until ${new Date(answer.claim.expires_at).toLocaleTimeString()}.`,
    say,
  );
}

/** Gives the claim back so that others can take the message; says how it went. */
export async function release(id, say) {
  return send(
    id,
    "release",
    (answer) => (answer.released ? "Released: others can take it." : "There was no claim left to release."),
    say,
  );
}

async function send(id, action, sentence, say) {
  try {
    const answer = await api("POST", `/messages/${encodeURIComponent(id)}/${action}`);
    const text = sentence(answer);
    say(text);
    announce(text);
    return true;
  } catch (error) {
    say(error.message, true);
    return false;
  }
}
