import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { rawQuery } from "../../src/db/client.ts";
import { tupleReader } from "../../src/db/tuples.ts";
import { openTestDatabase, type TestDatabase } from "../support/db.ts";

interface Row {
  id: string;
  note: string | null;
  count: number | null;
  big: number;
  flag: boolean;
  at: string | null;
  doc: unknown;
}

const reader = tupleReader<Row>([
  ["id", "text", (r) => r.id],
  ["note", "text", (r) => r.note],
  ["count", "int", (r) => r.count],
  ["big", "bigint", (r) => r.big],
  ["flag", "bool", (r) => r.flag],
  ["at", "timestamptz", (r) => r.at],
  ["doc", "jsonb", (r) => r.doc],
]);

describe("batches as positional JSON tuples", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await openTestDatabase();
  });
  afterEach(async () => {
    await db.close();
  });

  it("every column comes back as written: quotes, backslashes, non-ASCII, nulls, nested documents", async () => {
    const rows: Row[] = [
      {
        id: `it's "quoted" \\ back\\slashed`,
        note: "naïve café 👍 ünïcödé, {braces} [brackets], comma",
        count: -7,
        big: 9_007_199_254_740_991,
        flag: true,
        at: "2026-11-26T09:12:44.517Z",
        doc: { nested: { list: [1, "two", null, { three: true }] }, 'key with "quotes"': "\\" },
      },
      { id: "nulls", note: null, count: null, big: 0, flag: false, at: null, doc: null },
      { id: "empty", note: "", count: 0, big: 1, flag: false, at: null, doc: [] },
    ];
    const out = await rawQuery(db.database.db)<Record<string, unknown>>(
      `with input as (${reader.select}) select id, note, count, big::text as big, flag,
         to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, doc::text as doc from input`,
      [reader.encode(rows)],
    );
    // Documents are compared parsed: jsonb normalises key order and spacing.
    expect(out.map(({ doc, ...rest }) => rest)).toEqual(
      rows.map(({ doc, big, ...rest }) => ({ ...rest, big: String(big) })),
    );
    // A JSON null becomes the jsonb value null, not SQL NULL (callers use nullif where it matters).
    for (const [i, row] of out.entries()) expect(JSON.parse(row.doc as string)).toEqual(rows[i]!.doc);
  });

  it("an empty batch is no rows", async () => {
    const out = await rawQuery(db.database.db)(`with input as (${reader.select}) select * from input`, [
      reader.encode([]),
    ]);
    expect(out).toEqual([]);
  });
});
