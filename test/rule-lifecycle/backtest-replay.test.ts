import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawQuery } from "../../src/db/client.ts";
import { compileCandidate } from "../../src/rule-lifecycle/backtest/candidate.ts";
import { replayWindow } from "../../src/rule-lifecycle/backtest/replay.ts";
import { sqlReplaySource } from "../../src/rule-lifecycle/backtest/replay-source.ts";
import { RulesLoadError } from "../../src/rules/errors.ts";
import { openTestDatabase, type TestDatabase } from "../support/db.ts";
import { type StoredMessage, storeMessages } from "../support/stored-messages.ts";

const CANDIDATE = `
default_action: approve
evaluation_budget_ms: 10000 # the figures below are about matching, not a busy machine's clock
rules:
  - id: scam
    action: reject
    when: { text_has_any: [scam] }
  - id: crypto
    action: review
    when: { text_has_any: [crypto] }
  - id: trial-spam
    action: reject
    mode: shadow
    when: { text_has_any: [spam] }
`;

const T0 = Date.parse("2026-06-01T12:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const since = at(0);
const until = at(60);

// Each line is one kind of message; the counts below follow from it by hand.
const LOG: StoredMessage[] = [
  // Recorded approve, candidate rejects (scam): approve→reject ×2.
  { id: "a1", receivedAt: at(1), text: "cheap scam here", rules: { action: "approve" } },
  { id: "a2", receivedAt: at(2), text: "another scam", rules: { action: "approve" } },
  // Recorded approve, candidate holds (crypto): approve→review ×1.
  { id: "a3", receivedAt: at(3), text: "buy crypto", rules: { action: "approve" } },
  // Recorded approve, candidate approves: unchanged ×2 (one matches only the shadow rule).
  { id: "a4", receivedAt: at(4), text: "hello there", rules: { action: "approve" } },
  { id: "a5", receivedAt: at(5), text: "spam spam", rules: { action: "approve" } },
  // Recorded reject by an old rule, candidate approves: reject→approve ×1.
  { id: "r1", receivedAt: at(6), text: "darn it", rules: { action: "reject", ruleIds: ["old-words"] } },
  // Held and labelled by moderators.
  // Moderator rejected; candidate rejects (caught).
  {
    id: "h1",
    receivedAt: at(7),
    text: "scam link",
    rules: { action: "review", ruleIds: ["links"] },
    moderator: "reject",
  },
  // Moderator rejected; candidate holds (caught).
  {
    id: "h2",
    receivedAt: at(8),
    text: "crypto deal",
    rules: { action: "review", ruleIds: ["links"] },
    moderator: "reject",
  },
  // Moderator rejected; candidate approves (missed).
  {
    id: "h3",
    receivedAt: at(9),
    text: "visit my page",
    rules: { action: "review", ruleIds: ["links"] },
    moderator: "reject",
  },
  // Moderator approved; candidate approves.
  {
    id: "h4",
    receivedAt: at(10),
    text: "my homework page",
    rules: { action: "review", ruleIds: ["links"] },
    moderator: "approve",
  },
  // Moderator approved; candidate rejects (blocked).
  {
    id: "h5",
    receivedAt: at(11),
    text: "not a scam, honest",
    rules: { action: "review", ruleIds: ["links"] },
    moderator: "approve",
  },
  // Held, nobody decided: no label.
  { id: "h6", receivedAt: at(12), text: "plain words", rules: { action: "review", ruleIds: ["links"] } },
  // Retired by retention: not replayed.
  { id: "x1", receivedAt: at(13), text: "", rules: { action: "approve" }, retired: true },
  // Outside the window: never read.
  { id: "o1", receivedAt: at(-5), text: "scam before", rules: { action: "approve" } },
  { id: "o2", receivedAt: at(60), text: "scam after", rules: { action: "approve" } },
];

describe("replaying a candidate over a stored log", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
    await storeMessages(rawQuery(db.database.db), LOG);
  });
  afterAll(async () => {
    await db.close();
  });

  const replay = (batchSize: number, extra: Partial<Parameters<typeof replayWindow>[0]> = {}) =>
    replayWindow({
      candidate: compileCandidate({ rules: CANDIDATE, lists: {}, activeLists: {} }),
      source: sqlReplaySource(rawQuery(db.database.db)),
      since,
      until,
      batchSize,
      ...extra,
    });

  it("counts every transition, rule hit and moderator agreement exactly", async () => {
    const { result, stopped, progress } = await replay(1000);
    expect(stopped).toBe(false);
    expect(progress).toEqual({ processed: 13, total: 13 });
    expect(result.messages).toEqual({
      in_window: 13,
      replayed: 12,
      retired: 1,
      without_recorded_decision: 0,
    });
    const transitions = Object.fromEntries(result.transitions.map((t) => [`${t.from}→${t.to}`, t.count]));
    expect(transitions).toEqual({
      "approve→reject": 2,
      "approve→review": 1,
      "approve→approve": 2,
      "reject→approve": 1,
      "review→reject": 2,
      "review→approve": 3,
      "review→review": 1,
    });
    expect(result.changed).toBe(9);
    expect(result.unchanged).toBe(3);
    const rules = Object.fromEntries(result.rules.map((r) => [r.rule_id, r]));
    expect(rules.scam).toMatchObject({ recorded_hits: 0, candidate_hits: 4, candidate_mode: "enforce" });
    expect(rules.crypto).toMatchObject({ recorded_hits: 0, candidate_hits: 2, candidate_mode: "enforce" });
    expect(rules["trial-spam"]).toMatchObject({ candidate_hits: 1, candidate_mode: "shadow" });
    expect(rules.links).toMatchObject({ recorded_hits: 6, candidate_hits: 0, candidate_mode: null });
    expect(rules["old-words"]).toMatchObject({ recorded_hits: 1, candidate_hits: 0, candidate_mode: null });
    expect(result.agreement).toEqual({
      labelled: 5,
      moderator_rejected: {
        total: 3,
        candidate_rejects: 1,
        candidate_holds: 1,
        candidate_approves: 1,
        caught_rate: 2 / 3,
      },
      moderator_approved: {
        total: 2,
        candidate_rejects: 1,
        candidate_holds: 0,
        candidate_approves: 1,
        blocked_rate: 1 / 2,
      },
    });
    expect(result.fidelity).toMatchObject({
      rate_rules: "none",
      evaluation_errors: 0,
      recorded_versions: { "recorded-v1": 12 },
    });
  });

  it("shows examples of each change with the matched spans", async () => {
    const { result } = await replay(1000);
    expect(Object.keys(result.examples).sort()).toEqual(
      [
        "approve→reject",
        "approve→review",
        "reject→approve",
        "review→approve",
        "review→reject",
        "missed_rejection",
        "blocked_approval",
      ].sort(),
    );
    expect(result.examples["approve→reject"]!.map((e) => e.message_id).sort()).toEqual(["a1", "a2"]);
    const example = result.examples["approve→reject"]!.find((e) => e.message_id === "a1")!;
    expect(example.recorded).toEqual({ action: "approve", rule_ids: [], ruleset_version: "recorded-v1" });
    const span = example.candidate.matches[0]!.conditions[0]!.spans![0]!;
    expect(example.text.slice(span.start, span.end)).toBe("scam");
    expect(result.examples.missed_rejection!.map((e) => e.message_id)).toEqual(["h3"]);
    expect(result.examples.blocked_approval!.map((e) => e.message_id)).toEqual(["h5"]);
  });

  it("gives the same figures whatever the batch size (paging loses and repeats nothing)", async () => {
    const whole = await replay(1000);
    for (const batchSize of [1, 2, 5]) {
      const paged = await replay(batchSize);
      expect(paged.result).toEqual(whole.result);
    }
  });

  it("paced below full speed, reads no batch ahead and rests, with the same figures", async () => {
    const whole = await replay(1000);
    const source = sqlReplaySource(rawQuery(db.database.db));
    let reported = 0;
    const readAfterReports: number[] = [];
    const watched = {
      count: source.count,
      readBatch: (...args: Parameters<typeof source.readBatch>) => {
        readAfterReports.push(reported);
        return source.readBatch(...args);
      },
    };
    const paced = await replayWindow({
      candidate: compileCandidate({ rules: CANDIDATE, lists: {}, activeLists: {} }),
      source: watched,
      since,
      until,
      batchSize: 4,
      share: () => 0.5,
      onProgress: () => {
        reported++;
      },
    });
    expect(paced.result).toEqual(whole.result);
    // Each batch is read only once the one before it was replayed and reported.
    expect(readAfterReports).toEqual([0, 1, 2, 3]);

    reported = 0;
    readAfterReports.length = 0;
    await replayWindow({
      candidate: compileCandidate({ rules: CANDIDATE, lists: {}, activeLists: {} }),
      source: watched,
      since,
      until,
      batchSize: 4,
      onProgress: () => {
        reported++;
      },
    });
    // At full speed the next batch is asked for before the current one is replayed.
    expect(readAfterReports).toEqual([0, 0, 1, 2]);
  });

  it("keeps at most the asked number of examples per kind, the same ones on every run", async () => {
    const first = await replay(3, { examplesPerKind: 1 });
    const second = await replay(7, { examplesPerKind: 1 });
    for (const examples of Object.values(first.result.examples)) expect(examples).toHaveLength(1);
    expect(second.result.examples).toEqual(first.result.examples);
  });

  it("stops when told to, reporting what it replayed so far", async () => {
    const seen: number[] = [];
    const stop = new AbortController();
    const { result, stopped, progress } = await replay(4, {
      signal: stop.signal,
      onProgress: (p) => {
        seen.push(p.processed);
        if (p.processed >= 8) stop.abort();
      },
    });
    expect(stopped).toBe(true);
    expect(seen).toEqual([4, 8]);
    expect(progress.processed).toBe(8);
    expect(result.messages.replayed).toBe(8);
    expect(result.fidelity.notes.join(" ")).toMatch(/Cancelled after 8 of 13/);
  });

  it("stops at max_messages and says so", async () => {
    const { result, stopped } = await replay(5, { maxMessages: 6 });
    expect(stopped).toBe(false);
    expect(result.messages.in_window).toBe(6);
    expect(result.fidelity.notes.join(" ")).toMatch(/max_messages \(6\)/);
  });
});

