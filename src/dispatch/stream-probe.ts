import type { StreamClient, StreamOutcome } from "./stream-client.ts";

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/**
 * Whether STREAM_BASE_URL answers `GET /app` like Stream does, with our credentials. A wrong URL
 * or a proxy's page would otherwise show only later, as calls that never succeed.
 */
export function judgeAppAnswer(outcome: StreamOutcome): ProbeResult {
  switch (outcome.kind) {
    case "ok": {
      const app = (outcome.body as { app?: unknown } | undefined)?.app;
      return app !== null && typeof app === "object"
        ? { ok: true, detail: "Stream answered GET /app" }
        : {
            ok: false,
            detail: `GET /app answered ${outcome.status} without Stream's app settings: STREAM_BASE_URL does not look like Stream's API; check it`,
          };
    }
    case "rate_limited":
      return { ok: true, detail: "Stream answered GET /app (rate limited for now)" };
    case "refused":
      return {
        ok: false,
        detail:
          outcome.status === 401 || outcome.status === 403
            ? `Stream refused our credentials (HTTP ${outcome.status}, code ${outcome.code}: ${outcome.message}); check STREAM_API_KEY and STREAM_API_SECRET`
            : `Stream refused GET /app (HTTP ${outcome.status}, code ${outcome.code}: ${outcome.message})`,
      };
    case "not_stream":
      return {
        ok: false,
        detail: `STREAM_BASE_URL does not answer like Stream: GET /app got HTTP ${outcome.status} without Stream's JSON error; check STREAM_BASE_URL and any proxy in between`,
      };
    case "unknown":
      return {
        ok: false,
        detail: `Stream did not answer GET /app (${outcome.status ?? "no answer"}: ${outcome.message}); check STREAM_BASE_URL and the network`,
      };
  }
}

/**
 * The readiness check for Stream: the answer to `GET /app` at start, asked again (at most every
 * `retryMs`) while it is failing, so a fixed proxy or a recovered network makes the replica ready.
 */
export class StreamProbe {
  private result: Promise<ProbeResult>;
  private askedAt: number;

  constructor(
    private readonly stream: Pick<StreamClient, "getApp">,
    first: Promise<StreamOutcome>,
    private readonly retryMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.result = first.then(judgeAppAnswer);
    this.askedAt = this.now();
  }

  async check(): Promise<ProbeResult> {
    const last = await this.result;
    if (last.ok || this.now() - this.askedAt < this.retryMs) return last;
    this.askedAt = this.now();
    this.result = this.stream.getApp().then(judgeAppAnswer);
    return this.result;
  }
}
