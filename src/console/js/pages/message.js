// One message: what was written with what the rules matched, the request's signals, the
// sender's recent history, and the decision.
import { api, session } from "../api.js";
import { paintCountdown } from "../deadline.js";
import { announce, confirmAction, fill, formatTime, h, isTyping, statusLine } from "../dom.js";
import { listenToQueue } from "../events.js";
import { highlighted, matchList } from "../spans.js";

const LINK = /\bhttps?:\/\/[^\s<>"']+|\bwww\.[^\s<>"']+/gi;
const HISTORY = 10;

export function messagePage(main, { id }) {
  const { element: status, say } = statusLine();
  const body = h("div");
  fill(main, h("p", {}, h("a", { href: "#/queue" }, "← Back to the queue (u)")), status, body);
  let record = null;
  let countdown = null;

  async function load() {
    try {
      record = await api("GET", `/messages/${encodeURIComponent(id)}`);
      render();
    } catch (error) {
      fill(body, h("h1", {}, "Message"), h("p.error", { role: "alert" }, error.message));
    }
  }

  function render() {
    const message = record.message ?? {};
    const rulesDecision = record.decisions.find((d) => d.source === "rules");
    const matches = rulesDecision?.matches ?? [];
    const text = message.text ?? "";
    const held = record.status === "held";
    const claim = record.claim && Date.parse(record.claim.expires_at) > Date.now() ? record.claim : null;
    countdown = held ? h("span.countdown", { dataset: { deadline: record.deadline_at } }) : null;
    const reason = h("input#decision-reason", { maxlength: 2000, autocomplete: "off" });
    const links = [...text.matchAll(LINK)].map((m) => m[0]);
    const attachments = Array.isArray(message.attachments) ? message.attachments : [];
    const info = rulesDecision?.request_info ?? record.request_info ?? {};
    fill(
      body,
      h("h1", {}, "Message from ", message.user?.name ?? record.user_id ?? "unknown"),
      h(
        "dl.facts",
        {},
        h("dt", {}, "Status"),
        h(
          "dd",
          {},
          h("strong", { class: `status-${record.status}` }, record.status),
          record.status_reason ? ` (${record.status_reason})` : "",
        ),
        held
          ? [
              h("dt", {}, "Time left"),
              h("dd", {}, countdown, ` (deadline ${formatTime(record.deadline_at)})`),
            ]
          : null,
        h("dt", {}, "Sender"),
        h(
          "dd",
          {},
          `${message.user?.name ?? ""} ${record.user_id ?? ""}`.trim() || "—",
          message.user?.role ? ` (${message.user.role})` : "",
        ),
        h("dt", {}, "Channel"),
        h("dd", {}, record.cid ?? "—"),
        h("dt", {}, "Claimed by"),
        h(
          "dd",
          {},
          claim
            ? `${claim.moderator_id === session.me.id ? "you" : claim.moderator_name} until ${formatTime(claim.expires_at)}`
            : "nobody",
        ),
        h("dt", {}, "Received"),
        h("dd", {}, formatTime(record.received_at)),
      ),
      h("h2", {}, "Text"),
      highlighted(text, matches),
      h("h2", {}, "Why it was held"),
      rulesDecision?.error ? h("p.error", {}, `Evaluation failed: ${rulesDecision.error}`) : null,
      matchList(matches),
      held
        ? h(
            "section.decide",
            { "aria-label": "Decide" },
            h("h2", {}, "Decide"),
            h("label", { for: "decision-reason" }, "Reason (optional, kept in the audit trail)"),
            reason,
            h(
              "div.button-row",
              {},
              h(
                "button",
                { type: "button", onclick: () => act("claim") },
                claim?.moderator_id === session.me.id ? "Renew claim (c)" : "Claim (c)",
              ),
              claim?.moderator_id === session.me.id
                ? h("button", { type: "button", onclick: () => act("release") }, "Release")
                : null,
              h(
                "button.primary",
                { type: "button", onclick: () => act("approve", reason.value) },
                "Approve (a)",
              ),
              h(
                "button.danger",
                { type: "button", onclick: () => act("reject", reason.value) },
                "Reject (r)",
              ),
            ),
          )
        : null,
      h("h2", {}, "Links and attachments"),
      links.length === 0 && attachments.length === 0
        ? h("p.muted", {}, "None.")
        : h(
            "ul",
            {},
            links.map((link) => h("li", {}, "link: ", h("code", {}, link))),
            attachments.map((attachment) =>
              h(
                "li",
                {},
                `${attachment.type ?? "attachment"}: `,
                [
                  attachment.title,
                  attachment.title_link,
                  attachment.og_scrape_url,
                  attachment.image_url,
                  attachment.asset_url,
                  attachment.thumb_url,
                ]
                  .filter(Boolean)
                  .map((value) => h("code", {}, `${value} `)),
              ),
            ),
          ),
      h("h2", {}, "Request signals"),
      h(
        "dl.facts",
        {},
        ["ip", "user_agent", "sdk", "ext", "type"].map((key) => [
          h("dt", {}, key),
          h("dd", {}, info[key] ?? "—"),
        ]),
      ),
      h("h2", {}, "Sender's recent history"),
      history(record.user_id, info.ip),
      h("h2", {}, "Audit trail"),
      record.actions.length === 0
        ? h("p.muted", {}, "No moderator action yet.")
        : h(
            "ul",
            {},
            record.actions.map((a) =>
              h(
                "li",
                {},
                `${formatTime(a.created_at)} ${a.actor_name ?? a.actor_kind}: ${a.action} → ${a.result}`,
                a.reason ? ` (“${a.reason}”)` : "",
              ),
            ),
          ),
    );
    tick();
  }

  function history(userId, ip) {
    const section = h("div.history");
    const lists = [];
    if (userId) lists.push([`Last decisions for user ${userId}`, { user_id: userId }]);
    if (ip) {
      lists.push([`Same IP ${ip}`, { ip }]);
      const v4 = ip.match(/^(?:::ffff:)?(\d+\.\d+\.\d+)\.\d+$/);
      if (v4) lists.push([`Same network ${v4[1]}.0/24`, { ip: `${v4[1]}.0/24` }]);
    }
    if (lists.length === 0) return h("p.muted", {}, "No user id or IP to look up.");
    for (const [title, query] of lists) {
      const list = h("div", {}, h("p.muted", {}, "Loading…"));
      section.append(h("h3", {}, title), list);
      api("GET", "/decisions", { query: { ...query, limit: HISTORY } })
        .then((page) => {
          const others = page.items.filter((d) => d.message_id !== id);
          fill(
            list,
            others.length === 0
              ? h("p.muted", {}, "Nothing else.")
              : h(
                  "ul",
                  {},
                  others.map((d) =>
                    h(
                      "li",
                      {},
                      `${formatTime(d.created_at)} `,
                      h("strong", {}, d.action),
                      ` by ${d.source}${d.actor ? ` (${d.actor})` : ""}: `,
                      h("a", { href: `#/message/${encodeURIComponent(d.message_id)}` }, d.message_id),
                    ),
                  ),
                ),
            h("a", { href: `#/search?${new URLSearchParams(query)}` }, "Search all"),
          );
        })
        .catch((error) => fill(list, h("p.error", {}, error.message)));
    }
    return section;
  }

  async function act(action, reason) {
    const path = `/messages/${encodeURIComponent(id)}/${action}`;
    try {
      const body =
        action === "approve" || action === "reject" ? { reason: reason?.trim() || undefined } : undefined;
      const answer = await api("POST", path, { body });
      const done = {
        claim: `Claimed until ${answer.claim ? new Date(answer.claim.expires_at).toLocaleTimeString() : ""}.`,
        release: "Released: others can take it.",
        approve: `Approved: the message is ${answer.status}.`,
        reject: `Rejected: the message is ${answer.status}.`,
      }[action];
      say(done);
      announce(done);
    } catch (error) {
      say(error.message, true);
    }
    await load();
  }

  /** From the keyboard, a decision asks once first: a stray key must not publish or delete. */
  async function confirmThenAct(action) {
    const answer = await confirmAction({
      title: action === "approve" ? "Approve this message?" : "Reject this message?",
      text: action === "approve" ? "It will be published." : "It will be deleted.",
      confirmLabel: action === "approve" ? "Approve" : "Reject",
      reason: document.getElementById("decision-reason")?.value ?? "",
    });
    if (answer) await act(action, answer.reason);
  }

  function tick() {
    if (countdown) paintCountdown(countdown, countdown.dataset.deadline);
  }

  function onKey(event) {
    if (isTyping(event)) return;
    const keys = {
      u: () => {
        location.hash = "#/queue";
      },
      c: () => record?.status === "held" && act("claim"),
      a: () => record?.status === "held" && confirmThenAct("approve"),
      r: () => record?.status === "held" && confirmThenAct("reject"),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  document.addEventListener("keydown", onKey);
  const ticker = setInterval(tick, 250);
  // The status and claim change under us too (other moderators, the deadline).
  const stopEvents = listenToQueue((event) => {
    if (event.kind === "resync" || event.id === id) load();
  });
  load();
  return () => {
    document.removeEventListener("keydown", onKey);
    clearInterval(ticker);
    stopEvents();
  };
}
