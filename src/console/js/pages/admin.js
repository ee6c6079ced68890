// Moderators: create (the token is shown once), list, disable.
import { api } from "../api.js";
import { announce, confirmAction, fill, formatTime, h, statusLine } from "../dom.js";

export function adminPage(main) {
  const { element: status, say } = statusLine();
  const created = h("div");
  const tbody = h("tbody");
  const name = h("input#mod-name", { required: true, maxlength: 200, autocomplete: "off" });
  const role = h(
    "select#mod-role",
    {},
    h("option", { value: "moderator" }, "moderator"),
    h("option", { value: "admin" }, "admin"),
  );
  fill(
    main,
    h("h1", {}, "Moderators"),
    h(
      "form.row",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            const moderator = await api("POST", "/moderators", {
              body: { name: name.value.trim(), role: role.value },
            });
            const token = h("code.token", {}, moderator.token);
            fill(
              created,
              h(
                "div.notice",
                { role: "alert" },
                h("p", {}, `Token for ${moderator.name}. It is shown only now: copy it and give it to them.`),
                token,
                " ",
                h(
                  "button",
                  {
                    type: "button",
                    onclick: () =>
                      navigator.clipboard?.writeText(moderator.token).then(() => announce("Copied")),
                  },
                  "Copy",
                ),
                " ",
                h("button.link", { type: "button", onclick: () => fill(created) }, "Done"),
              ),
            );
            name.value = "";
            load();
          } catch (error) {
            say(error.message, true);
          }
        },
      },
      h("div.field", {}, h("label", { for: "mod-name" }, "Name"), name),
      h("div.field", {}, h("label", { for: "mod-role" }, "Role"), role),
      h("button.primary", { type: "submit" }, "Create moderator"),
    ),
    created,
    status,
    h(
      "div.table-wrap",
      {},
      h(
        "table",
        { "aria-label": "Moderators" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Name", "Role", "Created", "State", ""].map((title) => h("th", { scope: "col" }, title)),
          ),
        ),
        tbody,
      ),
    ),
  );

  async function disable(moderator) {
    const answer = await confirmAction({
      title: `Disable ${moderator.name}?`,
      text: "Their token stops working at once. This cannot be undone: create a new moderator to give them access again.",
      confirmLabel: "Disable",
    });
    if (!answer) return;
    try {
      await api("POST", `/moderators/${moderator.id}/disable`);
      say(`${moderator.name} is disabled.`);
    } catch (error) {
      say(error.message, true);
    }
    load();
  }

  async function load() {
    try {
      const list = await api("GET", "/moderators");
      const moderators = Array.isArray(list) ? list : (list.items ?? []);
      fill(
        tbody,
        moderators.map((m) =>
          h(
            "tr",
            {},
            h("td", {}, m.name),
            h("td", {}, m.role),
            h("td", {}, formatTime(m.created_at)),
            h("td", {}, m.disabled_at ? `disabled ${formatTime(m.disabled_at)}` : "active"),
            h(
              "td",
              {},
              m.disabled_at
                ? ""
                : h(
                    "button.danger",
                    { type: "button", onclick: () => disable(m), "aria-label": `Disable ${m.name}` },
                    "Disable",
                  ),
            ),
          ),
        ),
      );
    } catch (error) {
      say(error.message, true);
    }
  }
  load();
}
