/**
 * Scaling: speedup, efficiency, Amdahl and Karp-Flatt between runs, and speedup over the baseline.
 * The conventions of every metric view (fractions, NULL for missing, bb_sig rounding) are in views.ts.
 */
/**
 * The headline run: the most GPUs, the earliest in the study file on a tie, whatever its status (an
 * incomplete headline gives no figure rather than a silent fallback to a smaller run). The one place
 * this choice is made: v_baseline, the criteria (run: headline) and the pages all read it.
 */
export const V_HEADLINE = `
CREATE OR REPLACE {TEMP} VIEW v_headline AS
SELECT run_id, ord, gpus, status FROM v_run_timing WHERE gpus IS NOT NULL ORDER BY gpus DESC, ord LIMIT 1`;
/**
 * Scaling from the lowest-GPU complete run (the earliest one when several tie) to every complete run
 * with more GPUs. N = gpus(to) / gpus(from). Amdahl uses the GPU-stage share of the FROM run (the
 * baseline), Karp-Flatt the measured speedup. The primary and secondary GPU stages are the pipeline's
 * (bb_profile): the primary-only ceiling lets only the primary stage scale, and the what-ifs replace the
 * N-GPU secondary-stage time with the 1-GPU time divided by an assumed speedup (the primary stage's, 1.5, N).
 */
export const V_SCALING = `
CREATE OR REPLACE {TEMP} VIEW v_scaling AS
WITH complete AS (
  SELECT * FROM v_run_timing WHERE status = 'complete' AND total_seconds > 0 AND gpus IS NOT NULL
),
base AS (SELECT * FROM complete ORDER BY gpus, ord LIMIT 1),
stage_s AS (
  SELECT run_id,
    max(seconds) FILTER (WHERE stage = bb_profile('primary_gpu_stage') AND NOT skipped) AS primary_s,
    max(seconds) FILTER (WHERE stage = bb_profile('secondary_gpu_stage') AND NOT skipped) AS secondary_s
  FROM stages GROUP BY run_id
),
p AS (
  SELECT b.run_id AS from_run, t.run_id AS to_run, b.gpus AS from_gpus, t.gpus AS to_gpus, t.ord AS to_ord,
    t.gpus::DOUBLE / b.gpus AS n,
    b.total_seconds AS from_seconds, t.total_seconds AS to_seconds,
    b.gpu_stage_seconds / b.total_seconds AS f,
    bs.primary_s / b.total_seconds AS f_primary,
    bs.primary_s AS primary_from, ts.primary_s AS primary_to, bs.secondary_s AS secondary_from, ts.secondary_s AS secondary_to
  FROM base b JOIN complete t ON t.gpus > b.gpus
  LEFT JOIN stage_s bs ON bs.run_id = b.run_id
  LEFT JOIN stage_s ts ON ts.run_id = t.run_id
),
m AS (
  SELECT *, from_seconds / to_seconds AS speedup,
    CASE WHEN primary_to > 0 THEN primary_from / primary_to END AS primary_speedup
  FROM p
)
SELECT from_run, to_run, from_gpus, to_gpus, to_ord, bb_sig(n, 12) AS n, from_seconds, to_seconds,
  bb_sig(speedup, 12) AS speedup,
  bb_sig(speedup / n, 12) AS efficiency,
  bb_sig(f, 12) AS gpu_fraction,
  bb_sig(1 / ((1 - f) + f / n), 12) AS ceiling,
  bb_sig(f_primary, 12) AS primary_only_fraction,
  bb_sig(1 / ((1 - f_primary) + f_primary / n), 12) AS primary_only_ceiling,
  bb_sig((1 / speedup - 1 / n) / (1 - 1 / n), 12) AS karp_flatt,
  bb_sig(primary_speedup, 12) AS primary_speedup,
  primary_from, primary_to, secondary_from, secondary_to,
  bb_sig(to_seconds - secondary_to + secondary_from / primary_speedup, 12) AS what_if_secondary_like_primary,
  bb_sig(to_seconds - secondary_to + secondary_from / 1.5, 12) AS what_if_secondary_1_5x,
  bb_sig(to_seconds - secondary_to + secondary_from / n, 12) AS what_if_secondary_ideal,
  bb_sig(from_seconds / (to_seconds - secondary_to + secondary_from / primary_speedup), 12) AS what_if_secondary_like_primary_speedup,
  bb_sig(from_seconds / (to_seconds - secondary_to + secondary_from / 1.5), 12) AS what_if_secondary_1_5x_speedup,
  bb_sig(from_seconds / (to_seconds - secondary_to + secondary_from / n), 12) AS what_if_secondary_ideal_speedup
FROM m`;
/** Per-stage scaling for every pair of v_scaling. */
export const V_SCALING_STAGES = `
CREATE OR REPLACE {TEMP} VIEW v_scaling_stages AS
WITH keys AS (
  SELECT p.from_run, p.to_run, p.n, st.stage
  FROM v_scaling p JOIN v_stage_timing st ON st.run_id IN (p.from_run, p.to_run)
  GROUP BY ALL
)
SELECT k.from_run, k.to_run, k.stage,
  coalesce(a.ord, b.ord) AS ord, coalesce(a.is_gpu, b.is_gpu) AS is_gpu,
  a.seconds AS from_seconds, b.seconds AS to_seconds,
  a.share AS from_share, b.share AS to_share,
  bb_sig(b.seconds - a.seconds, 12) AS delta_seconds,
  CASE WHEN b.seconds > 0 AND NOT a.skipped AND NOT b.skipped THEN bb_sig(a.seconds / b.seconds, 12) END AS speedup,
  CASE WHEN b.seconds > 0 AND NOT a.skipped AND NOT b.skipped THEN bb_sig(a.seconds / b.seconds / k.n, 12) END AS efficiency
FROM keys k
LEFT JOIN v_stage_timing a ON a.run_id = k.from_run AND a.stage = k.stage
LEFT JOIN v_stage_timing b ON b.run_id = k.to_run AND b.stage = k.stage`;
/** Speedup over the study's external baseline (a known figure, not measured here), for every run. */
export const V_BASELINE = `
CREATE OR REPLACE {TEMP} VIEW v_baseline AS
WITH headline AS (SELECT run_id FROM v_headline)
SELECT rel.baseline_label AS label, rel.baseline_total_seconds AS baseline_seconds,
  t.run_id, t.ord, t.gpus, t.status, t.total_seconds,
  CASE WHEN t.status = 'complete' AND t.total_seconds > 0
       THEN bb_sig(rel.baseline_total_seconds / t.total_seconds, 12) END AS speedup,
  t.run_id = (SELECT run_id FROM headline) AS headline
FROM v_release rel CROSS JOIN v_run_timing t
WHERE rel.baseline_total_seconds IS NOT NULL`;
