// Seeds large benchmark tables fast: rows go to local D1 as one JSON parameter per chunk and are
// inserted with INSERT … SELECT over json_each, instead of one statement per row or a multi-row
// VALUES list cut at D1's 100 bound parameters. Used by jobs-scale and returns-scale.
const CHUNK = 1_000;

/** Every row has the same keys, the table's column names. */
export async function insertJsonRows(
  d1: D1Database,
  table: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const select = columns.map((column) => `json_extract(r.value, '$.${column}')`).join(", ");
  const query = `INSERT INTO ${table} (${columns.join(", ")}) SELECT ${select} FROM json_each(?) AS r`;
  for (let i = 0; i < rows.length; i += CHUNK)
    await d1
      .prepare(query)
      .bind(JSON.stringify(rows.slice(i, i + CHUNK)))
      .run();
}
