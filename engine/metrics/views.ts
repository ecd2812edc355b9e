/**
 * Every figure benchbook publishes, as SQL views over the tables of db/schema.ts. One view per metric
 * family; report.ts only reads them and the pages show this SQL next to their tables ("show SQL").
 *
 * Conventions
 * - Ratios are fractions (0.9987), seconds are seconds, utilisation is a fraction of 1 (0.87 = 87 %).
 * - Missing data stays NULL, never 0: a sum over stages with one unknown stage is NULL.
 * - Aggregates of doubles are rounded to 12 significant digits (bb_sig): DuckDB's parallel aggregation
 *   sums in a nondeterministic order and the last bits would otherwise change between runs.
 * - Only complete runs (status 'complete') take part in scaling; other runs keep their row in the timing
 *   views with NULL derived figures, so a criterion can say why it has no data.
 */
import type {DuckDBConnection} from "@duckdb/node-api";
import {V_RELEASE, V_RUN_TIMING, V_STAGE_TIMING, V_RUN_CHECKS} from "./timing.ts";
import {V_HEADLINE, V_SCALING, V_SCALING_STAGES, V_BASELINE} from "./scaling.ts";
import {V_MODEL_MATCH, V_PREDICTIONS, V_CORRECTNESS_ROWS, V_CORRECTNESS_COUNTS, V_CORRECTNESS, V_CORRECTNESS_MISMATCHES, V_CORRECTNESS_MISMATCH_TOP, V_CORRECTNESS_HISTOGRAM} from "./correctness.ts";
import {V_THROUGHPUT_WORKERS, V_THROUGHPUT} from "./throughput.ts";
import {V_PACKING} from "./packing.ts";
import {V_GPU_WINDOW_SAMPLES, V_GPU, V_GPU_RUN, V_IO_WARNINGS} from "./gpu.ts";
import {V_WARNINGS} from "./warnings.ts";
import {isStoredView, storedViewResults, storeViewResult} from "./view-cache.ts";
import {CORRECTNESS_STORE, CORRECTNESS_STORE_SQL, STORED_MISMATCHES_VIEW, STORED_VIEWS} from "./correctness-store.ts";

/** Significant-digit rounding, used on every aggregate of doubles. */
export const MACROS_SQL = `
CREATE OR REPLACE {TEMP} MACRO bb_sig(x, d) AS
  CASE WHEN x IS NULL OR NOT isfinite(x::DOUBLE) OR x = 0 THEN x::DOUBLE
       ELSE round(x::DOUBLE, (d - 1 - floor(log10(abs(x::DOUBLE))))::INTEGER) END;
CREATE OR REPLACE {TEMP} MACRO bb_seconds(a, b) AS (epoch_ms(b) - epoch_ms(a)) / 1000.0;
CREATE OR REPLACE {TEMP} MACRO bb_profile(k) AS (SELECT value FROM pipeline_profile WHERE key = k);
-- A compared label as the pipeline names its classes (profile 'classes'): the correctness SQL calls the
-- two classes of a binary prediction 'virus' and 'others', the names of the first pipeline; labels of
-- pipelines without two classes (own labels, compared for equality) are shown as they are.
CREATE OR REPLACE {TEMP} MACRO bb_class(label) AS CASE
  WHEN bb_profile('classes') IS NULL THEN label
  WHEN label = 'virus' THEN json_extract_string(bb_profile('classes'), '$.positive')
  WHEN label = 'others' THEN json_extract_string(bb_profile('classes'), '$.negative')
  ELSE label END;
`;

/** The views in creation order (later views read earlier ones). */
export const VIEWS: ReadonlyArray<{name: string; sql: string}> = [
  {name: "v_release", sql: V_RELEASE},
  {name: "v_run_timing", sql: V_RUN_TIMING},
  {name: "v_headline", sql: V_HEADLINE},
  {name: "v_stage_timing", sql: V_STAGE_TIMING},
  {name: "v_scaling", sql: V_SCALING},
  {name: "v_scaling_stages", sql: V_SCALING_STAGES},
  {name: "v_baseline", sql: V_BASELINE},
  {name: "v_model_match", sql: V_MODEL_MATCH},
  {name: "v_predictions", sql: V_PREDICTIONS},
  {name: "v_correctness_rows", sql: V_CORRECTNESS_ROWS},
  {name: "v_correctness_counts", sql: V_CORRECTNESS_COUNTS},
  {name: "v_correctness", sql: V_CORRECTNESS},
  {name: "v_correctness_mismatches", sql: V_CORRECTNESS_MISMATCHES},
  {name: "v_correctness_mismatch_top", sql: V_CORRECTNESS_MISMATCH_TOP},
  {name: "v_correctness_histogram", sql: V_CORRECTNESS_HISTOGRAM},
  {name: "v_throughput_workers", sql: V_THROUGHPUT_WORKERS},
  {name: "v_throughput", sql: V_THROUGHPUT},
  {name: "v_packing", sql: V_PACKING},
  {name: "v_gpu_window_samples", sql: V_GPU_WINDOW_SAMPLES},
  {name: "v_gpu", sql: V_GPU},
  {name: "v_gpu_run", sql: V_GPU_RUN},
  {name: "v_io_warnings", sql: V_IO_WARNINGS},
  {name: "v_run_checks", sql: V_RUN_CHECKS},
  {name: "v_warnings", sql: V_WARNINGS}
];

function render(sql: string, temporary: boolean): string {
  return sql.replaceAll("{TEMP} ", temporary ? "TEMP " : "").trim();
}

