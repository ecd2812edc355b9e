/**
 * Small in-memory DuckDB databases for metric tests: the real schema, rows inserted directly (no
 * ingest), so a metric test fails only when the metric is wrong.
 */
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {SCHEMA_SQL, GPU_STAGES} from "../../loaders/db/schema.ts";
import {insertRows, type Row} from "../../loaders/db/writer.ts";
import {installViews} from "../../loaders/metrics/views.ts";
import {queryRows} from "../../loaders/db/duckdb.ts";

export interface FixtureDb {
  connection: DuckDBConnection;
  insert(table: string, rows: readonly Row[]): Promise<void>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): void;
}

export async function fixtureDb(): Promise<FixtureDb> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run(SCHEMA_SQL);
  await installViews(connection);
  return {
    connection,
    insert: (table, rows) => insertRows(connection, table, rows),
    query: (sql) => queryRows(connection, sql),
    close() {
      connection.closeSync();
      instance.closeSync();
    }
  };
}

export function release(overrides: Row = {}): Row {
  return {
    release: "v2.0",
    title: "PHASE 10: PERFORMANCE VALIDATION RESULTS",
    pipeline: "virnucpro",
    study_file: "/study/study.yaml",
    baseline_label: "v1.0",
    baseline_total_seconds: 12600,
    reference_label: "v1.0 reference",
    tolerance: 0.01,
    ...overrides
  };
}

export function run(id: string, gpus: number, overrides: Row = {}): Row {
  return {run_id: id, ord: gpus, role: "run", label: `${gpus}x RTX 4090`, gpus, status: "complete", outcome: "success", ...overrides};
}

export function referenceRun(overrides: Row = {}): Row {
  return {run_id: "reference", ord: 0, role: "reference", label: "v1.0", status: "no_log", model_path: "300_model.pth", expected_length: 300, model_source: "chunked_name", ...overrides};
}

/** Published Phase 10 stage times (FORMATS §11.2), 1 x RTX 4090 and 2 x RTX 4090. */
export const PHASE10_STAGES: ReadonlyArray<[string, number, number]> = [
  ["Sequence Chunking", 7.1, 7.3],
  ["Six-Frame Translation", 8.4, 8.5],
  ["Nucleotide File Splitting", 3.3, 4.3],
  ["Protein File Splitting", 3.1, 4.0],
  ["DNABERT-S Feature Extraction", 501.9, 523.5],
  ["ESM-2 Feature Extraction", 2591.1, 1383.2],
  ["Feature Merging", 34.7, 41.5],
  ["Model Prediction", 37.4, 39.1],
  ["Consensus Scoring", 13.6, 13.6]
];

/** Contiguous stage rows starting at `start` (a naive local timestamp). */
export function stageRows(runId: string, seconds: ReadonlyArray<[string, number | null]>, start = "2026-02-08 23:00:00"): Row[] {
  let t = Date.parse(start.replace(" ", "T") + "Z");
  return seconds.map(([stage, s], i) => {
    const begin = t;
    t += (s ?? 0) * 1000;
    return {
      run_id: runId,
      stage,
      ord: i + 1,
      seconds: s,
      summary_seconds: s,
      skipped: false,
      is_gpu: (GPU_STAGES as readonly string[]).includes(stage),
      started_at: iso(begin),
      ended_at: s === null ? null : iso(t)
    };
  });
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** The Phase 10 timing study: 1-GPU and 2-GPU runs with the published stage times and totals. */
export async function phase10Timing(db: FixtureDb, options: {twoGpu?: Row} = {}): Promise<void> {
  await db.insert("releases", [release()]);
  await db.insert("runs", [
    referenceRun(),
    run("1gpu", 1, {total_seconds: 3200.6, total_hms: "00:53:20", model_path: "/models/300_model.pth", expected_length: 300}),
    run("2gpu", 2, {total_seconds: 2025.0, total_hms: "00:33:44", model_path: "300_model.pth", expected_length: 300, ...options.twoGpu})
  ]);
  await db.insert("stages", stageRows("1gpu", PHASE10_STAGES.map(([n, a]) => [n, a])));
  await db.insert("stages", stageRows("2gpu", PHASE10_STAGES.map(([n, , b]) => [n, b]), "2026-02-09 16:00:00"));
}
