import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, api, createModerator, holdMessage } from "../review/helpers.ts";
import { type Harness, startHarness } from "../support/service.ts";
import {
  chromiumMissing,
  launchChromium,
  listen,
  screenshot,
  seriousViolations,
  signedIn,
} from "./browser.ts";

/** The review rules of the other review suites, with a deadline action that leaves a trace. */
const RULES = `
default_action: approve
on_error: review
review_timeout_action: reject
review_timeout_margin_ms: 4000
rules:
  - id: needs-a-look
    action: review
    when: { text_has_any: [maybe] }
  - id: spammy
    action: review
    when: { text_has_any: [spam] }
`;

const UI_WAIT = { timeout: 15_000 };

if (chromiumMissing) console.warn(`console browser tests skipped: ${chromiumMissing}`);

describe.skipIf(chromiumMissing)("moderator console in Chromium", () => {
  let h: Harness;
  let browser: Browser;
  let base: string;
  let stopServer: () => Promise<void>;

  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES });
    const server = await listen(h.service);
    base = server.url;
    stopServer = server.close;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stopServer?.();
    await h?.close();
  });

  it("refuses a wrong token in words, then signs in with a moderator's token", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await page.getByLabel("Moderator token").fill("gh_not-a-real-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent(), UI_WAIT)
      .toMatch(/unknown or its moderator has been disabled/);
    await screenshot(page, "sign-in");
    const dana = await createModerator(h.service, "Dana");
    await page.getByLabel("Moderator token").fill(dana.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: /^Queue/ }).waitFor(UI_WAIT);
    expect(await page.locator("#who").textContent()).toBe("Dana");
    await context.close();
  });

  it("shows a newly held message in the open queue without a reload, and two moderators see each other's claims", async () => {
    const dana = await createModerator(h.service, "Dana");
    const eli = await createModerator(h.service, "Eli");
    const a = await signedIn(browser, base, dana.token);
    const b = await signedIn(browser, base, eli.token);
    let reloaded = false;
    a.page.on("load", () => {
      reloaded = true;
    });

    const id = await holdMessage(h, { message: { text: "maybe the live queue shows this" } });
    const rowA = a.page.locator(`tr[data-id="${id}"]`);
    const rowB = b.page.locator(`tr[data-id="${id}"]`);
    await rowA.waitFor(UI_WAIT);
    await rowB.waitFor(UI_WAIT);
    expect(reloaded).toBe(false);
    expect(await rowA.locator("td").nth(3).textContent()).toBe("needs-a-look");
    expect(await rowA.locator(".countdown").getAttribute("data-urgency")).toBe("soon"); // 60 s left: under two minutes

    // Dana claims from the keyboard; Eli's console shows it.
    await rowA.click();
    await a.page.keyboard.press("c");
    await expect.poll(() => rowA.locator("td.claim").textContent(), UI_WAIT).toBe("you");
    await expect.poll(() => rowB.locator("td.claim").textContent(), UI_WAIT).toBe("Dana");
    await screenshot(a.page, "queue");

    // Eli may not decide it: the refusal says who holds it.
    await rowB.getByRole("button", { name: "Approve" }).click();
    await b.page.getByRole("button", { name: "Approve", exact: true }).last().click();
    await expect
      .poll(() => b.page.locator(".status").first().textContent(), UI_WAIT)
      .toMatch(/Dana has claimed this message/);
    expect(await h.status(id)).toBe("held");
    await a.context.close();
    await b.context.close();
  });

  it("approves from the keyboard: the message leaves every open queue and reaches committed", async () => {
    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    const id = await holdMessage(h, { message: { text: "maybe approve me by keyboard" } });
    const row = page.locator(`tr[data-id="${id}"]`);
    await row.waitFor(UI_WAIT);
    // Move to it with j (it may not be first: other tests' messages are held too).
    for (let step = 0; step < 50 && !(await row.evaluate((tr) => tr.classList.contains("current"))); step++) {
      await page.keyboard.press("j");
    }
    await page.keyboard.press("?");
    await page.getByRole("heading", { name: "Keyboard" }).waitFor(UI_WAIT);
    await screenshot(page, "keys");
    await page.keyboard.press("Escape");
    await page.keyboard.press("a");
    await page.getByLabel("Reason (optional)").fill("fine in context");
    await page.keyboard.press("Enter");
    await row.waitFor({ state: "detached", ...UI_WAIT });
    expect(await h.waitForStatus(id, ["committed"], 15_000)).toBe("committed");
    expect(
      h.stream.ledger.filter((call) => call.messageId === id && call.operation === "commit"),
    ).toHaveLength(1);
    await context.close();
  });

  it("bulk-approves the selected messages behind one confirmation, with a result for each", async () => {
    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    const first = await holdMessage(h, { message: { text: "maybe bulk one" } });
    const second = await holdMessage(h, { message: { text: "maybe bulk two" } });
    for (const id of [first, second]) await page.locator(`tr[data-id="${id}"]`).waitFor(UI_WAIT);
    for (const id of [first, second]) {
      await page.locator(`tr[data-id="${id}"]`).click();
      await page.keyboard.press("x");
    }
    expect(await page.locator(".bulk").textContent()).toContain("2 selected");
    await page.keyboard.press("Shift+A");
    // While the confirmation is open, someone else rejects the second one.
    expect((await api(h.service, "POST", `/api/messages/${second}/reject`)).status).toBe(202);
    await page.getByRole("button", { name: "Approve all" }).click();
    await page.locator(".results li").nth(1).waitFor(UI_WAIT);
    expect(await page.locator(".results h2").textContent()).toBe("1 done, 1 refused");
    const items = await page.locator(".results li").allTextContents();
    expect(items[0]).toMatch(/^done “maybe bulk one”: now committing/);
    expect(items[1]).toMatch(
      /^refused “maybe bulk two”: Someone decided first: the message is already reject/,
    );
    expect(await h.waitForStatus(first, ["committed"], 15_000)).toBe("committed");
    expect(await page.locator(".bulk").isHidden()).toBe(true);
    await context.close();
  });

  it("counts a message down to its deadline, where review_timeout_action (reject) takes it out of the queue", async () => {
    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    // Created 50 s ago with a 60 s timeout: 10 s left, and the sweeper acts 4 s before the end.
    const createdAt = new Date(Date.now() - 50_000).toISOString();
    const id = await holdMessage(h, { message: { text: "maybe nobody decides", created_at: createdAt } });
    const countdown = page.locator(`tr[data-id="${id}"] .countdown`);
    await countdown.waitFor(UI_WAIT);
    expect(await countdown.getAttribute("data-urgency")).toBe("urgent");
    const first = await countdown.textContent();
    expect(first).toMatch(/^\d+s$/);
    await expect.poll(() => countdown.textContent(), UI_WAIT).not.toBe(first);
    expect(Number.parseInt((await countdown.textContent()) ?? "", 10)).toBeLessThan(
      Number.parseInt(first ?? "", 10),
    );
    await page.locator(`tr[data-id="${id}"]`).waitFor({ state: "detached", timeout: 30_000 });
    expect(await h.waitForStatus(id, ["rejected"], 15_000)).toBe("rejected");
    const record = await api<{ decisions: { source: string; action: string }[] }>(
      h.service,
      "GET",
      `/api/messages/${id}`,
    );
    expect(record.body.decisions.map((d) => `${d.source}:${d.action}`)).toContain("system:reject");
    await context.close();
  });

  it("opens a message with its matched span highlighted, its signals and the sender's history", async () => {
    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    await holdMessage(h, {
      message: { text: "maybe an earlier one", user: { id: "mallory", name: "Mallory" } as never },
    });
    const id = await holdMessage(h, {
      message: { text: "see https://example.org, maybe", user: { id: "mallory", name: "Mallory" } as never },
      request_info: {
        ip: "203.0.113.9",
        user_agent: "curl/8.0",
        sdk: "stream-chat-js-v9.1.0",
        ext: "app=kiosk",
        type: "SendMessage",
      },
    });
    await page.goto(`${base}/console/#/message/${encodeURIComponent(id)}`);
    await page.locator("mark.span").waitFor(UI_WAIT);
    expect(await page.locator("mark.span").textContent()).toBe("maybe");
    expect(await page.locator(".span-label").textContent()).toContain("needs-a-look: maybe");
    expect(await page.getByText("https://example.org", { exact: false }).count()).toBeGreaterThan(0);
    await page.getByText("curl/8.0").waitFor(UI_WAIT);
    await page.getByRole("heading", { name: "Same network 203.0.113.0/24" }).waitFor(UI_WAIT);
    await page.locator(".history a", { hasText: /^msg-/ }).first().waitFor(UI_WAIT);
    await screenshot(page, "message");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it("searches the decision log by CIDR, and exports the search as CSV", async () => {
    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    const inside = await holdMessage(h, { request_info: { ip: "198.51.100.77" } });
    const outside = await holdMessage(h, { request_info: { ip: "198.51.101.77" } });
    await page.getByRole("link", { name: "Search" }).click();
    await page.getByLabel("IP or CIDR").fill("198.51.100.0/24");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: inside }).waitFor(UI_WAIT);
    expect(await page.getByRole("link", { name: outside }).count()).toBe(0);
    const ips = await page.locator("table[aria-label=Decisions] tbody tr td:nth-child(7)").allTextContents();
    expect(ips.length).toBeGreaterThan(0);
    expect(ips.every((ip) => ip.startsWith("198.51.100."))).toBe(true);
    // The export holds the same search, every page of it.
    const [download] = await Promise.all([
      page.waitForEvent("download", UI_WAIT),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path())!, "utf8").split("\r\n");
    expect(csv[0]).toBe(
      "created_at,message_id,action,source,actor,reason,rules,user_id,cid,ip,user_agent,sdk,ext,ruleset_version",
    );
    expect(csv.slice(1).some((line) => line.includes(inside))).toBe(true);
    expect(csv.slice(1).some((line) => line.includes(outside))).toBe(false);
    expect(csv.slice(1).every((line) => line.split(",")[9]!.startsWith("198.51.100."))).toBe(true);
    await screenshot(page, "search");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it("dry-runs a message in the rules tester and highlights the span that matched", async () => {
    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    await page.getByRole("link", { name: "Rules" }).click();
    await page.getByLabel("Message text").fill("this is spam, surely");
    await page.getByRole("button", { name: /^Test/ }).click();
    const mark = page.locator(".dry-run mark.span");
    await mark.waitFor(UI_WAIT);
    expect(await mark.textContent()).toBe("spam");
    expect(await page.locator(".dry-run .span-label").textContent()).toContain("spammy: spam");
    expect(await page.locator(".dry-run h3 strong").textContent()).toBe("review");
    await screenshot(page, "rules");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it("has no serious accessibility violation on the queue, stats and admin pages, and works on a narrow screen", async () => {
    const { page, context } = await signedIn(browser, base, ADMIN_TOKEN);
    await page.locator("tr[data-id]").first().waitFor(UI_WAIT);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "Stats" }).click();
    await page.locator("svg.chart").nth(1).waitFor(UI_WAIT);
    await screenshot(page, "stats");
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByLabel("Name").fill("Fay");
    await page.getByRole("button", { name: "Create moderator" }).click();
    const token = (await page.locator("code.token").textContent({ timeout: 15_000 })) ?? "";
    expect(token).toMatch(/^gh_/);
    await screenshot(page, "admin");
    expect(await seriousViolations(page)).toEqual([]);
    // The token shown once works.
    const me = await api<{ name: string }>(h.service, "GET", "/api/me", { token });
    expect(me.body.name).toBe("Fay");
    // Disabling asks once, then the token stops working.
    await page.getByRole("button", { name: "Disable Fay" }).first().click();
    await page.getByRole("button", { name: "Disable", exact: true }).click();
    await expect
      .poll(async () => (await api(h.service, "GET", "/api/me", { token })).status, UI_WAIT)
      .toBe(401);

    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByRole("link", { name: "Queue" }).click();
    await page.locator("tr[data-id]").first().waitFor(UI_WAIT);
    const overflow = (await page.evaluate(
      "document.documentElement.scrollWidth - window.innerWidth",
    )) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, "queue-narrow");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });
});
