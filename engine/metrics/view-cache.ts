/**
 * Stored results of the metric views (issue 14: a report from an ingested database in under 0.5 s).
 * A view's SQL stays its definition and is what the pages show; ingest also writes each view's rows
 * into `bb_view_<name>`, and installViews points the view at them, so a report reads small tables
 * instead of planning and running two dozen nested views. The database is rebuilt whenever its inputs or
 * benchbook's code change (fingerprint.ts), so a stored result cannot outlive the SQL that made it;
 * test/engine/metrics/view-cache.test.ts pins that every stored result equals its view.
 */
import type {DuckDBConnection} from "@duckdb/node-api";
import {STORED_VIEWS} from "./correctness-store.ts";

export const VIEW_CACHE_PREFIX = "bb_view_";

/**
 * Never stored: the prediction rows are gone after ingest, the full mismatch list is ranked only when
 * the archive reads it, and the stored comparison's views read their own tables already.
 */
const UNCACHED = new Set(["v_predictions", "v_correctness_rows", "v_correctness_mismatches", ...Object.keys(STORED_VIEWS)]);

/** Whether ingest stores the rows of this view. */
export function isStoredView(name: string): boolean {
  return !UNCACHED.has(name);
}

/**
 * Store the rows of one view (installed as a TEMP view) and point the view at them, so the views
 * created after it bind to a small table instead of its whole definition. `temporary`: in a TEMP table,
 * for one connection only (a report over a database without stored rows).
 */
export async function storeViewResult(connection: DuckDBConnection, name: string, temporary = false): Promise<void> {
  const table = `${temporary ? "temp" : "main"}.${VIEW_CACHE_PREFIX}${name}`;
  await connection.run(`CREATE OR REPLACE ${temporary ? "TEMP " : ""}TABLE ${table} AS SELECT * FROM ${name}`);
  await connection.run(`CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM ${table}`);
}

/** Whether the database stores view rows (ingest did; a fixture or hand-made database does not). */
export async function hasStoredViewResults(connection: DuckDBConnection): Promise<boolean> {
  return Object.keys(await storedViewResults(connection, true)).length > 0;
}

/** The views whose rows the database stores, each with the SQL that points the view at them. */
export async function storedViewResults(connection: DuckDBConnection, temporary: boolean): Promise<Record<string, string>> {
  const reader = await connection.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary AND starts_with(table_name, '${VIEW_CACHE_PREFIX}') ORDER BY table_name`
  );
  const out: Record<string, string> = {};
  for (const [table] of reader.getRows()) {
    const view = String(table).slice(VIEW_CACHE_PREFIX.length);
    out[view] = `CREATE OR REPLACE ${temporary ? "TEMP " : ""}VIEW ${view} AS SELECT * FROM main.${String(table)}`;
  }
  return out;
}
