import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawQuery } from "../../src/db/client.ts";
import type { BacktestResult } from "../../src/rule-lifecycle/backtest/report.ts";
import type { BacktestView } from "../../src/rule-lifecycle/backtest/store.ts";
import { api, createModerator, holdMessage } from "../review/helpers.ts";
import { PATIENCE_MS } from "../support/patience.ts";
import { type Harness, startHarness } from "../support/service.ts";
import {
  chromiumMissing,
  launchChromium,
  listen,
  screenshot,
  seriousViolations,
  signedIn,
} from "./browser.ts";

const ACTIVE = `default_action: approve
rules:
  - id: scam
    action: reject
    when: { text_has_any: [scam] }
  - id: needs-a-look
    action: review
    when: { text_has_any: [maybe] }
`;

// Drops the review rule and rejects anything about crypto.
const CANDIDATE = `default_action: approve
rules:
  - id: scam
    action: reject
    when: { text_has_any: [scam] }
  - id: crypto
    action: reject
    when: { text_has_any: [crypto] }
`;

const INVALID = `default_action: approve
rules:
  - id: odd
    action: explode
    when: { text_has_any: [crypto] }
`;

const WAIT = { timeout: PATIENCE_MS };

/**
 * Holds a backtest's window reads after the first `free` batches of a replay until opened: the
 * replay then stays running, with its progress reported, for as long as a test needs.
 */
