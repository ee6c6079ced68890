/**
 * Batches of rows travel to hand-written statements as one JSON array of positional arrays, one
 * per row, parsed once as jsonb and read back by position: one statement text whatever the batch
 * size (so it is prepared once per connection) and one parameter. jsonb_to_recordset costs
 * several times as much per row (it converts its jsonb fields through text), and `json` (text)
 * would be lexed again for every field taken out of it. The column list is the single source of
 * both the tuple order and the SQL that reads it back.
 */
export type TupleColumn<Row> = readonly [
  name: string,
  sqlType: "text" | "int" | "bigint" | "bool" | "timestamptz" | "jsonb",
  value: (row: Row) => unknown,
];

export interface TupleReader<Row> {
  /** `select <columns> from jsonb_array_elements($1...)`: the rows of parameter $1, typed. */
  select: string;
  /** The value to pass as $1. */
  encode(rows: readonly Row[]): string;
}

export function tupleReader<Row>(columns: readonly TupleColumn<Row>[]): TupleReader<Row> {
  const select = columns
    .map(([name, type], i) => (type === "jsonb" ? `(e->${i}) as ${name}` : `(e->>${i})::${type} as ${name}`))
    .join(", ");
  return {
    select: `select ${select} from jsonb_array_elements($1::text::jsonb) e`,
    encode: (rows) => JSON.stringify(rows.map((row) => columns.map(([, , value]) => value(row)))),
  };
}
