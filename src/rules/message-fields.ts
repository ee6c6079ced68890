import type { PendingMessage } from "../hooks/payload.ts";

export interface TextField {
  /** Where the text came from, as shown in a matched span: "text", "attachments[0].title". */
  field: string;
  text: string;
}

// Attachment fields a sender writes (link previews are scraped by Stream, but their titles are
// still chosen by whoever controls the page, so they are moderated as text too).
const ATTACHMENT_TEXT_FIELDS = ["title", "text", "fallback", "pretext"] as const;

/** The free text a message carries that text conditions inspect: its text, then its attachments'. */
export function messageTextFields(message: PendingMessage): TextField[] {
  const fields: TextField[] = [];
  if (typeof message.text === "string" && message.text.length > 0)
    fields.push({ field: "text", text: message.text });
  fields.push(...attachmentTextFields(message));
  return fields;
}

/** The text fields of a message's attachments, in order (see messageTextFields). */
export function attachmentTextFields(message: PendingMessage): TextField[] {
  const fields: TextField[] = [];
  const attachments = message.attachments ?? [];
  attachments.forEach((attachment, index) => {
    for (const name of ATTACHMENT_TEXT_FIELDS) {
      const value = (attachment as Record<string, unknown>)[name];
      if (typeof value === "string" && value.length > 0) {
        fields.push({ field: `attachments[${index}].${name}`, text: value });
      }
    }
  });
  return fields;
}