describe("replaying rate rules against the stored history", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
    // Alice sends at minutes -0.5 (before the window, history only), 0.2, 0.4 and 5; Bob once.
    const seconds = (s: number) => new Date(T0 + s * 1000);
    await storeMessages(rawQuery(db.database.db), [
      { id: "m0", receivedAt: seconds(-30), userId: "alice", text: "one", rules: { action: "approve" } },
      { id: "m1", receivedAt: seconds(12), userId: "alice", text: "two", rules: { action: "approve" } },
      { id: "m2", receivedAt: seconds(24), userId: "alice", text: "three", rules: { action: "approve" } },
      { id: "m3", receivedAt: seconds(300), userId: "alice", text: "four", rules: { action: "approve" } },
      { id: "m4", receivedAt: seconds(25), userId: "bob", text: "hi", rules: { action: "approve" } },
      // Same IP as Alice's third, another user: counted by IP, not by user.
      {
        id: "m5",
        receivedAt: seconds(26),
        userId: "carol",
        ip: "203.0.113.9",
        text: "x",
        rules: { action: "approve" },
      },
      {
        id: "m6",
        receivedAt: seconds(27),
        userId: "dave",
        ip: "203.0.113.9",
        text: "y",
        rules: { action: "approve" },
      },
    ]);
  });
  afterAll(async () => {
    await db.close();
  });

  it("counts each sender's earlier messages in the window, including those before it", async () => {
    const candidate = compileCandidate({
      rules: `
default_action: approve
rules:
  - id: burst
    action: review
    when: { rate: { max: 2, per: 1m, by: user } }
  - id: shared-ip
    action: reject
    when: { rate: { max: 1, per: 1m, by: ip } }
`,
      lists: {},
      activeLists: {},
    });
    const { result } = await replayWindow({
      candidate,
      source: sqlReplaySource(rawQuery(db.database.db)),
      since,
      until,
      batchSize: 2,
    });
    // m2 is Alice's third message within a minute (m0 before the window counts): held. m6 is
    // the second from its IP within a minute: rejected. Nothing else matches.
    const changed = Object.values(result.examples)
      .flat()
      .map((e) => [e.message_id, e.candidate.action]);
    expect(changed.sort()).toEqual([
      ["m2", "review"],
      ["m6", "reject"],
    ]);
    expect(result.fidelity.rate_rules).toBe("replayed");
    expect(result.fidelity.rate_history_from).toBe(new Date(T0 - 60_000).toISOString());
  });
});

describe("compiling a candidate", () => {
  it("reads term lists from the request or the active rules, never from disk", () => {
    const rules = `
rules:
  - id: words
    action: reject
    when: { text_has_any_file: words.txt }
`;
    expect(() => compileCandidate({ rules, lists: {}, activeLists: {} })).toThrow(
      /words\.txt.*send its content in `lists`/,
    );
    const fromRequest = compileCandidate({ rules, lists: { "words.txt": "scam\n" }, activeLists: {} });
    expect(
      fromRequest.evaluate({ message: { id: "1", text: "a scam" }, metadata: {}, requestInfo: null }).action,
    ).toBe("reject");
    const fromActive = compileCandidate({ rules, lists: {}, activeLists: { "words.txt": "fraud\n" } });
    expect(
      fromActive.evaluate({ message: { id: "1", text: "a fraud" }, metadata: {}, requestInfo: null }).action,
    ).toBe("reject");
    const absolute = rules.replace("words.txt", "/etc/hostname");
    expect(() => compileCandidate({ rules: absolute, lists: {}, activeLists: {} })).toThrow(RulesLoadError);
  });
});
