import { StreamChat } from "stream-chat";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signServerToken, verifyServerToken } from "../../src/sandbox/server-token.ts";
import { type FakeStream, startFakeStream } from "../support/fake-stream.ts";
import { hookHeaders, pendingMessagePayload, signBody } from "../support/sign.ts";

// The official SDK is the reference for what Stream accepts and sends. If the SDK's requests stop
// passing the fake's checks, or the fake's hook signatures stop passing the SDK's, the fake has
// drifted from the real thing.

let fake: FakeStream;
let client: StreamChat;

beforeAll(async () => {
  fake = await startFakeStream({ pendingHooks: [{ timeout_ms: 600_000 }] });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  client = new StreamChat(fake.apiKey, fake.apiSecret, { baseURL: fake.url, timeout: 2_000 });
});

function lastCall() {
  const call = fake.ledger.at(-1);
  if (!call) throw new Error("the fake Stream saw no call");
  return call;
}

/** The SDK rejects with an ErrorFromResponse carrying Stream's code and the HTTP status. */
async function sdkError(
  promise: Promise<unknown>,
): Promise<{ code: number | null; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: number | null; status: number; message: string };
  }
  throw new Error("the SDK call succeeded; an error was expected");
}

describe("the official SDK against the fake", () => {
  it("commits a pending message once; the second commit fails with code 4", async () => {
    fake.sim.addPending({ id: "sdk-commit", text: "hello" });

    const committed = (await client.commitMessage("sdk-commit")) as unknown as { message: { id: string } };
    expect(committed.message.id).toBe("sdk-commit");
    expect(lastCall()).toMatchObject({
      method: "POST",
      path: "/messages/sdk-commit/commit",
      operation: "commit",
      effectApplied: true,
      simulated: { status: 201, effect: "committed", query: { api_key: fake.apiKey } },
    });
    // The SDK's request id reaches the ledger, so a test can tie a call to the client's logs.
    expect(lastCall().simulated?.clientRequestId).toEqual(expect.any(String));

    const second = await sdkError(client.commitMessage("sdk-commit"));
    expect(second).toMatchObject({ code: 4, status: 400 });
    expect(second.message).toMatch(/^StreamChat error code 4: CommitMessage failed with error: ".+"$/);
    expect(fake.sim.get("sdk-commit")?.state).toBe("committed");
  });

  it("encodes ids the way the fake decodes them", async () => {
    fake.sim.addPending({ id: "thread/1 reply#2" });
    await client.commitMessage("thread/1 reply#2");
    expect(lastCall()).toMatchObject({ messageId: "thread/1 reply#2", simulated: { status: 201 } });
    expect(fake.sim.get("thread/1 reply#2")?.state).toBe("committed");
  });

  it("hard-deletes with hard=true, and a soft delete of a pending message is refused", async () => {
    fake.sim.addPending({ id: "sdk-delete" });

    const soft = await sdkError(client.deleteMessage("sdk-delete"));
    expect(soft).toMatchObject({ code: 4, status: 400 });
    expect(fake.sim.get("sdk-delete")?.state).toBe("pending");

    const hard = await client.deleteMessage("sdk-delete", { hardDelete: true });
    expect(hard.message.id).toBe("sdk-delete");
    expect(lastCall()).toMatchObject({
      method: "DELETE",
      path: "/messages/sdk-delete",
      simulated: { status: 200, effect: "hard-deleted", query: { hard: "true" } },
    });
    expect(fake.sim.get("sdk-delete")).toMatchObject({ state: "deleted", hardDeleted: true });
  });

  it("reads a message, and gets 404 code 16 once it is gone", async () => {
    fake.sim.addPending({ id: "sdk-get", text: "read me" }, { origin: "web" });
    const read = (await client.getMessage("sdk-get")) as unknown as Record<string, unknown>;
    expect(read).toMatchObject({
      message: { id: "sdk-get", text: "read me" },
      pending_message_metadata: { origin: "web" },
    });
    expect(lastCall()).toMatchObject({ method: "GET", operation: "get", simulated: { status: 200 } });

    fake.sim.deleteExternally("sdk-get");
    expect(await sdkError(client.getMessage("sdk-get"))).toMatchObject({ code: 16, status: 404 });
  });

  it("reads the app's pending-message hooks", async () => {
    const settings = await client.getAppSettings();
    const hooks = (settings.app as unknown as { event_hooks: Array<Record<string, unknown>> }).event_hooks;
    expect(hooks.filter((hook) => hook.hook_type === "pending_message")).toEqual([
      expect.objectContaining({ enabled: true, timeout_ms: 600_000 }),
    ]);
    expect(lastCall()).toMatchObject({ method: "GET", path: "/app", simulated: { status: 200 } });
  });

  it("works the same against the /api/v2/chat prefix", async () => {
    const v2 = new StreamChat(fake.apiKey, fake.apiSecret, { baseURL: `${fake.url}/api/v2/chat` });
    fake.sim.addPending({ id: "sdk-v2" });
    await v2.commitMessage("sdk-v2");
    expect(lastCall()).toMatchObject({
      path: "/api/v2/chat/messages/sdk-v2/commit",
      simulated: { status: 201 },
    });
  });

  it("is refused, and changes nothing, when its secret is not the app's", async () => {
    fake.sim.addPending({ id: "sdk-wrong-secret" });
    const impostor = new StreamChat(fake.apiKey, "not-the-secret", { baseURL: fake.url });

    expect(await sdkError(impostor.commitMessage("sdk-wrong-secret"))).toMatchObject({
      code: 43,
      status: 401,
    });
    expect(await sdkError(impostor.getAppSettings())).toMatchObject({ status: 401 });
    expect(fake.sim.get("sdk-wrong-secret")).toMatchObject({ state: "pending", commitAttempts: 0 });
  });

  it("is refused with code 2 under another api key", async () => {
    const otherApp = new StreamChat("another-key", fake.apiSecret, { baseURL: fake.url });
    expect(await sdkError(otherApp.getAppSettings())).toMatchObject({ code: 2, status: 401 });
  });
});

