/**
 * Small in-memory DuckDB databases for metric tests: the real schema, rows inserted directly (no
 * ingest), so a metric test fails only when the metric is wrong.
 */
import {DuckDBInstance, type DuckDBConnection} from "@duckdb/node-api";
import {SCHEMA_SQL} from "../../engine/db/schema.ts";
import {profileRows} from "../../engine/ingest/adapter.ts";
import {virnucpro} from "../../loaders/virnucpro/adapter.ts";
import {GPU_STAGES} from "../../loaders/virnucpro/pipeline.ts";
import {insertRows, type Row} from "../../engine/db/writer.ts";
import {installViews} from "../../engine/metrics/views.ts";
import {instanceOptions, queryRows} from "../../engine/db/duckdb.ts";

export interface FixtureDb {
  connection: DuckDBConnection;
  insert(table: string, rows: readonly Row[]): Promise<void>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): void;
}

export async function fixtureDb(): Promise<FixtureDb> {
  const instance = await DuckDBInstance.create(":memory:", instanceOptions());
  const connection = await instance.connect();
  await connection.run(SCHEMA_SQL);
  await insertRows(connection, "pipeline_profile", profileRows(virnucpro));
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

/** A per-frame prediction row; `virus` is score2, `others` score1 (the pipeline's column order). */
export function frame(source: string, id: string, prediction: "virus" | "others", others: number | null, virus: number | null): Row {
  return {source, sequence_id: id, prediction, score_others: others, score_virus: virus};
}

/** A consensus row; scores null = a two-column (vanilla) consensus file. */
export function consensus(source: string, id: string, isVirus: boolean, others: number | null = null, virus: number | null = null): Row {
  return {source, modified_id: id, is_virus: isVirus, max_score_others: others, max_score_virus: virus};
}

/** An ESM-2 worker of a run. */
export function worker(runId: string, index: number, overrides: Row = {}): Row {
  return {run_id: runId, worker: index, world_size: 1, segments: 1, ...overrides};
}

/** A batch line: 'dataloader' (tokens, every 10th batch) or 'progress' (running logged `pack eff`). */
export function batch(runId: string, workerIndex: number, index: number, kind: "dataloader" | "progress", overrides: Row = {}): Row {
  return {run_id: runId, worker: workerIndex, batch: index, kind, ...overrides};
}

/** A GPU sample at a naive local timestamp; utilization in percent. */
export function gpuSample(runId: string, monitor: string, at: string, device: number, utilization: number, overrides: Row = {}): Row {
  return {run_id: runId, monitor, sampled_at: at, epoch: Date.parse(at.replace(" ", "T") + "Z") / 1000, device, utilization, ...overrides};
}

/**
 * ESM-2 telemetry for the runs of phase10Timing (call that first), with round numbers chosen so every
 * figure can be worked out by hand; the metric tests spell out the arithmetic.
 * - workers: 1gpu one worker (321.0 seq/s), 2gpu two (315.7 + 313.5 seq/s), inference spans 2480 s / 1200 s.
 * - batches: a few of the DataLoader lines (every 10th batch, with tokens; budget 16384), the last at
 *   batch 2770 (1gpu), 1380 and 1370 (2gpu); progress lines (every 100th batch) with the running
 *   `pack eff`, last 3.58 (1gpu), 3.0 and 3.5 (2gpu).
 * - io_warnings: 54 Mild lines (1gpu), 41 (2gpu).
 * - gpu samples (percent): 1gpu device 0 inside ESM-2 90, 70, 85, 100, 50 plus one 0 % sample before and
 *   after the stage; 2gpu monitor m0 device 0: 80, 90 and monitor m1 device 1: 60, 100, 95.
 */
export async function phase10Telemetry(db: FixtureDb): Promise<void> {
  await db.insert("workers", [
    worker("1gpu", 0, {
      token_budget: 16384, sequences: 794577, seq_per_sec: 321.0, tokens_per_sec: 16474,
      inference_started_at: "2026-02-08 23:09:30", inference_completed_at: "2026-02-08 23:50:50", completed_at: "2026-02-08 23:51:00"
    }),
    worker("2gpu", 0, {
      world_size: 2, token_budget: 16384, sequences: 397289, seq_per_sec: 315.7, tokens_per_sec: 16199,
      inference_started_at: "2026-02-09 16:10:00", inference_completed_at: "2026-02-09 16:30:00", completed_at: "2026-02-09 16:30:05"
    }),
    worker("2gpu", 1, {
      world_size: 2, token_budget: 16384, sequences: 397288, seq_per_sec: 313.5, tokens_per_sec: 16085,
      inference_started_at: "2026-02-09 16:10:02", inference_completed_at: "2026-02-09 16:29:50", completed_at: "2026-02-09 16:30:17.5"
    })
  ]);
  await db.insert("batches", [
    batch("1gpu", 0, 0, "dataloader", {tokens: 14000}),
    batch("1gpu", 0, 10, "dataloader", {tokens: 15000}),
    batch("1gpu", 0, 2770, "dataloader", {tokens: 16000}),
    batch("1gpu", 0, 10, "progress", {logged_pack_eff: 3.2}),
    batch("1gpu", 0, 2700, "progress", {logged_pack_eff: 3.58}),
    batch("2gpu", 0, 0, "dataloader", {tokens: 12000}),
    batch("2gpu", 0, 1380, "dataloader", {tokens: 13000}),
    batch("2gpu", 0, 1300, "progress", {logged_pack_eff: 3.0}),
    batch("2gpu", 1, 0, "dataloader", {tokens: 14500}),
    batch("2gpu", 1, 10, "dataloader", {tokens: 14700}),
    batch("2gpu", 1, 1370, "dataloader", {tokens: 14900}),
    batch("2gpu", 1, 1300, "progress", {logged_pack_eff: 3.5})
  ]);
  const mild = (runId: string, n: number, start: number) =>
    Array.from({length: n}, (_, i) => ({run_id: runId, worker: 0, logged_at: iso(start + i * 10_000), severity: "mild", utilization: 60 + (i % 20)}));
  await db.insert("io_warnings", [...mild("1gpu", 54, Date.parse("2026-02-08T23:10:00Z")), ...mild("2gpu", 41, Date.parse("2026-02-09T16:10:00Z"))]);
  await db.insert("gpu_monitors", [
    {run_id: "1gpu", monitor: "logs/gpu_metrics_m0.log", format: "gpu_metrics", devices: "[0]"},
    {run_id: "2gpu", monitor: "logs/gpu_metrics_m0.log", format: "gpu_metrics", devices: "[0]"},
    {run_id: "2gpu", monitor: "logs/gpu_metrics_m1.log", format: "gpu_metrics", devices: "[1]"}
  ]);
  const m0 = "logs/gpu_metrics_m0.log";
  const m1 = "logs/gpu_metrics_m1.log";
  await db.insert("gpu_samples", [
    gpuSample("1gpu", m0, "2026-02-08 23:05:00", 0, 0),
    gpuSample("1gpu", m0, "2026-02-08 23:10:00", 0, 90),
    gpuSample("1gpu", m0, "2026-02-08 23:20:00", 0, 70),
    gpuSample("1gpu", m0, "2026-02-08 23:30:00", 0, 85),
    gpuSample("1gpu", m0, "2026-02-08 23:40:00", 0, 100),
    gpuSample("1gpu", m0, "2026-02-08 23:50:00", 0, 50),
    gpuSample("1gpu", m0, "2026-02-08 23:55:00", 0, 0),
    gpuSample("2gpu", m0, "2026-02-09 16:10:00", 0, 80),
    gpuSample("2gpu", m0, "2026-02-09 16:20:00", 0, 90),
    gpuSample("2gpu", m1, "2026-02-09 16:10:00", 1, 60),
    gpuSample("2gpu", m1, "2026-02-09 16:20:00", 1, 100),
    gpuSample("2gpu", m1, "2026-02-09 16:30:00", 1, 95)
  ]);
}
