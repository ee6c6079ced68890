// Approving or rejecting one message, the same from the queue and from the message page: the
// confirmation (a stray key must not publish or delete), the call, and the sentence that says
// how it went.
import { api } from "./api.js";
import { announce, confirmAction } from "./dom.js";

const WORDS = {
  approve: {
    ask: "Approve this message?",
    effect: "It will be published.",
    confirm: "Approve",
    done: "Approved",
  },
  reject: { ask: "Reject this message?", effect: "It will be deleted.", confirm: "Reject", done: "Rejected" },
};

/** “text” from sender. It will be published. */
function describe(message, action) {
  const sender = message.user?.name ?? message.user?.id ?? "unknown";
  return `“${(message.text ?? "").slice(0, 200)}” from ${sender}. ${WORDS[action].effect}`;
}

/**
 * Sends the decision and says how it went (`say(text, isError)`, and to screen readers).
 * Answers true when the service took it.
 */
export async function decide(id, action, reason, say) {
  try {
    const result = await api("POST", `/messages/${encodeURIComponent(id)}/${action}`, {
      body: { reason: reason?.trim() || undefined },
    });
    const text = `${WORDS[action].done}: the message is ${result.status}.`;
    say(text);
    announce(text);
    return true;
  } catch (error) {
    say(error.message, true);
    return false;
  }
}

/**
 * Asks once (showing the message's text and sender, with `reason` filled in), then decides.
 * `message` is {text, user: {id, name}}. Answers false when cancelled or refused.
 */
export async function confirmAndDecide({ id, action, message, reason = "", say }) {
  const answer = await confirmAction({
    title: WORDS[action].ask,
    text: describe(message, action),
    confirmLabel: WORDS[action].confirm,
    reason,
  });
  if (!answer) return false;
  return decide(id, action, answer.reason, say);
}