/** View SQL keyed by view name, as stored in the database (for report.sql and the pages). */
export function viewSql(options: {temporary?: boolean} = {}): Record<string, string> {
  const temporary = options.temporary ?? false;
  const out: Record<string, string> = {bb_macros: render(MACROS_SQL, temporary)};
  for (const v of VIEWS) out[v.name] = render(v.sql, temporary);
  return out;
}

/**
 * Create the macros and views. Temporary by default, so a read-only database (report from an
 * already-ingested study) works and the file never carries views of an older benchbook. When the
 * database holds the stored comparison (correctness-store.ts, written by ingest), the views it stands
 * for read the stored tables: the prediction rows themselves are not kept. Views whose rows ingest
 * stored (view-cache.ts) read those, unless `storedResults` is false.
 */
export async function installViews(connection: DuckDBConnection, options: {temporary?: boolean; storedResults?: boolean} = {}): Promise<void> {
  const temporary = options.temporary ?? true;
  // a view with stored rows is created reading them straight away: binding two dozen nested view
  // definitions is a good part of a report's time
  const stored = options.storedResults ?? true ? await storedViewResults(connection, temporary) : {};
  const statements = [render(MACROS_SQL, temporary), ...VIEWS.map((v) => stored[v.name] ?? render(v.sql, temporary))];
  if (await hasStoredCorrectness(connection)) statements.push(...Object.values(storedRedirects(temporary)));
  for (const [name, sql] of Object.entries(await pipelineViewSql(connection, {temporary}))) statements.push(stored[name] ?? sql);
  // one call for all of them, in order: a report's views are a few dozen small statements, and each
  // call of its own was a round trip through Node's thread pool
  await connection.run(statements.join("\n;\n"));
}

/**
 * Compute every view from the tables (the engine's and the pipeline's) and store its rows for reports
 * (view-cache.ts): the last step of ingest, and of anything else that changes the tables. One pass in
 * creation order: each view is created, its rows stored and the view pointed at them before the next is
 * created, so no view binds the whole stack of views below it (binding nested views was a good part of
 * ingest's fixed cost). `computeCorrectness` runs when the pass reaches the first view the stored
 * comparison stands for (ingest computes it there from its TEMP prediction rows, correctness-store.ts);
 * those views then read the stored comparison, as installViews points them. `temporary`: the rows go
 * into TEMP tables of this connection, for one report over a database that stores none.
 */
export async function storeAllViewResults(connection: DuckDBConnection, options: {computeCorrectness?: () => Promise<void>; temporary?: boolean} = {}): Promise<void> {
  await connection.run(render(MACROS_SQL, true));
  const comparisonViews = storedRedirects(true);
  let redirects: Record<string, string> | null = null;
  const create = async (name: string, sql: string) => {
    if (name in comparisonViews) {
      if (redirects === null) {
        await options.computeCorrectness?.();
        redirects = (await hasStoredCorrectness(connection)) ? comparisonViews : {};
      }
      await connection.run(redirects[name] ?? sql);
      return;
    }
    await connection.run(sql);
    if (isStoredView(name)) await storeViewResult(connection, name, options.temporary);
  };
  for (const v of VIEWS) await create(v.name, render(v.sql, true));
  for (const [name, sql] of Object.entries(await pipelineViewSql(connection, {temporary: true}))) await create(name, sql);
}

/**
 * The pipeline's own views (PipelineAdapter.views, stored by ingest in pipeline_views), keyed by name,
 * in their order: created after the engine's views, which they may read.
 */
export async function pipelineViewSql(connection: DuckDBConnection, options: {temporary?: boolean} = {}): Promise<Record<string, string>> {
  const table = await connection.runAndReadAll(`SELECT count(*)::INTEGER FROM duckdb_tables() WHERE table_name = 'pipeline_views' AND schema_name = 'main'`);
  if (Number(table.getRows()[0]![0]) === 0) return {};
  const rows = await connection.runAndReadAll("SELECT name, sql FROM pipeline_views ORDER BY ord");
  return Object.fromEntries(rows.getRows().map(([name, sql]) => [String(name), render(String(sql), options.temporary ?? false)]));
}

function redirectSql(view: string, table: string, temporary: boolean): string {
  return `CREATE OR REPLACE ${temporary ? "TEMP " : ""}VIEW ${view} AS SELECT * FROM main.${table}`;
}

/** The views the stored comparison stands for, reading its tables. */
function storedRedirects(temporary: boolean): Record<string, string> {
  const out: Record<string, string> = {v_correctness_mismatches: render(STORED_MISMATCHES_VIEW, temporary)};
  for (const [view, table] of Object.entries(STORED_VIEWS)) out[view] = redirectSql(view, table, temporary);
  return out;
}

export async function hasStoredCorrectness(connection: DuckDBConnection): Promise<boolean> {
  const stored = await connection.runAndReadAll(
    `SELECT count(*)::INTEGER FROM duckdb_tables() WHERE table_name = '${CORRECTNESS_STORE.counts}' AND NOT temporary AND schema_name = 'main'`
  );
  return Number(stored.getRows()[0]![0]) > 0;
}

/**
 * View SQL as a database with the stored comparison installs it: the stored views read their tables,
 * and `correctness_store` is the SQL ingest ran over the prediction rows (which the database does not
 * keep, so v_predictions and v_correctness_rows, empty there, are left out).
 */
export function storedViewSql(options: {temporary?: boolean} = {}): Record<string, string> {
  const temporary = options.temporary ?? false;
  const out = viewSql(options);
  delete out.v_predictions;
  delete out.v_correctness_rows;
  Object.assign(out, storedRedirects(temporary));
  out.correctness_store = CORRECTNESS_STORE_SQL.map((s) => `${s};`).join("\n\n");
  return out;
}
