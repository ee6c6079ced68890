import type { RawQuery } from "../../src/db/client.ts";

/** A message as the log holds it after its hooks: the record, the rules' decision, a moderator's. */
export interface StoredMessage {
  id: string;
  receivedAt: Date;
  userId?: string;
  text: string;
  ip?: string;
  /** The rules' decision at receipt and the rules it matched. */
  rules: { action: "approve" | "review" | "reject"; ruleIds?: string[]; version?: string };
  /** A moderator's later decision on the held message. */
  moderator?: "approve" | "reject";
  /** Retention removed its content. */
  retired?: boolean;
}

/**
 * Writes stored messages straight into the log, the rows a hook and a moderator would have left,
 * for tests that read the log back (backtests).
 */
export async function storeMessages(query: RawQuery, messages: readonly StoredMessage[]): Promise<void> {
  for (const m of messages) {
    const payload = { id: m.id, text: m.text, user: m.userId ? { id: m.userId } : undefined };
    const requestInfo = m.ip ? { ip: m.ip } : null;
    await query(
      `insert into messages (id, status, user_id, text, payload, request_info, received_at, deadline_at, retired_at)
       values ($1, 'committed', $2, $3, $4::text::jsonb, $5::text::jsonb, $6::timestamptz,
               $6::timestamptz + interval '1 hour', case when $7::boolean then now() end)`,
      [
        m.id,
        m.retired ? null : (m.userId ?? null),
        m.retired ? null : m.text,
        JSON.stringify(m.retired ? {} : payload),
        m.retired ? null : JSON.stringify(requestInfo),
        m.receivedAt.toISOString(),
        m.retired ?? false,
      ],
    );
    if (m.retired) continue;
    const matches = (m.rules.ruleIds ?? []).map((id) => ({
      rule_id: id,
      action: m.rules.action,
      conditions: [],
    }));
    await query(
      `insert into decisions (message_id, action, source, matches, ruleset_version, user_id, ip, created_at)
       values ($1, $2, 'rules', $3::text::jsonb, $4, $5, $6::inet, $7::timestamptz)`,
      [
        m.id,
        m.rules.action,
        JSON.stringify(matches),
        m.rules.version ?? "recorded-v1",
        m.userId ?? null,
        m.ip ?? null,
        m.receivedAt.toISOString(),
      ],
    );
    if (m.moderator) {
      await query(
        `insert into decisions (message_id, action, source, actor, created_at)
         values ($1, $2, 'moderator', 'moderator:ann', $3::timestamptz + interval '1 minute')`,
        [m.id, m.moderator, m.receivedAt.toISOString()],
      );
    }
  }
}
