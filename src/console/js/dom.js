// Builds elements from data: text always goes in as text, never as HTML, so message content
// (anyone's chat text) can never run as markup in a moderator's browser.

/** h("tag.class#id", {attr: value, onclick: fn}, ...children) */
export function h(selector, attributes = {}, ...children) {
  const [, tag = "div", rest = ""] = selector.match(/^([a-z0-9-]*)(.*)$/i) ?? [];
  const element = document.createElement(tag || "div");
  for (const part of rest.match(/[.#][^.#]+/g) ?? []) {
    if (part[0] === ".") element.classList.add(part.slice(1));
    else element.id = part.slice(1);
  }
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Says something to screen readers without moving focus. */
export function announce(text) {
  const region = document.getElementById("announce");
  region.textContent = "";
  setTimeout(() => {
    region.textContent = text;
  }, 30);
}

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/** Keys typed into a field, or while a dialog is open, are text, not commands. */
export function isTyping(event) {
  const target = event.target;
  return (
    event.ctrlKey ||
    event.metaKey ||
    event.altKey ||
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    document.querySelector("dialog[open]") !== null
  );
}

/** Asks once, in the confirmation dialog; answers {reason} or null when cancelled. */
export function confirmAction({ title, text, confirmLabel = "Confirm", reason: initialReason = "" }) {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = confirmLabel;
  const reason = document.getElementById("confirm-reason");
  reason.value = initialReason;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => resolve(dialog.returnValue === "ok" ? { reason: reason.value.trim() || undefined } : null),
      { once: true },
    );
    dialog.showModal();
    reason.focus();
  });
}

/** A line that says how the last action went: polite for news, an alert for a refusal. */
export function statusLine() {
  const element = h("p.status", { role: "status" });
  const say = (text, isError = false) => {
    element.textContent = text;
    element.classList.toggle("error", isError);
    element.setAttribute("role", isError ? "alert" : "status");
  };
  return { element, say };
}
