import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";

export interface Database {
  connection: DuckDBConnection;
  close(): void;
}

export async function openDatabase(file: string, options: {readOnly?: boolean} = {}): Promise<Database> {
  const instance = await DuckDBInstance.create(file, options.readOnly ? {access_mode: "READ_ONLY"} : {});
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    }
  };
}

/** Run a query and return plain JSON rows (BIGINT and DECIMAL come back as strings: cast in SQL). */
export async function queryRows<T = Record<string, unknown>>(connection: DuckDBConnection, sql: string, params?: Record<string, unknown> | unknown[]): Promise<T[]> {
  const reader = params ? await connection.runAndReadAll(sql, params as never) : await connection.runAndReadAll(sql);
  return reader.getRowObjectsJson() as T[];
}

/**
 * Run `fn` with DuckDB free to write rows in any order (preserve_insertion_order = false), which lets it
 * insert from every thread: for statements whose result does not depend on row order.
 */
export async function withoutInsertionOrder<T>(connection: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await connection.run("SET preserve_insertion_order = false");
  try {
    return await fn();
  } finally {
    await connection.run("RESET preserve_insertion_order");
  }
}

/** Quote a string as a SQL literal (for paths handed to read_csv, which cannot take parameters everywhere). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