describe("server token", () => {
  it("is byte-for-byte the token the SDK sends", () => {
    const sdkToken = client._getToken();
    expect(sdkToken).toBe(signServerToken(fake.apiSecret));
    expect(verifyServerToken(sdkToken ?? undefined, fake.apiSecret)).toMatchObject({ ok: true });
  });

  it("from the SDK with another secret is refused", () => {
    const foreign = new StreamChat(fake.apiKey, "another-secret")._getToken();
    expect(verifyServerToken(foreign ?? undefined, fake.apiSecret)).toMatchObject({ ok: false, code: 43 });
  });

  it("for a user, made by the SDK, is not a server token", () => {
    const userToken = client.createToken("alice");
    expect(verifyServerToken(userToken, fake.apiSecret)).toMatchObject({ ok: false, code: 5 });
  });
});

describe("hook signatures checked by the SDK", () => {
  const payload = pendingMessagePayload({ message: { id: "hook-sdk", text: "héllo ✓" } });

  it("accepts the signature sign.ts makes, and rejects a wrong one", () => {
    const hook = hookHeaders({ apiKey: fake.apiKey, secret: fake.apiSecret, body: payload });
    const signature = hook.headers["X-Signature"] ?? "";
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(client.verifyWebhook(hook.body, signature)).toBe(true);
    expect(client.verifyWebhook(Buffer.from(hook.body), signature)).toBe(true);

    expect(client.verifyWebhook(hook.body, signBody(hook.body, "another-secret"))).toBe(false);
    expect(client.verifyWebhook(`${hook.body} `, signature)).toBe(false);
    expect(client.verifyWebhook(hook.body, signature.toUpperCase())).toBe(false);
  });

  it("accepts a gzipped hook, whose signature covers the uncompressed body", () => {
    const hook = hookHeaders({ apiKey: fake.apiKey, secret: fake.apiSecret, body: payload, gzip: true });
    const signature = hook.headers["X-Signature"] ?? "";
    const event = client.verifyAndParseWebhook(hook.body, signature) as unknown as typeof payload;
    expect(event.message.id).toBe("hook-sdk");
    expect(client.verifyWebhook(hook.signedBody, signature)).toBe(true);
    expect(client.verifyWebhook(hook.body, signature)).toBe(false);
  });
});
