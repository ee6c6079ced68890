import { readFileSync, writeFileSync } from "node:fs";
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
  - id: link-trial
    action: reject
    mode: shadow
    when: { link_domain_in: [example.org] }
  - id: giveaways
    action: reject
    sample_for_review: 1
    when: { text_has_any: [giveaway] }
`;

const UI_WAIT = { timeout: 15_000 };

interface StatsAnswer {
  series: {
    step_seconds: number;
    points: { decisions_by_action: Record<string, number>; queue_depth: number }[];
  };
}

interface RuleQuality {
  rule_id: string;
  fired: number;
  held: number;
  reviewed: number;
  reversed: number;
  reversal_rate: number | null;
}

const apiPath = (path: string) => (response: { url(): string }) => new URL(response.url()).pathname === path;

/** The length of a window the console asked for, in minutes begun (it starts at a whole minute). */
const windowMinutes = (url: URL) =>
  Math.ceil(
    (Date.parse(url.searchParams.get("until") ?? "") - Date.parse(url.searchParams.get("since") ?? "")) /
      60_000,
  );

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
    const sections = page.getByRole("navigation", { name: "Sections" });
    // Signed out there is nowhere to go: the sections appear only with a token.
    expect(await sections.isVisible()).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel("Moderator token").fill("gh_not-a-real-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent(), UI_WAIT)
      .toMatch(/unknown or its moderator has been disabled/);
    expect(await page.getByLabel("Moderator token").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "sign-in");
    expect(await seriousViolations(page)).toEqual([]);
    expect(await sections.isVisible()).toBe(false);
    const dana = await createModerator(h.service, "Dana");
    await page.getByLabel("Moderator token").fill(dana.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: /^Queue/ }).waitFor(UI_WAIT);
    expect(await page.locator("#who").textContent()).toBe("Dana");
    expect(await sections.isVisible()).toBe(true);
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
    // Dana's row says it is hers and offers to give it back; nobody is offered a claim that
    // would only be refused.
    expect(await rowA.getByRole("button").allTextContents()).toEqual(["Release", "Approve", "Reject"]);
    expect(await rowB.getByRole("button").allTextContents()).toEqual(["Approve", "Reject"]);
    await screenshot(a.page, "queue");

    // Eli may not decide it: the refusal says who holds it.
    await rowB.getByRole("button", { name: "Approve" }).click();
    await b.page.getByRole("button", { name: "Approve", exact: true }).last().click();
    await expect
      .poll(() => b.page.locator(".status").first().textContent(), UI_WAIT)
      .toMatch(/Dana has claimed this message/);
    expect(await h.status(id)).toBe("held");

    // Dana releases it: both consoles show it free, with a Claim button again.
    await rowA.getByRole("button", { name: "Release your claim" }).click();
    await expect.poll(() => rowB.locator("td.claim").textContent(), UI_WAIT).toBe("—");
    await expect.poll(() => rowA.locator("td.claim").textContent(), UI_WAIT).toBe("—");
    expect(await rowA.getByRole("button").allTextContents()).toEqual(["Claim", "Approve", "Reject"]);
    expect(await rowB.getByRole("button").allTextContents()).toEqual(["Claim", "Approve", "Reject"]);
    const record = await api<{ claim: unknown }>(h.service, "GET", `/api/messages/${id}`);
    expect(record.body.claim).toBeNull();
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
    // The link as link_domain_in reads it: the comma after it ends the sentence, not the link.
    expect(await page.locator("li", { hasText: /^link: / }).allTextContents()).toEqual([
      "link: https://example.org (domain example.org)",
    ]);
    // What the rules did, with what the shadow rule would have done next to it.
    expect(await page.locator("dd.rules-decided").textContent()).toBe(
      "review shadow: would have rejected (link-trial)",
    );
    await page.getByRole("heading", { name: "Shadow rules (recorded, never acted on)" }).waitFor(UI_WAIT);
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
      "created_at,message_id,action,source,actor,reason,rules,user_id,cid,ip,user_agent,sdk,ext,ruleset_version,shadow,sampled_rules",
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
    await screenshot(page, "rules-dry-run");
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it("asks the queue's confirmation before a decision from the keyboard on the message page", async () => {
    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    const id = await holdMessage(h, {
      message: { text: "maybe reject me from its page", user: { id: "mallory", name: "Mallory" } as never },
    });
    await page.goto(`${base}/console/#/message/${encodeURIComponent(id)}`);
    await page.locator("mark.span").waitFor(UI_WAIT);
    await page.keyboard.press("r");
    await page.getByRole("heading", { name: "Reject this message?" }).waitFor(UI_WAIT);
    expect(await page.locator("#confirm-text").textContent()).toBe(
      "“maybe reject me from its page” from Mallory. It will be deleted.",
    );
    await page.getByLabel("Reason (optional)", { exact: true }).fill("not here");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.locator(".status").first().textContent(), UI_WAIT)
      .toBe("Rejected: the message is rejecting.");
    expect(await h.waitForStatus(id, ["rejected"], 15_000)).toBe("rejected");
    const record = await api<{ actions: { action: string; reason: string | null }[] }>(
      h.service,
      "GET",
      `/api/messages/${id}`,
    );
    expect(record.body.actions).toContainEqual(
      expect.objectContaining({ action: "reject", reason: "not here" }),
    );
    await context.close();
  });

  it("marks shadow matches and calibration samples on the message page and in search, and searches by shadow rule", async () => {
    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    const shadowed = await holdMessage(h, { message: { text: "maybe read example.org/offer first" } });
    const sampled = await holdMessage(h, { message: { text: "a giveaway for you" } });
    const plain = await holdMessage(h, { message: { text: "maybe nothing to see" } });

    await page.goto(`${base}/console/#/message/${encodeURIComponent(sampled)}`);
    await page.locator("dd.rules-decided").waitFor(UI_WAIT);
    expect(await page.locator("dd.rules-decided").textContent()).toBe(
      "review calibration sample (giveaways)",
    );

    await page.getByRole("link", { name: "Search", exact: true }).click();
    await page.getByLabel("Shadow rule").fill("link-trial");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByRole("link", { name: shadowed }).waitFor(UI_WAIT);
    expect(await page.getByRole("link", { name: plain }).count()).toBe(0);
    expect(await page.getByRole("link", { name: sampled }).count()).toBe(0);
    const actionOf = (id: string) =>
      page
        .locator("tr", { has: page.getByRole("link", { name: id }) })
        .locator("td")
        .nth(1);
    expect(await actionOf(shadowed).locator(".shadow").textContent()).toBe(
      "shadow: would have rejected (link-trial)",
    );
    expect(await actionOf(shadowed).textContent()).toMatch(/^review/);
    await screenshot(page, "search-shadow");
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto(`${base}/console/#/search?message_id=${encodeURIComponent(sampled)}`);
    await page.getByRole("link", { name: sampled }).waitFor(UI_WAIT);
    expect(await actionOf(sampled).locator(".sample").textContent()).toBe("calibration sample (giveaways)");
    expect(await actionOf(sampled).locator(".shadow").count()).toBe(0);
    await context.close();
  });

  it("draws the stats from one GET /api/stats for the chosen window, step by step from its series", async () => {
    const { page, context } = await signedIn(browser, base, ADMIN_TOKEN);
    const asked: URL[] = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname === "/api/stats") asked.push(url);
    });
    const hourAnswer = page.waitForResponse(apiPath("/api/stats"));
    await page.getByRole("link", { name: "Stats" }).click();
    const hour = (await (await hourAnswer).json()) as StatsAnswer;
    const decisions = page.locator("svg.chart").first();
    await decisions.waitFor(UI_WAIT);
    expect(asked.map(windowMinutes)).toEqual([60]);

    // A bar a minute: the chart adds up what the series says, action by action.
    expect(hour.series.step_seconds).toBe(60);
    expect(hour.series.points).toHaveLength(60);
    const total = (action: string) =>
      hour.series.points.reduce((sum, point) => sum + (point.decisions_by_action[action] ?? 0), 0);
    expect(total("approve") + total("reject") + total("review")).toBeGreaterThan(0);
    expect(await decisions.locator("desc").textContent()).toBe(
      `Decisions per minute by action: approve ${total("approve")}, reject ${total("reject")}, review ${total("review")}, expire ${total("expire")} in total.`,
    );
    const depth = page.locator("svg.chart").nth(1);
    expect(await depth.locator("desc").textContent()).toBe(
      `Queue depth: the most messages held at once: held messages (most at once) latest ${hour.series.points.at(-1)!.queue_depth}.`,
    );
    // Latency and slack are pictures too.
    expect(await page.locator("svg.chart").count()).toBe(5);
    expect(await page.locator(".charts table").count()).toBe(0);

    const dayAnswer = page.waitForResponse(apiPath("/api/stats"));
    await page.getByLabel("Window").selectOption("24h");
    await dayAnswer;
    await expect
      .poll(() => page.locator(".charts p.muted").first().textContent(), UI_WAIT)
      .toBe("last 24 hours; each bar: 24 minutes.");
    expect(asked.map(windowMinutes)).toEqual([60, 1440]);
    await context.close();
  });

  it("shows each rule's quality over a chosen window, and the rules history with a diff between two versions", async () => {
    // A held message a moderator approves: a reversal of needs-a-look.
    const reversed = await holdMessage(h, { message: { text: "maybe it was fine after all" } });
    expect((await api(h.service, "POST", `/api/messages/${reversed}/approve`)).status).toBe(202);
    // A second rule set: the same rules and one more (it matches nothing the other tests send).
    const before = h.service.rules.current.version;
    writeFileSync(
      h.service.rules.file!,
      `${RULES}  - id: added-later\n    action: review\n    when: { text_has_any: [zyzzyva] }\n`,
    );
    expect(h.service.rules.reload("sighup")).toMatchObject({ ok: true });
    const after = h.service.rules.current.version;
    expect(after).not.toBe(before);
    await expect
      .poll(
        async () =>
          (await api<{ items: unknown[] }>(h.service, "GET", "/api/rules/versions")).body.items.length,
        UI_WAIT,
      )
      .toBe(2);

    const dana = await createModerator(h.service, "Dana");
    const { page, context } = await signedIn(browser, base, dana.token);
    const dayAnswer = page.waitForResponse(apiPath("/api/rules/stats"));
    await page.getByRole("link", { name: "Rules" }).click();
    const day = (await (await dayAnswer).json()) as { rules: RuleQuality[] };
    const quality = day.rules.find((rule) => rule.rule_id === "needs-a-look")!;
    expect(quality.reversed).toBeGreaterThan(0);
    const row = page.locator('table.quality tr[data-rule="needs-a-look"]');
    await row.waitFor(UI_WAIT);
    expect((await row.locator("td").allTextContents()).slice(0, 7)).toEqual([
      "review",
      String(quality.fired),
      String(quality.held),
      "0",
      String(quality.reviewed),
      String(quality.reversed),
      `${Math.round(quality.reversal_rate! * 1000) / 10} %`,
    ]);
    expect(await page.locator('table.quality tr[data-rule="link-trial"] th .shadow').textContent()).toBe(
      "shadow",
    );

    const hourAnswer = page.waitForResponse(apiPath("/api/rules/stats"));
    await page.getByLabel("Window").selectOption("1h");
    expect(windowMinutes(new URL((await hourAnswer).url()))).toBe(60);

    await expect.poll(() => page.locator(".rule-history tbody tr").count(), UI_WAIT).toBe(2);
    await page.getByRole("button", { name: "Show the diff" }).click();
    await page.locator("pre.diff").waitFor(UI_WAIT);
    expect(await page.locator(".version-shown h3").textContent()).toBe(`Changes from ${before} to ${after}`);
    expect(await page.locator("pre.diff .added").allTextContents()).toContain("+  - id: added-later\n");
    expect(await page.locator("pre.diff .removed").count()).toBe(0);
    await page.locator("pre.diff").scrollIntoViewIfNeeded();
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
    // The pages of charts and wide tables fit too (the tables scroll inside their own box).
    for (const [section, drawn] of [
      ["Stats", "svg.chart"],
      ["Rules", "table.quality"],
    ] as const) {
      await page.getByRole("link", { name: section, exact: true }).click();
      await page.locator(drawn).first().waitFor(UI_WAIT);
      const wider = (await page.evaluate(
        "document.documentElement.scrollWidth - window.innerWidth",
      )) as number;
      await screenshot(page, `${section.toLowerCase()}-narrow`);
      expect(wider, section).toBeLessThanOrEqual(0);
    }
    await context.close();
  });
});
