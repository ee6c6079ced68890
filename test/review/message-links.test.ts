import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/service.ts";
import { api, holdMessage } from "./helpers.ts";

const RULES = `
default_action: approve
rules:
  - id: watched-domain
    action: review
    when: { link_domain_in: [example.org] }
`;

interface Span {
  field: string;
  start: number;
  end: number;
  text: string;
}
interface LinkRecord {
  links: { field: string; text: string; host: string }[];
  decisions: { matches: { rule_id: string; conditions: { spans?: Span[] }[] }[] }[];
}

describe("links in the message record", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rulesYaml: RULES, startWorkers: false });
  });
  afterAll(() => h?.close());

  it("lists every link as the rules read it: without the sentence punctuation after it, with its host", async () => {
    const text = "see https://example.org, then evil.example. or (www.Other.example/a?b=1)!";
    const id = await holdMessage(h, {
      message: { text, attachments: [{ type: "link", title_link: "https://files.example/x.pdf" }] } as never,
    });
    const record = (await api<LinkRecord>(h.service, "GET", `/api/messages/${id}`)).body;
    expect(record.links).toEqual([
      { field: "text", text: "https://example.org", host: "example.org" },
      { field: "text", text: "evil.example", host: "evil.example" },
      { field: "text", text: "www.Other.example/a?b=1", host: "www.other.example" },
      { field: "attachments[0].title_link", text: "https://files.example/x.pdf", host: "files.example" },
    ]);
    // The rule's span is the same link, so the highlight ends where the link does.
    const spans = record.decisions[0]!.matches[0]!.conditions[0]!.spans ?? [];
    expect(spans).toEqual([
      expect.objectContaining({ field: "text", start: 4, end: 23, text: "https://example.org" }),
    ]);
    expect(text.slice(4, 23)).toBe("https://example.org");
  });

  it("lists none for a message without links", async () => {
    const payload = h.pending({ message: { text: "no links here. Really, none!" } });
    expect((await h.hook("PassOnPendingMessage", payload)).status).toBe(200);
    const id = payload.message.id;
    const record = (await api<LinkRecord>(h.service, "GET", `/api/messages/${id}`)).body;
    expect(record.links).toEqual([]);
  });
});
