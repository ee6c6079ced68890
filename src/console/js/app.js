// The console's shell: sign-in, navigation between pages (the URL's hash), the keys dialog.
import { ApiError, api, session } from "./api.js";
import { announce, fill, h, isTyping } from "./dom.js";
import { adminPage } from "./pages/admin.js";
import { backtestPage } from "./pages/backtest.js";
import { messagePage } from "./pages/message.js";
import { queuePage } from "./pages/queue.js";
import { rulesPage } from "./pages/rules.js";
import { searchPage } from "./pages/search.js";
import { statsPage } from "./pages/stats.js";

const main = document.getElementById("main");
let leaveCurrentPage = () => {};

const pages = {
  queue: queuePage,
  message: messagePage,
  search: searchPage,
  rules: rulesPage,
  backtest: backtestPage,
  stats: statsPage,
  admin: adminPage,
};

function signInPage(error) {
  const input = h("input#token", {
    type: "password",
    name: "token",
    autocomplete: "current-password",
    required: true,
    "aria-describedby": "token-help",
  });
  const message = h("p#sign-in-error.error", { role: "alert" }, error ?? "");
  // A refusal is read out with the field, and the field says it was refused.
  const refused = (text) => {
    message.textContent = text;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "token-help sign-in-error");
  };
  const form = h(
    "form.sign-in",
    {
      onsubmit: async (event) => {
        event.preventDefault();
        const token = input.value.trim();
        try {
          session.me = await api("GET", "/me", { token });
          session.token = token;
          start();
        } catch (failure) {
          refused(failure instanceof ApiError ? failure.message : String(failure));
          input.focus();
        }
      },
    },
    h("h1", {}, "Sign in"),
    h("label", { for: "token" }, "Moderator token"),
    input,
    h(
      "p#token-help.muted",
      {},
      "The token an admin gave you (it starts with gh_), or the service's ADMIN_TOKEN.",
    ),
    h("button.primary", { type: "submit" }, "Sign in"),
    message,
  );
  if (error) refused(error);
  setChrome(false);
  fill(main, form);
  input.focus();
}

function setChrome(signedIn) {
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("sign-out").hidden = !signedIn;
  document.getElementById("keys-button").hidden = !signedIn;
  document.getElementById("nav-admin").hidden = !(signedIn && session.me?.role === "admin");
  document.getElementById("who").textContent = signedIn
    ? `${session.me.name}${session.me.role === "admin" ? " (admin)" : ""}`
    : "";
}

function route() {
  leaveCurrentPage();
  leaveCurrentPage = () => {};
  const [path, query = ""] = location.hash.replace(/^#/, "").split("?");
  const [name = "queue", ...rest] = path.split("/").filter(Boolean);
  const render = pages[name] ?? pages.queue;
  // A message belongs to the queue, a backtest to the rules.
  const section = name === "message" || !pages[name] ? "queue" : name === "backtest" ? "rules" : name;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === `#/${section}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  fill(main);
  const leave = render(main, { params: new URLSearchParams(query), id: decodeURIComponent(rest.join("/")) });
  if (typeof leave === "function") leaveCurrentPage = leave;
}

async function start() {
  if (!session.token) return signInPage();
  if (!session.me) {
    try {
      session.me = await api("GET", "/me");
    } catch (error) {
      session.token = null;
      return signInPage(error instanceof ApiError ? error.message : String(error));
    }
  }
  setChrome(true);
  route();
}

window.addEventListener("hashchange", () => {
  if (session.token && session.me) {
    route();
    main.focus();
  }
});
window.addEventListener("gatehouse:signed-out", () => {
  session.token = null;
  session.me = null;
  leaveCurrentPage();
  signInPage("Your token stopped working (it was disabled or is wrong). Sign in again.");
});
document.getElementById("sign-out").addEventListener("click", () => {
  session.token = null;
  session.me = null;
  leaveCurrentPage();
  announce("Signed out");
  signInPage();
});
const keysDialog = document.getElementById("keys-dialog");
document.getElementById("keys-button").addEventListener("click", () => keysDialog.showModal());
document.addEventListener("keydown", (event) => {
  if (event.key !== "?" || isTyping(event) || !session.me) return;
  event.preventDefault();
  keysDialog.showModal();
});

start();
