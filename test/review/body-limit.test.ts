import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/service.ts";

// Rules that do not read the text: these tests are about the body, not about text matching.
const RULES = `
default_action: approve
rules:
  - id: blocked-user
    action: reject
    when: { user_id_in: [spammer] }
`;
const DEFAULT_LIMIT = 65_536;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" };

/** A /api/rules/test body of exactly `bytes` bytes (ASCII), from a user the rules reject. */
function rulesTestBody(bytes: number): string {
  const message = (text: string) => ({ id: "probe", text, user: { id: "spammer" } });
  const empty = JSON.stringify({ message: message("") });
  const body = JSON.stringify({ message: message("x".repeat(bytes - empty.length)) });
  expect(body.length).toBe(bytes);
  return body;
}

/** A body stream that counts how many chunks anything read from it. */
function countedStream(chunks: number, chunkBytes = 16_384) {
  const reads = { count: 0 };
  // highWaterMark 0: the stream pulls nothing until someone reads.
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (reads.count === chunks) return controller.close();
        reads.count++;
        controller.enqueue(new Uint8Array(chunkBytes).fill(0x20));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, reads };
}

async function expectTooLarge(response: Response, limit: number) {
  expect(response.status).toBe(413);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toMatchObject({
    type: "https://gatehouse.dev/problems/body_too_large",
    status: 413,
    code: "body_too_large",
    title: "Body too large",
    limit_bytes: limit,
  });
  expect(problem.detail).toBe(
    `The body is larger than ${limit} bytes, the limit of this route (API_BODY_LIMIT_BYTES).`,
  );
}

describe("/api body limit (API_BODY_LIMIT_BYTES, 64 KB by default)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES, startWorkers: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (
    path: string,
    body: string | ReadableStream<Uint8Array>,
    headers: Record<string, string> = {},
  ) =>
    h.service.app.request(path, {
      method: "POST",
      headers: { ...auth, ...headers },
      body,
      duplex: "half",
    } as RequestInit);

  it("defaults to 64 KB", () => {
    expect(h.service.config.apiBodyLimitBytes).toBe(DEFAULT_LIMIT);
  });

  it("POST /api/rules/test answers a body at the limit, and 413 one byte over it", async () => {
    const atLimit = await post("/api/rules/test", rulesTestBody(DEFAULT_LIMIT));
    expect(atLimit.status).toBe(200);
    expect(await atLimit.json()).toMatchObject({ action: "reject", matches: [{ rule_id: "blocked-user" }] });
    await expectTooLarge(await post("/api/rules/test", rulesTestBody(DEFAULT_LIMIT + 1)), DEFAULT_LIMIT);
  });

  it("a small body still works", async () => {
    const response = await post("/api/rules/test", JSON.stringify({ message: { id: "p", text: "fine" } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ action: "approve", matches: [] });
  });

  it("a declared Content-Length over the limit is refused before a byte of the body is read", async () => {
    const { stream, reads } = countedStream(64);
    const response = await post("/api/rules/test", stream, { "Content-Length": String(64 * 16_384) });
    await expectTooLarge(response, DEFAULT_LIMIT);
    expect(reads.count).toBe(0);
  });

  it("a chunked body is read no further than the limit", async () => {
    const { stream, reads } = countedStream(1_000);
    await expectTooLarge(await post("/api/rules/test", stream), DEFAULT_LIMIT);
    // 16 KB chunks: the fifth takes it over 64 KB; nothing after that is pulled.
    expect(reads.count).toBeLessThanOrEqual(6);
  });

  it("applies to every /api route, before authentication and the NUL check read anything", async () => {
    const big = JSON.stringify({ ids: ["m"], reason: "r".repeat(DEFAULT_LIMIT) });
    for (const path of ["/api/messages/approve", "/api/messages/m1/reject", "/api/moderators"]) {
      await expectTooLarge(await post(path, big), DEFAULT_LIMIT);
    }
    await expectTooLarge(await post("/api/rules/test", big, { Authorization: "Bearer nope" }), DEFAULT_LIMIT);
  });

  it("applies to every route besides the hooks, known or not, before a byte is read", async () => {
    for (const [method, path] of [
      ["POST", "/healthz"],
      ["POST", "/readyz"],
      ["POST", "/metrics"],
      ["POST", "/docs"],
      ["PUT", "/openapi.json"],
      ["POST", "/console/anything"],
      ["POST", "/no-such-route"],
      ["PATCH", "/api/no-such-route"],
    ] as const) {
      const { stream, reads } = countedStream(64);
      const response = await h.service.app.request(path, {
        method,
        headers: { "Content-Length": String(64 * 16_384) },
        body: stream,
        duplex: "half",
      } as RequestInit);
      await expectTooLarge(response, DEFAULT_LIMIT);
      expect(reads.count, `${method} ${path}`).toBe(0);
    }
  });

  it("the hooks refuse a declared length over MAX_BODY_BYTES before a byte is read", async () => {
    const limit = h.service.config.maxBodyBytes;
    const { stream, reads } = countedStream(Math.ceil(limit / 16_384) + 2);
    const response = await h.service.app.request(`${h.service.config.hookPath}/PassOnPendingMessage`, {
      method: "POST",
      headers: { "Content-Length": String(limit + 1), "Content-Type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: "body_too_large" });
    expect(reads.count).toBe(0);
  });

  it("a body within the limit but nested thousands of levels deep is a 400, not a stack overflow", async () => {
    const nested = (depth: number) =>
      `{"message":{"id":"p"},"metadata":{"deep":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
    const deep = await post("/api/rules/test", nested(30_000));
    expect(deep.status).toBe(400);
    expect(await deep.json()).toMatchObject({
      code: "invalid_request",
      detail: "the body nests arrays or objects more than 512 levels deep",
    });
    expect((await post("/api/rules/test", nested(100))).status).toBe(200);
  });

  it("does not apply to the hooks, which have MAX_BODY_BYTES", async () => {
    const payload = h.pending({ message: { text: `fine ${"y".repeat(200_000)}` } });
    const response = await h.hook("PassOnPendingMessage", payload);
    expect(response.status).toBe(200);
  });
});

describe("API_BODY_LIMIT_BYTES", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES, startWorkers: false, env: { API_BODY_LIMIT_BYTES: "2048" } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("sets the limit", async () => {
    const request = (bytes: number) =>
      h.service.app.request("/api/rules/test", { method: "POST", headers: auth, body: rulesTestBody(bytes) });
    expect((await request(2048)).status).toBe(200);
    await expectTooLarge(await request(2049), 2048);
  });
});
