import type {DuckDBConnection} from "@duckdb/node-api";

export type Row = Record<string, unknown>;

/**
 * Append plain JS rows to a table. Values go through a VARCHAR staging table and are cast by DuckDB to
 * the column types (INSERT BY NAME), so rows stay plain objects (numbers, strings, booleans, null, objects
 * as JSON) and DuckDB, not JavaScript, decides how a timestamp or a double is stored. A key the table has
 * no column for is an error: a typo must not silently drop a column. Columns no row names get their
 * default (NULL).
 */
export async function insertRows(connection: DuckDBConnection, table: string, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) keys.add(key);
  const columns = [...keys];
  const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const staging = `staging_${table}`;
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${staging} (${columns.map((c) => `${quoted(c)} VARCHAR`).join(", ")})`);
  const appender = await connection.createAppender(staging);
  try {
    for (const row of rows) {
      for (const column of columns) {
        const value = (row as Row)[column];
        if (value === null || value === undefined) appender.appendNull();
        else if (typeof value === "string") appender.appendVarchar(value);
        else if (typeof value === "number") {
          if (!Number.isFinite(value)) appender.appendNull();
          else appender.appendVarchar(String(value));
        } else if (typeof value === "boolean" || typeof value === "bigint") appender.appendVarchar(String(value));
        else appender.appendVarchar(JSON.stringify(value));
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  try {
    await connection.run(`INSERT INTO ${table} BY NAME SELECT * FROM ${staging}`);
  } catch (error) {
    const unknown = /does not have a column with name "([^"]+)"/.exec(error instanceof Error ? error.message : "");
    if (unknown) throw new Error(`insertRows(${table}): no column '${unknown[1]}'`, {cause: error});
    throw error;
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${staging}`);
  }
}
