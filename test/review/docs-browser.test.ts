import { existsSync } from "node:fs";
import { serve } from "@hono/node-server";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/process.ts";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/service.ts";
import { REVIEW_RULES } from "./helpers.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(CHROMIUM)) {
  console.warn(
    `docs-browser: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );
}

// The strictest policy the page must work under: scripts and styles from the service only.
const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

describe.skipIf(!existsSync(CHROMIUM))("/docs in a real browser", () => {
  let h: Harness;
  let server: ReturnType<typeof serve>;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    h = await startHarness({ rulesYaml: REVIEW_RULES });
    const port = await freePort();
    server = serve({ fetch: h.service.app.fetch, hostname: "127.0.0.1", port });
    baseUrl = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
    await h?.close();
  });

  it("loads the spec under a strict CSP, renders the operations, and sends a request with a bearer token", async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    const offSite: string[] = [];
    page.on("console", (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
    });
    page.on("request", (request) => {
      if (!request.url().startsWith(baseUrl) && !request.url().startsWith("data:"))
        offSite.push(request.url());
    });
    // Whatever headers the service sets, the page must work under this policy.
    await page.route(`${baseUrl}/docs`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: { ...response.headers(), "content-security-policy": STRICT_CSP },
      });
    });

    await page.goto(`${baseUrl}/docs`);
    const approve = page.locator(".opblock-post", { hasText: "/api/messages/{id}/approve" }).first();
    await approve.waitFor({ timeout: 60_000 });
    expect(await page.locator(".opblock").count()).toBeGreaterThan(15);
    expect(await page.locator(".info .title").textContent()).toContain("Gatehouse");
    // Schemas are rendered (the Problem body every error answers with).
    await page.locator(".models").getByText("Problem", { exact: true }).first().waitFor({ timeout: 30_000 });

    // Authorize with a bearer token, then try GET /api/rules out.
    await page.locator("button.authorize").first().click();
    await page.locator(".auth-container input").first().fill(ADMIN_TOKEN);
    await page.locator(".auth-btn-wrapper button.authorize").first().click();
    await page.locator("button.btn-done").first().click();
    const rules = page.locator(".opblock-get", { hasText: "/api/rules" }).first();
    await rules.locator(".opblock-summary").click();
    const sent = page.waitForRequest((request) => request.url() === `${baseUrl}/api/rules`);
    await rules.locator("button.execute").click();
    const request = await sent;
    expect(request.headers().authorization).toBe(`Bearer ${ADMIN_TOKEN}`);
    await rules
      .locator(".live-responses-table tr.response .response-col_status")
      .first()
      .waitFor({ timeout: 30_000 });
    expect(
      await rules.locator(".live-responses-table tr.response .response-col_status").first().textContent(),
    ).toContain("200");

    expect(violations).toEqual([]);
    expect(offSite).toEqual([]);
    await page.close();
  }, 180_000);
});
