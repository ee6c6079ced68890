import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleDir } from "../../src/http/console-static.ts";
import { type Harness, startHarness } from "../support/service.ts";

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  );

describe("the console's files", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ startWorkers: false });
  });
  afterAll(() => h.close());

  it("are served at /console/ without a token (the API calls need one)", async () => {
    const redirect = await h.service.app.request("/console");
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("/console/");
    const page = await h.service.app.request("/console/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module" src="/console/js/app.js"></script>');
    const script = await h.service.app.request("/console/js/app.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
  });

  it("serve nothing outside the console's folder", async () => {
    for (const path of [
      "/console/../package.json",
      "/console/%2e%2e/package.json",
      "/console/..%2fpackage.json",
    ]) {
      const response = await h.service.app.request(path);
      expect(response.status, path).toBe(404);
    }
  });

  it("load nothing from another origin and hold no inline script (script-src 'self' allows them)", () => {
    for (const file of files(consoleDir)) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//i);
      expect(text, file).not.toMatch(/@import\s+url\(\s*["']?(?:https?:)?\/\//i);
      expect(text, file).not.toMatch(/\bon[a-z]+=["']/i); // no inline event handlers
      if (file.endsWith(".html")) {
        for (const tag of text.match(/<script\b[^>]*>/gi) ?? []) expect(tag, file).toMatch(/\bsrc=/);
      }
      // Message text is written with textContent / text nodes only, never parsed as HTML.
      expect(text, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });
});
