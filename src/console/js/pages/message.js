// One message: what was written with what the rules matched, the request's signals, the
// sender's recent history, and the decision.
import { api } from "../api.js";
import { claim, claimState, liveClaim, mayRelease, release } from "../claiming.js";
import { paintCountdown } from "../deadline.js";
import { confirmAndDecide, decide } from "../decide.js";
import { fill, formatTime, h, isTyping, statusLine } from "../dom.js";
import { listenToQueue } from "../events.js";
import { sampleNote, shadowNote } from "../lifecycle.js";
import { highlighted, matchList } from "../spans.js";

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
    const claimed = liveClaim(record.claim);
    const claimedBy = claimState(record.claim);
    countdown = held ? h("span.countdown", { dataset: { deadline: record.deadline_at } }) : null;
    const reason = h("input#decision-reason", { maxlength: 2000, autocomplete: "off" });
    // The links as the rules read them (the service extracts them), so what is listed here is
    // what link_domain_in tested.
    const links = record.links ?? [];
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
        rulesDecision
          ? [
              h("dt", {}, "Rules decided"),
              h(
                "dd.rules-decided",
                {},
                h("strong", { class: `action-${rulesDecision.action}` }, rulesDecision.action),
                sampleNote(rulesDecision) ? [" ", sampleNote(rulesDecision)] : null,
                shadowNote(rulesDecision) ? [" ", shadowNote(rulesDecision)] : null,
              ),
            ]
          : null,
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
          claimed
            ? `${claimedBy === "mine" ? "you" : claimed.moderator_name} until ${formatTime(claimed.expires_at)}`
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
      sampleNote(rulesDecision)
        ? h(
            "p",
            {},
            sampleNote(rulesDecision),
            ": these rules would have rejected it; it was held instead so that your decision measures how often they are right.",
          )
        : null,
      rulesDecision?.shadow_matches?.length
        ? [
            h("h3", {}, "Shadow rules (recorded, never acted on)"),
            h("p", {}, shadowNote(rulesDecision)),
            matchList(rulesDecision.shadow_matches),
          ]
        : null,
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
              claimedBy === "theirs"
                ? null
                : h(
                    "button",
                    { type: "button", onclick: () => then(claim(id, say)) },
                    claimedBy === "mine" ? "Renew claim (c)" : "Claim (c)",
                  ),
              mayRelease(record.claim)
                ? h("button", { type: "button", onclick: () => then(release(id, say)) }, "Release")
                : null,
              h(
                "button.primary",
                { type: "button", onclick: () => then(decide(id, "approve", reason.value, say)) },
                "Approve (a)",
              ),
              h(
                "button.danger",
                { type: "button", onclick: () => then(decide(id, "reject", reason.value, say)) },
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
            links.map((link) =>
              h(
                "li",
                {},
                "link: ",
                h("code", {}, link.text),
                ` (domain ${link.host}${link.field === "text" ? "" : `, in ${link.field}`})`,
              ),
            ),
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

  /** After any action the record is read again: the status and claim may have moved. */
  async function then(action) {
    await action;
    await load();
  }

  /** From the keyboard a decision asks once first, with the reason typed so far. */
  function confirmThenDecide(action) {
    const message = { text: record.message?.text, user: record.message?.user ?? { id: record.user_id } };
    const reason = document.getElementById("decision-reason")?.value ?? "";
    return then(confirmAndDecide({ id, action, message, reason, say }));
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
      c: () => record?.status === "held" && then(claim(id, say)),
      a: () => record?.status === "held" && confirmThenDecide("approve"),
      r: () => record?.status === "held" && confirmThenDecide("reject"),
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
