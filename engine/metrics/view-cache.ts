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

/** Store the rows of each view in `names` (installed as TEMP views, in dependency order) that may be stored. */
export async function storeViewResults(connection: DuckDBConnection, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (UNCACHED.has(name)) continue;
    await connection.run(`CREATE OR REPLACE TABLE main.${VIEW_CACHE_PREFIX}${name} AS SELECT * FROM ${name}`);
    // later views read this one's stored rows instead of computing it again
    await connection.run(`CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM main.${VIEW_CACHE_PREFIX}${name}`);
  }
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
