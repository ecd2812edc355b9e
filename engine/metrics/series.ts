/**
 * Series for the report site's charts that the Report does not carry: GPU utilisation over time, stage
 * windows, per-batch packing, cumulative sequences per worker, I/O-bottleneck marks and the mismatch
 * detail. Everything is aggregated here in SQL so a page loads small JSON whatever the run's size:
 * samples are binned, batches are thinned to a bounded count, mismatches are capped (the full list is a
 * separate download).
 *
 * Times are seconds since the run's first log line (runs.first_at), computed in SQL, so runs line up on
 * one axis and the browser never parses the log's naive local timestamps. Utilisation is a fraction of 1.
 * Requires the views of views.ts (installViews) for the mismatch queries.
 */
import type {DuckDBConnection} from "@duckdb/node-api";
import {queryRows, sqlString} from "../db/duckdb.ts";
import {mismatchView} from "./correctness.ts";

/** Run origin: first log line, else the first GPU sample (runs without a log). */
const RUN_ORIGIN = `
run_origin AS (
  SELECT r.run_id, coalesce(r.first_at, (SELECT min(sampled_at) FROM gpu_samples g WHERE g.run_id = r.run_id)) AS t0
  FROM runs r WHERE r.role = 'run'
)`;

export const SERIES_SQL = {
  gpu_utilization: `
WITH ${RUN_ORIGIN},
mon AS (SELECT run_id, monitor, dense_rank() OVER (PARTITION BY run_id ORDER BY monitor)::INTEGER AS monitor_no FROM (SELECT DISTINCT run_id, monitor FROM gpu_samples))
SELECT g.run_id AS run, g.device, mon.monitor_no AS monitor,
  floor(bb_seconds(o.t0, g.sampled_at) / $bin) * $bin AS t,
  count(*)::INTEGER AS samples,
  bb_sig(avg(g.utilization) / 100, 12) AS mean,
  min(g.utilization) / 100 AS min,
  max(g.utilization) / 100 AS max,
  bb_sig(avg(g.memory_mib), 12) AS memory_mib,
  bb_sig(avg(g.power_watts), 12) AS power_watts
FROM gpu_samples g JOIN run_origin o USING (run_id) JOIN mon USING (run_id, monitor)
WHERE g.sampled_at IS NOT NULL AND o.t0 IS NOT NULL
GROUP BY ALL ORDER BY run, device, monitor, t`,

  stage_windows: `
WITH ${RUN_ORIGIN}
SELECT s.run_id AS run, s.stage, s.ord, s.is_gpu,
  bb_sig(bb_seconds(o.t0, s.started_at), 12) AS start,
  bb_sig(bb_seconds(o.t0, s.ended_at), 12) AS "end"
FROM stages s JOIN run_origin o USING (run_id)
WHERE NOT s.skipped AND s.started_at IS NOT NULL AND s.ended_at IS NOT NULL
ORDER BY run, s.ord`,

  utilization_histogram: `
SELECT run_id AS run, least(floor(utilization / 5) * 5, 95) / 100 AS bin_lo,
  (least(floor(utilization / 5) * 5, 95) + 5) / 100 AS bin_hi,
  count(*)::INTEGER AS samples
FROM v_gpu_window_samples GROUP BY ALL ORDER BY run, bin_lo`,

  io_marks: `
WITH ${RUN_ORIGIN}
SELECT i.run_id AS run, i.worker, lower(i.severity) AS severity,
  bb_sig(bb_seconds(o.t0, i.logged_at), 12) AS t, i.utilization / 100 AS utilization
FROM io_warnings i JOIN run_origin o USING (run_id)
WHERE i.logged_at IS NOT NULL
ORDER BY run, t`,

  packing_batches: `
WITH b AS (
  SELECT b.run_id, b.worker, b.batch, b.sequences, b.tokens, w.token_budget,
    row_number() OVER (PARTITION BY b.run_id ORDER BY b.worker, b.batch) AS n,
    count(*) OVER (PARTITION BY b.run_id) AS total
  FROM batches b LEFT JOIN workers w USING (run_id, worker)
  WHERE b.kind = 'dataloader' AND b.tokens IS NOT NULL
)
SELECT run_id AS run, worker, batch, sequences, tokens, token_budget,
  CASE WHEN token_budget > 0 THEN tokens::DOUBLE / token_budget END AS efficiency,
  total::INTEGER AS batches_logged
FROM b
-- at most ~$max points per run: keep every k-th logged batch
WHERE (n - 1) % greatest(1, ceil(total / $max))::BIGINT = 0
ORDER BY run, worker, batch`,

  amdahl_curve: `
SELECT s.to_run AS "to", bb_sig(1 + i * (s.n - 1) / 40, 12) AS n,
  bb_sig(1 / ((1 - s.gpu_fraction) + s.gpu_fraction / (1 + i * (s.n - 1) / 40)), 12) AS ceiling,
  bb_sig(1 / ((1 - s.primary_only_fraction) + s.primary_only_fraction / (1 + i * (s.n - 1) / 40)), 12) AS primary_only_ceiling,
  -- the name this curve had first; kept for readers of the page data
  bb_sig(1 / ((1 - s.primary_only_fraction) + s.primary_only_fraction / (1 + i * (s.n - 1) / 40)), 12) AS esm_only_ceiling
FROM v_scaling s CROSS JOIN range(0, 41) r(i)
WHERE s.n > 1 AND s.gpu_fraction IS NOT NULL
ORDER BY "to", n`,

  cumulative_sequences: `
WITH ${RUN_ORIGIN}
-- DOUBLE, not BIGINT: the node client returns BIGINT as strings
SELECT b.run_id AS run, b.worker, b.batch, b.done::DOUBLE AS done, b.total::DOUBLE AS total,
  bb_sig(bb_seconds(o.t0, b.logged_at), 12) AS t
FROM batches b JOIN run_origin o USING (run_id)
WHERE b.kind = 'progress' AND b.done IS NOT NULL AND b.logged_at IS NOT NULL
ORDER BY run, worker, batch`,

  mismatch_top: `
SELECT run_id AS run, level, rank::INTEGER AS rank, id, bb_class(reference_label) AS reference_label, bb_class(run_label) AS run_label,
  reference_virus, run_virus, diff, label_mismatch
FROM v_correctness_mismatch_top WHERE rank <= $limit
ORDER BY run, level, rank`,

  mismatch_all: `
SELECT run_id AS run, level, rank::INTEGER AS rank, id, bb_class(reference_label) AS reference_label, bb_class(run_label) AS run_label,
  reference_virus, run_virus, diff, label_mismatch
FROM v_correctness_mismatches
ORDER BY run, level, rank`
} as const;