function readGate() {
  let holding = false;
  let free = 0;
  let reads = 0;
  let open = () => {};
  let gate = Promise.resolve();
  return {
    wrap:
      (query: RawQuery): RawQuery =>
      async (text, params) => {
        // The batch reads; counting the window is never held.
        if (holding && text.includes("left join lateral") && ++reads > free) await gate;
        return query(text, params);
      },
    hold(batches: number) {
      holding = true;
      free = batches;
      reads = 0;
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    open() {
      holding = false;
      open();
    },
  };
}

const backtestIdOf = (page: Page) => /^#\/backtest\/(\d+)$/.exec(new URL(page.url()).hash)?.[1];

if (chromiumMissing) console.warn(`console backtest browser tests skipped: ${chromiumMissing}`);

describe.skipIf(chromiumMissing)("backtests in the console", () => {
  const gate = readGate();
  let h: Harness;
  let browser: Browser;
  let base: string;
  let stopServer: () => Promise<void>;

  beforeAll(async () => {
    // Two messages a read: a replay of the five below reports progress after its first read.
    h = await startHarness({ rulesYaml: ACTIVE, backtestReads: { wrap: gate.wrap, batchSize: 2 } });
    for (const text of ["hello there", "buy crypto today", "a scam offer"]) {
      const payload = h.pending({ message: { text } });
      expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);
      await h.waitForStatus(payload.message.id, ["committed", "rejected"]);
    }
    // Two held messages that moderators decided: the labels the candidate is measured against.
    const rejected = await holdMessage(h, { message: { text: "maybe crypto riches" } });
    expect((await api(h.service, "POST", `/api/messages/${rejected}/reject`)).status).toBe(202);
    const approved = await holdMessage(h, { message: { text: "maybe lunch later" } });
    expect((await api(h.service, "POST", `/api/messages/${approved}/approve`)).status).toBe(202);
    // The form starts from the rules in force as written: wait until the history has them.
    const version = `/api/rules/versions/${h.service.rules.current.version}`;
    const patience = Date.now() + PATIENCE_MS;
    while ((await api(h.service, "GET", version)).status !== 200) {
      if (Date.now() > patience) throw new Error("the rules in force never reached the rules history");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const server = await listen(h.service);
    base = server.url;
    stopServer = server.close;
    browser = await launchChromium();
  });
  afterAll(async () => {
    gate.open();
    await browser?.close();
    await stopServer?.();
    await h?.close();
  });

  /** Signs Dana in and opens the backtest form from the Rules page. */
  async function openForm(): Promise<{ page: Page; close: () => Promise<void> }> {
    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    await page.getByRole("link", { name: "Rules", exact: true }).click();
    await page.getByRole("link", { name: "Backtest a candidate rules file" }).click();
    await page.getByRole("heading", { name: "New backtest" }).waitFor(WAIT);
    return { page, close: () => context.close() };
  }

  it("starts a backtest over the hooks' messages, follows its progress and shows what would change", async () => {
    const { page, close } = await openForm();
    const rules = page.getByLabel(/^Candidate rules file/);
    await expect.poll(() => rules.inputValue(), WAIT).toBe(ACTIVE);
    await rules.fill(CANDIDATE);

    gate.hold(1);
    await page.getByRole("button", { name: "Start the backtest" }).click();
    await expect.poll(() => backtestIdOf(page), WAIT).toBeDefined();
    const id = backtestIdOf(page)!;

    // Held after its first read of two messages: the progress says so, in words and as a bar.
    const progress = page.getByRole("progressbar", { name: "Backtest progress" });
    await expect
      .poll(() => page.locator("#bt-progress-text").textContent(), WAIT)
      .toBe("2 of 5 messages replayed (40 %)");
    expect([await progress.getAttribute("value"), await progress.getAttribute("max")]).toEqual(["2", "5"]);
    expect(await page.locator(".backtest-status").textContent()).toBe("running");
    await screenshot(page, "backtest-running");
    expect(await seriousViolations(page)).toEqual([]);

    gate.open();
    await expect.poll(() => page.locator(".backtest-status").textContent(), WAIT).toBe("done");
    expect(await progress.isHidden()).toBe(true);

    // approve→reject, review→reject and review→approve: one each; two stay the same.
    expect(await page.locator(".changed-summary").textContent()).toBe(
      "3 of 5 replayed decisions would change (60 %); 2 would not.",
    );
    const cell = (from: string, to: string) =>
      page.locator(`table.transition-matrix td[data-from="${from}"][data-to="${to}"]`).textContent();
    expect(await cell("approve", "reject")).toBe("1");
    expect(await cell("review", "approve")).toBe("1");
    expect(await cell("approve", "approve")).toBe("1");
    expect(await cell("reject", "approve")).toBe("0");
    // The bars: changed ones only, as the service orders them (most first), each with its count.
    expect(await page.locator("ul.change-bars li").allTextContents()).toEqual([
      "approve → reject1",
      "review → approve1",
      "review → reject1",
    ]);
    // Per-rule hits, the dropped rule marked.
    expect(await page.locator('tr[data-rule="needs-a-look"] td').allTextContents()).toEqual([
      "dropped",
      "2",
      "0",
      "-2",
    ]);
    expect(await page.locator('tr[data-rule="crypto"] td').allTextContents()).toEqual([
      "enforced",
      "0",
      "2",
      "+2",
    ]);
    // The moderators' rejection is caught, their approval not blocked.
    expect(await page.locator("dd.caught").textContent()).toBe(
      "100 % (1 of 1: 1 rejected, 0 held; 0 approved)",
    );
    expect(await page.locator("dd.blocked").textContent()).toBe("0 % (0 of 1 rejected; 0 held, 1 approved)");
    // The example of approve→reject, with what the candidate matched highlighted and labelled.
    const example = page.locator('.example-kind[data-kind="approve→reject"] li.example');
    expect(await example.locator("mark.span").textContent()).toBe("crypto");
    expect(await example.locator(".span-label").textContent()).toBe(" [crypto: crypto]");
    expect(await example.locator(".message-text").textContent()).toBe("buy crypto [crypto: crypto] today");

    const done = await api<BacktestView>(h.service, "GET", `/api/rules/backtest/${id}`);
    expect(done.body).toMatchObject({ status: "done", requested_by: "moderator:Dana" });
    const timing = (done.body.result as BacktestResult).timing!;
    expect(await page.locator(".timing").textContent()).toBe(
      `${(timing.replay_ms / 1000).toFixed(1)} s, ${timing.messages_per_second.toLocaleString("en-US")} messages/s`,
    );

    await screenshot(page, "backtest");
    expect(await seriousViolations(page)).toEqual([]);

    // The candidate goes back into the form to be edited.
    await page.getByRole("link", { name: "Edit this candidate and run it again" }).click();
    await expect.poll(() => page.getByLabel(/^Candidate rules file/).inputValue(), WAIT).toBe(CANDIDATE);
    await close();
  });

  it("refuses a candidate that does not compile and selects the line at fault", async () => {
    const { page, close } = await openForm();
    const rules = page.getByLabel(/^Candidate rules file/);
    await expect.poll(() => rules.inputValue(), WAIT).toBe(ACTIVE);
    const before = (await api<{ items: unknown[] }>(h.service, "GET", "/api/rules/backtest")).body.items
      .length;
    await rules.fill(INVALID);
    await page.getByRole("button", { name: "Start the backtest" }).click();

    const error = page.locator("#bt-rules-error");
    await expect
      .poll(() => error.locator("p").first().textContent(), WAIT)
      .toMatch(/^The candidate rules are invalid: candidate:4: rule "odd": field "action"/);
    expect(await error.locator("code.bad-line").textContent()).toBe("    action: explode");
    expect(await rules.getAttribute("aria-invalid")).toBe("true");
    expect(await rules.getAttribute("aria-describedby")).toContain("bt-rules-error");
    const selected = await page.evaluate(
      `(() => { const area = document.querySelector("#bt-rules");
        return [document.activeElement === area, area.value.slice(area.selectionStart, area.selectionEnd)]; })()`,
    );
    expect(selected).toEqual([true, "    action: explode"]);
    expect(backtestIdOf(page)).toBeUndefined();
    expect(
      (await api<{ items: unknown[] }>(h.service, "GET", "/api/rules/backtest")).body.items,
    ).toHaveLength(before);
    await screenshot(page, "backtest-invalid");
    expect(await seriousViolations(page)).toEqual([]);
    await close();
  });

  it("points a second start at the running backtest, and cancels that one from the keyboard", async () => {
    const { page, close } = await openForm();
    const rules = page.getByLabel(/^Candidate rules file/);
    await expect.poll(() => rules.inputValue(), WAIT).toBe(ACTIVE);
    await rules.fill(CANDIDATE);
    gate.hold(1);
    await page.getByRole("button", { name: "Start the backtest" }).click();
    await expect.poll(() => backtestIdOf(page), WAIT).toBeDefined();
    const id = backtestIdOf(page)!;
    await expect
      .poll(() => page.locator("#bt-progress-text").textContent(), WAIT)
      .toBe("2 of 5 messages replayed (40 %)");

    // One backtest at a time: the refusal links to the one running.
    await page.getByRole("link", { name: "← Backtests" }).click();
    await expect.poll(() => page.getByLabel(/^Candidate rules file/).inputValue(), WAIT).toBe(ACTIVE);
    await page.getByRole("button", { name: "Start the backtest" }).click();
    const busy = page.locator(".start-outcome .busy");
    await expect
      .poll(() => busy.textContent(), WAIT)
      .toMatch(
        new RegExp(
          `^A backtest is running already: backtest #${id} \\(started by Dana at .+\\)\\. Wait for it`,
        ),
      );
    // The list says so too.
    expect(await page.locator(`table.backtests tr[data-id="${id}"] td`).nth(1).textContent()).toMatch(
      /^running/,
    );
    await busy.getByRole("link", { name: `backtest #${id}` }).click();

    const cancel = page.getByRole("button", { name: "Cancel the backtest" });
    await cancel.focus();
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.locator(".backtest-status").textContent(), WAIT)
      .toBe("cancelled: the figures cover what was replayed before it stopped");
    // The button is gone; focus is on the title, not lost.
    expect(await page.evaluate("document.activeElement?.textContent")).toBe(`Backtest #${id}`);
    expect(await page.locator(".fidelity .notes li").first().textContent()).toBe(
      "Cancelled after 2 of 5 messages: the figures cover those only.",
    );
    // The two replayed first: "hello there" stays approved, "buy crypto today" would be rejected.
    expect(await page.locator(".changed-summary").textContent()).toBe(
      "1 of 2 replayed decisions would change (50 %); 1 would not.",
    );
    gate.open();
    const cancelled = await api<BacktestView>(h.service, "GET", `/api/rules/backtest/${id}`);
    expect(cancelled.body).toMatchObject({ status: "cancelled", progress: { processed: 2, total: 5 } });
    await close();
  });

  it("lists recent backtests with status, who and when, and fits a narrow screen", async () => {
    const { page, close } = await openForm();
    const { items } = (await api<{ items: BacktestView[] }>(h.service, "GET", "/api/rules/backtest")).body;
    expect(items.length).toBeGreaterThan(0);
    const rows = page.locator("table.backtests tbody tr");
    await expect.poll(() => rows.count(), WAIT).toBe(items.length);
    for (const [index, item] of items.entries()) {
      const cells = await rows.nth(index).locator("td").allTextContents();
      expect(cells[0]).toBe(`#${item.id}`);
      expect(cells[1]).toBe(item.status);
      expect(cells[2]).toBe("Dana");
    }
    expect(await seriousViolations(page)).toEqual([]);

    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = () =>
      page.evaluate("document.documentElement.scrollWidth - window.innerWidth") as Promise<number>;
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, "backtest-form-narrow");
    const done = items.find((item) => item.status === "done")!;
    await rows.getByRole("link", { name: `#${done.id}` }).click();
    await page.locator(".backtest-result").waitFor(WAIT);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, "backtest-narrow");
    expect(await seriousViolations(page)).toEqual([]);
    await close();
  });
});
