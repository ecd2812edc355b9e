import type {DuckDBConnection} from "@duckdb/node-api";
import {queryRows} from "./duckdb.ts";

export type Row = Record<string, unknown>;

/**
 * Append plain JS rows to a table. Values go through a VARCHAR staging table and are cast by DuckDB to
 * the column types, so rows stay plain objects (numbers, strings, booleans, null, objects as JSON) and
 * DuckDB, not JavaScript, decides how a timestamp or a double is stored. Unknown keys are an error: a
 * typo must not silently drop a column.
 */
export async function insertRows(connection: DuckDBConnection, table: string, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = await queryRows<{column_name: string; column_type: string}>(connection, `DESCRIBE ${table}`);
  const names = new Set(columns.map((c) => c.column_name));
  for (const key of Object.keys(rows[0] as Row)) {
    if (!names.has(key)) throw new Error(`insertRows(${table}): no column '${key}'`);
  }
  const staging = `staging_${table}`;
  await connection.run(`CREATE OR REPLACE TEMP TABLE ${staging} (${columns.map((c) => `"${c.column_name}" VARCHAR`).join(", ")})`);
  const appender = await connection.createAppender(staging);
  try {
    for (const row of rows) {
      for (const {column_name} of columns) {
        const value = (row as Row)[column_name];
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
  const select = columns.map((c) => `CAST("${c.column_name}" AS ${c.column_type})`).join(", ");
  await connection.run(`INSERT INTO ${table} SELECT ${select} FROM ${staging}`);
  await connection.run(`DROP TABLE ${staging}`);
}
