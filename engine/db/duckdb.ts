import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";

export interface Database {
  connection: DuckDBConnection;
  close(): void;
}

/** Block size of the database files benchbook creates (see instanceOptions). */
export const BLOCK_SIZE = 16384;

/**
 * DuckDB settings every database of this process opens with. BENCHBOOK_DUCKDB_THREADS caps DuckDB's
 * worker threads (default: one per core): on a machine shared with other jobs, or in the test suite,
 * where several processes each open small databases and more threads than cores only add switching.
 */
export function instanceOptions(options: {readOnly?: boolean} = {}): Record<string, string> {
  const out: Record<string, string> = {};
  if (options.readOnly) out.access_mode = "READ_ONLY";
  // a new database file gets 16 KiB blocks instead of 256 KiB: every table takes at least one block, and a
  // study's database holds some fifty small tables, so the file (one per study and release, beside the
  // study in .benchbook/) is a tenth of the size and written in half the time; DuckDB 1.2 and later open
  // such files, for a user who queries it with their own DuckDB
  else out.default_block_size = String(BLOCK_SIZE);
  const threads = process.env.BENCHBOOK_DUCKDB_THREADS;
  if (threads !== undefined && threads !== "") {
    if (!/^[1-9][0-9]*$/.test(threads)) throw new Error(`BENCHBOOK_DUCKDB_THREADS is '${threads}': expected a whole number of threads, 1 or more`);
    out.threads = threads;
  }
  return out;
}

export async function openDatabase(file: string, options: {readOnly?: boolean} = {}): Promise<Database> {
  const instance = await DuckDBInstance.create(file, instanceOptions(options));
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