export interface UtilizationBin {
  run: string;
  device: number;
  /** 1-based monitor (file) number within the run: two monitors on one device = the nvitop index bug */
  monitor: number;
  t: number;
  samples: number;
  mean: number;
  min: number;
  max: number;
  /** mean over the bin; null where the monitor does not record it */
  memory_mib: number | null;
  power_watts: number | null;
}
export interface StageWindow {run: string; stage: string; ord: number | null; is_gpu: boolean; start: number; end: number}
export interface UtilizationHistogramBin {run: string; bin_lo: number; bin_hi: number; samples: number}
export interface IoMark {run: string; worker: number | null; severity: string; t: number; utilization: number | null}
export interface PackingBatch {
  run: string;
  worker: number;
  batch: number;
  sequences: number | null;
  tokens: number;
  token_budget: number | null;
  efficiency: number | null;
  batches_logged: number;
}
/** Amdahl's ceiling as a curve from 1 to N GPUs-ratio, for each scaling pair ('to' run). */
export interface AmdahlPoint {
  to: string;
  n: number;
  ceiling: number;
  /** only the pipeline's primary GPU stage scales */
  primary_only_ceiling: number | null;
  /** the same figure under the name it had first; kept for readers of the page data */
  esm_only_ceiling: number | null;
}
export interface CumulativePoint {run: string; worker: number; batch: number; done: number; total: number | null; t: number}
export interface MismatchRow {
  run: string;
  level: "per_frame" | "consensus";
  rank: number;
  id: string;
  reference_label: string;
  run_label: string;
  reference_virus: number | null;
  run_virus: number | null;
  diff: number | null;
  label_mismatch: boolean;
}

export async function gpuUtilizationSeries(connection: DuckDBConnection, options: {binSeconds?: number} = {}): Promise<UtilizationBin[]> {
  return queryRows<UtilizationBin>(connection, SERIES_SQL.gpu_utilization, {bin: options.binSeconds ?? 10});
}

export async function amdahlCurve(connection: DuckDBConnection): Promise<AmdahlPoint[]> {
  return queryRows<AmdahlPoint>(connection, SERIES_SQL.amdahl_curve);
}

export async function stageWindows(connection: DuckDBConnection): Promise<StageWindow[]> {
  return queryRows<StageWindow>(connection, SERIES_SQL.stage_windows);
}

export async function utilizationHistogram(connection: DuckDBConnection): Promise<UtilizationHistogramBin[]> {
  return queryRows<UtilizationHistogramBin>(connection, SERIES_SQL.utilization_histogram);
}

export async function ioMarks(connection: DuckDBConnection): Promise<IoMark[]> {
  return queryRows<IoMark>(connection, SERIES_SQL.io_marks);
}

export async function packingBatches(connection: DuckDBConnection, options: {maxPerRun?: number} = {}): Promise<PackingBatch[]> {
  return queryRows<PackingBatch>(connection, SERIES_SQL.packing_batches, {max: options.maxPerRun ?? 4000});
}

export async function cumulativeSequences(connection: DuckDBConnection): Promise<CumulativePoint[]> {
  return queryRows<CumulativePoint>(connection, SERIES_SQL.cumulative_sequences);
}

/** The first `limit` mismatching rows of every run and level (label mismatches first, then largest Δscore). */
export async function topMismatches(connection: DuckDBConnection, options: {limit?: number} = {}): Promise<MismatchRow[]> {
  const limit = options.limit ?? 500;
  return queryRows<MismatchRow>(connection, SERIES_SQL.mismatch_top.replace("v_correctness_mismatch_top", mismatchView(limit)), {limit});
}

export async function allMismatches(connection: DuckDBConnection): Promise<MismatchRow[]> {
  return queryRows<MismatchRow>(connection, SERIES_SQL.mismatch_all);
}

/** Every mismatching row as a zstd Parquet file, written by DuckDB (not through JS). */
export async function copyAllMismatches(connection: DuckDBConnection, file: string): Promise<void> {
  await connection.run(`COPY (${SERIES_SQL.mismatch_all.trim()}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
}
