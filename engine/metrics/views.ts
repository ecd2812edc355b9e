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
import {CORRECTNESS_STORE, CORRECTNESS_STORE_SQL, STORED_VIEWS} from "./correctness-store.ts";

/** |logged - true| packing efficiency above which a warning is raised. */
export const PACKING_LOGGED_WARN = 0.05;
/** Longest sampling interval a GPU sample may stand for (both monitors sample every ~1 s). */
export const GPU_SAMPLE_INTERVAL_MAX_SECONDS = 2;
/** Share of the judged stage's window every measured device's samples must cover for a GPU figure to be judged. */
export const GPU_COVERAGE_MIN = 0.5;

/** Significant-digit rounding, used on every aggregate of doubles. */
export const MACROS_SQL = `
CREATE OR REPLACE {TEMP} MACRO bb_sig(x, d) AS
  CASE WHEN x IS NULL OR NOT isfinite(x::DOUBLE) OR x = 0 THEN x::DOUBLE
       ELSE round(x::DOUBLE, (d - 1 - floor(log10(abs(x::DOUBLE))))::INTEGER) END;
CREATE OR REPLACE {TEMP} MACRO bb_seconds(a, b) AS (epoch_ms(b) - epoch_ms(a)) / 1000.0;
CREATE OR REPLACE {TEMP} MACRO bb_profile(k) AS (SELECT value FROM pipeline_profile WHERE key = k);
`;

/** The study's one release row (a database holds one study). */
export const V_RELEASE = `
CREATE OR REPLACE {TEMP} VIEW v_release AS
SELECT * FROM releases ORDER BY release LIMIT 1`;

/**
 * Timing per run: summary total, stage sum (NULL when a timed stage has no seconds), GPU and CPU stage
 * sums, and the stage-sum cross-check (the summary's stages are contiguous, so they add up to the total
 * within rounding: ±0.1 s per stage).
 */
export const V_RUN_TIMING = `
CREATE OR REPLACE {TEMP} VIEW v_run_timing AS
WITH s AS (
  SELECT run_id,
    count(*) FILTER (WHERE NOT skipped)::INTEGER AS timed_stages,
    count(*) FILTER (WHERE NOT skipped AND seconds IS NULL)::INTEGER AS untimed_stages,
    bb_sig(sum(seconds) FILTER (WHERE NOT skipped), 12) AS stage_sum,
    bb_sig(sum(seconds) FILTER (WHERE NOT skipped AND is_gpu), 12) AS gpu_sum,
    bb_sig(sum(seconds) FILTER (WHERE NOT skipped AND NOT is_gpu), 12) AS cpu_sum,
    count(*) FILTER (WHERE NOT skipped AND is_gpu AND seconds IS NULL)::INTEGER AS untimed_gpu,
    count(*) FILTER (WHERE NOT skipped AND NOT is_gpu AND seconds IS NULL)::INTEGER AS untimed_cpu
  FROM stages GROUP BY run_id
)
SELECT r.run_id, r.ord, r.label, r.gpus, r.status, r.status_reason, r.outcome, r.total_seconds, r.total_hms,
  CASE WHEN s.untimed_stages = 0 THEN s.stage_sum END AS stage_sum_seconds,
  CASE WHEN s.untimed_gpu = 0 THEN s.gpu_sum END AS gpu_stage_seconds,
  CASE WHEN s.untimed_cpu = 0 THEN s.cpu_sum END AS cpu_stage_seconds,
  coalesce(s.timed_stages, 0) AS timed_stages,
  CASE WHEN s.untimed_stages = 0 THEN bb_sig(s.stage_sum - r.total_seconds, 12) END AS stage_sum_delta,
  -- published stage times are rounded to 0.1 s each, so their sum may drift by up to 0.05 s per stage
  (0.1 * coalesce(s.timed_stages, 0))::DOUBLE AS stage_sum_tolerance,
  r.model_path, r.expected_length, r.model_source, r.architecture, r.gpu_names, r.input_path,
  r.command, r.first_at, r.last_at, r.hdf5_conversion_seconds
FROM runs r LEFT JOIN s USING (run_id)
WHERE r.role = 'run'`;

/**
 * The headline run: the most GPUs, the earliest in the study file on a tie, whatever its status (an
 * incomplete headline gives no figure rather than a silent fallback to a smaller run). The one place
 * this choice is made: v_baseline, the criteria (run: headline) and the pages all read it.
 */
export const V_HEADLINE = `
CREATE OR REPLACE {TEMP} VIEW v_headline AS
SELECT run_id, ord, gpus, status FROM v_run_timing WHERE gpus IS NOT NULL ORDER BY gpus DESC, ord LIMIT 1`;

/** Stage seconds and share of the run's summary total. */
export const V_STAGE_TIMING = `
CREATE OR REPLACE {TEMP} VIEW v_stage_timing AS
SELECT s.run_id, s.stage, s.ord, s.seconds, s.skipped, s.is_gpu, s.started_at, s.ended_at,
  CASE WHEN t.total_seconds > 0 AND s.seconds IS NOT NULL THEN bb_sig(s.seconds / t.total_seconds, 12) END AS share
FROM stages s JOIN v_run_timing t USING (run_id)`;

/**
 * Scaling from the lowest-GPU complete run (the earliest one when several tie) to every complete run
 * with more GPUs. N = gpus(to) / gpus(from). Amdahl uses the GPU-stage share of the FROM run (the
 * baseline), Karp-Flatt the measured speedup; the what-ifs replace the N-GPU DNABERT-S time with the
 * 1-GPU time divided by an assumed speedup.
 */
export const V_SCALING = `
CREATE OR REPLACE {TEMP} VIEW v_scaling AS
WITH complete AS (
  SELECT * FROM v_run_timing WHERE status = 'complete' AND total_seconds > 0 AND gpus IS NOT NULL
),
base AS (SELECT * FROM complete ORDER BY gpus, ord LIMIT 1),
stage_s AS (
  SELECT run_id,
    max(seconds) FILTER (WHERE stage = bb_profile('primary_gpu_stage') AND NOT skipped) AS esm,
    max(seconds) FILTER (WHERE stage = bb_profile('secondary_gpu_stage') AND NOT skipped) AS dnabert
  FROM stages GROUP BY run_id
),
p AS (
  SELECT b.run_id AS from_run, t.run_id AS to_run, b.gpus AS from_gpus, t.gpus AS to_gpus, t.ord AS to_ord,
    t.gpus::DOUBLE / b.gpus AS n,
    b.total_seconds AS from_seconds, t.total_seconds AS to_seconds,
    b.gpu_stage_seconds / b.total_seconds AS f,
    bs.esm / b.total_seconds AS f_esm,
    bs.esm AS esm_from, ts.esm AS esm_to, bs.dnabert AS dnabert_from, ts.dnabert AS dnabert_to
  FROM base b JOIN complete t ON t.gpus > b.gpus
  LEFT JOIN stage_s bs ON bs.run_id = b.run_id
  LEFT JOIN stage_s ts ON ts.run_id = t.run_id
),
m AS (
  SELECT *, from_seconds / to_seconds AS speedup,
    CASE WHEN esm_to > 0 THEN esm_from / esm_to END AS esm_speedup
  FROM p
)
SELECT from_run, to_run, from_gpus, to_gpus, to_ord, bb_sig(n, 12) AS n, from_seconds, to_seconds,
  bb_sig(speedup, 12) AS speedup,
  bb_sig(speedup / n, 12) AS efficiency,
  bb_sig(f, 12) AS gpu_fraction,
  bb_sig(1 / ((1 - f) + f / n), 12) AS ceiling,
  bb_sig(f_esm, 12) AS esm_only_fraction,
  bb_sig(1 / ((1 - f_esm) + f_esm / n), 12) AS esm_only_ceiling,
  bb_sig((1 / speedup - 1 / n) / (1 - 1 / n), 12) AS karp_flatt,
  bb_sig(esm_speedup, 12) AS esm_speedup,
  esm_from, esm_to, dnabert_from, dnabert_to,
  bb_sig(to_seconds - dnabert_to + dnabert_from / esm_speedup, 12) AS what_if_dnabert_like_esm,
  bb_sig(to_seconds - dnabert_to + dnabert_from / 1.5, 12) AS what_if_dnabert_1_5x,
  bb_sig(to_seconds - dnabert_to + dnabert_from / n, 12) AS what_if_dnabert_ideal,
  bb_sig(from_seconds / (to_seconds - dnabert_to + dnabert_from / esm_speedup), 12) AS what_if_dnabert_like_esm_speedup,
  bb_sig(from_seconds / (to_seconds - dnabert_to + dnabert_from / 1.5), 12) AS what_if_dnabert_1_5x_speedup,
  bb_sig(from_seconds / (to_seconds - dnabert_to + dnabert_from / n), 12) AS what_if_dnabert_ideal_speedup
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

/**
 * Model and expected length of each run against the reference. Paths compare by file name (the two
 * sides ran on different machines). false when a known dimension differs; NULL when either side is
 * wholly unknown or no dimension is known on both sides.
 */
export const V_MODEL_MATCH = `
CREATE OR REPLACE {TEMP} VIEW v_model_match AS
WITH ref AS (
  SELECT regexp_extract(model_path, '[^/\\\\]+$') AS model, expected_length AS len, model_source, model_file, model_line
  FROM runs WHERE role = 'reference' ORDER BY ord LIMIT 1
),
x AS (
  SELECT r.run_id, r.ord, regexp_extract(r.model_path, '[^/\\\\]+$') AS run_model, r.expected_length AS run_len,
    r.model_file AS run_model_file, r.model_line AS run_model_line,
    (SELECT model FROM ref) AS ref_model, (SELECT len FROM ref) AS ref_len,
    (SELECT model_file FROM ref) AS reference_model_file, (SELECT model_line FROM ref) AS reference_model_line,
    (SELECT count(*) FROM ref) > 0 AS has_reference_row
  FROM runs r WHERE r.role = 'run'
)
SELECT run_id, ord, nullif(run_model, '') AS run_model, run_len, nullif(ref_model, '') AS reference_model,
  ref_len AS reference_length, has_reference_row, run_model_file, run_model_line, reference_model_file, reference_model_line,
  CASE
    WHEN (nullif(run_model, '') IS NOT NULL AND nullif(ref_model, '') IS NOT NULL AND run_model <> ref_model)
      OR (run_len IS NOT NULL AND ref_len IS NOT NULL AND run_len <> ref_len) THEN false
    WHEN (nullif(run_model, '') IS NOT NULL AND nullif(ref_model, '') IS NOT NULL)
      OR (run_len IS NOT NULL AND ref_len IS NOT NULL) THEN true
  END AS model_match,
  nullif(run_model, '') IS NULL AND run_len IS NULL AS run_unknown,
  nullif(ref_model, '') IS NULL AND ref_len IS NULL AS reference_unknown
FROM x`;

/**
 * Predictions of every source at both levels. Consensus comes from the source's consensus file; when
 * that file has no score columns (vanilla, two columns) the scores are derived from the source's
 * per-frame rows (max over frames, each independently, as the pipeline does) while the file's own label
 * is kept; a source without a consensus file gets label and scores derived from its per-frame rows.
 */
export const V_PREDICTIONS = `
CREATE OR REPLACE {TEMP} VIEW v_predictions AS
WITH file_sources AS (
  SELECT source, bool_or(max_score_others IS NOT NULL AND max_score_virus IS NOT NULL) AS has_scores
  FROM predictions_consensus GROUP BY source
),
-- grouping frames by record is costly on millions of rows: only for sources whose consensus is derived
frame_groups AS (
  SELECT source, regexp_replace(sequence_id, '[FR][123]$', '') AS id,
    max(score_others) AS score_others, max(score_virus) AS score_virus
  FROM predictions_frame
  WHERE source NOT IN (SELECT source FROM file_sources WHERE has_scores)
  GROUP BY ALL
)
SELECT 'per_frame' AS level, source, sequence_id AS id, prediction = 'virus' AS is_virus,
  score_others, score_virus, false AS derived
FROM predictions_frame
UNION ALL
SELECT 'consensus', c.source, c.modified_id, c.is_virus, c.max_score_others, c.max_score_virus, false
FROM predictions_consensus c JOIN file_sources f ON f.source = c.source AND f.has_scores
UNION ALL
SELECT 'consensus', c.source, c.modified_id, c.is_virus, g.score_others, g.score_virus, true
FROM predictions_consensus c JOIN file_sources f ON f.source = c.source AND NOT f.has_scores
LEFT JOIN frame_groups g ON g.source = c.source AND g.id = c.modified_id
UNION ALL
SELECT 'consensus', g.source, g.id, g.score_virus >= g.score_others, g.score_others, g.score_virus, true
FROM frame_groups g WHERE g.source NOT IN (SELECT source FROM file_sources)
UNION ALL
-- outputs with labels of their own (pipeline: csv): is_virus carries "same label as the reference's row
-- of this id" (true for the reference's rows), and the one score fills both score columns, so the
-- label and score comparisons below hold for any set of labels
SELECT l.level, l.source, l.id, CASE WHEN l.source = 'reference' THEN true ELSE l.label = r.label END,
  l.score, l.score, false
FROM predictions_labels l LEFT JOIN predictions_labels r ON r.source = 'reference' AND r.level = l.level AND r.id = l.id`;

/**
 * One row per (run, level, id) over the union of reference and run IDs: joined on ID, never on row
 * order. max_diff is the larger of the two absolute score differences, NULL when a side lacks scores.
 */
export const V_CORRECTNESS_ROWS = `
CREATE OR REPLACE {TEMP} VIEW v_correctness_rows AS
WITH run_sides AS (
  SELECT DISTINCT p.level, p.source AS run_id FROM v_predictions p JOIN runs r ON r.run_id = p.source AND r.role = 'run'
),
ref AS (SELECT s.run_id, p.* FROM run_sides s JOIN v_predictions p ON p.level = s.level AND p.source = 'reference'),
run AS (SELECT p.source AS run_id, p.* FROM v_predictions p JOIN run_sides s ON s.level = p.level AND s.run_id = p.source),
j AS (
  SELECT coalesce(a.run_id, b.run_id) AS run_id, coalesce(a.level, b.level) AS level, coalesce(a.id, b.id) AS id,
    a.id IS NOT NULL AS in_reference, b.id IS NOT NULL AS in_run,
    a.is_virus AS reference_virus, b.is_virus AS run_virus,
    a.score_others AS reference_others, a.score_virus AS reference_score_virus,
    b.score_others AS run_others, b.score_virus AS run_score_virus,
    abs(a.score_others - b.score_others) AS diff_others, abs(a.score_virus - b.score_virus) AS diff_virus,
    a.derived AS reference_derived, b.derived AS run_derived
  FROM ref a FULL OUTER JOIN run b ON a.run_id = b.run_id AND a.level = b.level AND a.id = b.id
)
SELECT *, in_reference AND in_run AS compared,
  CASE WHEN diff_others IS NULL OR diff_virus IS NULL THEN NULL ELSE greatest(diff_others, diff_virus) END AS max_diff,
  in_reference AND in_run AND reference_virus <> run_virus AS label_mismatch
FROM j`;

/** Counts and score-difference statistics per run and level (stored by ingest: correctness-store.ts). */
export const V_CORRECTNESS_COUNTS = `
CREATE OR REPLACE {TEMP} VIEW v_correctness_counts AS
WITH tol AS (SELECT tolerance FROM v_release)
  SELECT run_id, level,
    count(*) FILTER (WHERE in_reference)::INTEGER AS reference_rows,
    count(*) FILTER (WHERE in_run)::INTEGER AS run_rows,
    count(*) FILTER (WHERE compared)::INTEGER AS compared,
    count(*) FILTER (WHERE in_reference AND NOT in_run)::INTEGER AS missing,
    count(*) FILTER (WHERE in_run AND NOT in_reference)::INTEGER AS extra,
    count(*) FILTER (WHERE label_mismatch)::INTEGER AS label_mismatches,
    count(*) FILTER (WHERE compared AND max_diff IS NOT NULL)::INTEGER AS scored,
    count(*) FILTER (WHERE compared AND max_diff <= (SELECT tolerance FROM tol))::INTEGER AS within_tolerance,
    count(*) FILTER (WHERE compared AND NOT label_mismatch AND max_diff <= (SELECT tolerance FROM tol))::INTEGER AS joint_matches,
    count(*) FILTER (WHERE compared AND (label_mismatch OR max_diff IS NULL OR max_diff > (SELECT tolerance FROM tol)))::INTEGER AS mismatches_total,
    bb_sig(avg(max_diff) FILTER (WHERE compared), 12) AS diff_mean,
    bb_sig(quantile_cont(max_diff, 0.5) FILTER (WHERE compared), 12) AS diff_median,
    bb_sig(quantile_cont(max_diff, 0.99) FILTER (WHERE compared), 12) AS diff_p99,
    max(max_diff) FILTER (WHERE compared) AS diff_max,
    count(*) FILTER (WHERE compared AND reference_virus AND run_virus)::INTEGER AS virus_virus,
    count(*) FILTER (WHERE compared AND reference_virus AND NOT run_virus)::INTEGER AS virus_others,
    count(*) FILTER (WHERE compared AND NOT reference_virus AND run_virus)::INTEGER AS others_virus,
    count(*) FILTER (WHERE compared AND NOT reference_virus AND NOT run_virus)::INTEGER AS others_others,
    coalesce(bool_or(run_derived), false) AS run_derived,
    coalesce(bool_or(reference_derived), false) AS reference_derived
  FROM v_correctness_rows GROUP BY run_id, level`;

/** Agreement per run and level: counts, label-only and label+score agreement, score-difference stats. */
export const V_CORRECTNESS = `
CREATE OR REPLACE {TEMP} VIEW v_correctness AS
WITH tol AS (SELECT tolerance FROM v_release)
SELECT a.run_id, a.level, a.reference_rows, a.run_rows, a.compared, a.missing, a.extra, a.label_mismatches,
  CASE WHEN a.compared > 0 THEN bb_sig((a.compared - a.label_mismatches)::DOUBLE / a.compared, 12) END AS label_agreement,
  a.compared > 0 AND a.scored = a.compared AS scores_compared,
  a.scored,
  CASE WHEN a.compared > 0 AND a.scored = a.compared THEN a.within_tolerance END AS within_tolerance,
  CASE WHEN a.compared > 0 AND a.scored = a.compared THEN bb_sig(a.within_tolerance::DOUBLE / a.compared, 12) END AS within_tolerance_share,
  CASE WHEN a.compared > 0 AND a.scored = a.compared THEN bb_sig(a.joint_matches::DOUBLE / a.compared, 12) END AS joint_agreement,
  (SELECT tolerance FROM tol) AS tolerance,
  a.mismatches_total, a.diff_mean, a.diff_median, a.diff_p99, a.diff_max,
  a.virus_virus, a.virus_others, a.others_virus, a.others_others,
  m.model_match, m.run_model, m.reference_model, m.run_len AS run_expected_length,
  m.reference_length AS reference_expected_length, m.run_unknown AS run_model_unknown,
  m.reference_unknown AS reference_model_unknown,
  a.level = 'consensus' AND a.run_derived AS run_derived,
  a.level = 'consensus' AND a.reference_derived AS reference_derived,
  m.ord
FROM v_correctness_counts a
LEFT JOIN v_model_match m ON m.run_id = a.run_id`;

/**
 * Mismatching rows (label mismatch, score difference above tolerance, or scores not comparable), label
 * mismatches first, then the largest differences. rank numbers them per run and level.
 */
export const V_CORRECTNESS_MISMATCHES = `
CREATE OR REPLACE {TEMP} VIEW v_correctness_mismatches AS
SELECT run_id, level, id,
  -- outputs with labels of their own (pipeline: csv) show them; virus/others otherwise
  coalesce((SELECT p.label FROM predictions_labels p WHERE p.source = 'reference' AND p.level = c.level AND p.id = c.id),
    CASE WHEN reference_virus THEN 'virus' ELSE 'others' END) AS reference_label,
  coalesce((SELECT p.label FROM predictions_labels p WHERE p.source = c.run_id AND p.level = c.level AND p.id = c.id),
    CASE WHEN run_virus THEN 'virus' ELSE 'others' END) AS run_label,
  reference_score_virus AS reference_virus, run_score_virus AS run_virus, max_diff AS diff,
  label_mismatch,
  row_number() OVER (PARTITION BY run_id, level ORDER BY label_mismatch DESC, max_diff DESC NULLS FIRST, id) AS rank
FROM v_correctness_rows c
WHERE compared AND (label_mismatch OR max_diff IS NULL OR max_diff > (SELECT tolerance FROM v_release))`;

/** Histogram of per-row max |Δscore| in decades (10^k .. 10^(k+1)); exact zeros get the bin [0, 0]. */
export const V_CORRECTNESS_HISTOGRAM = `
CREATE OR REPLACE {TEMP} VIEW v_correctness_histogram AS
WITH b AS (
  SELECT run_id, level, CASE WHEN max_diff > 0 THEN floor(log10(max_diff))::INTEGER END AS k
  FROM v_correctness_rows WHERE compared AND max_diff IS NOT NULL
)
SELECT run_id, level, k,
  CASE WHEN k IS NULL THEN 0 ELSE pow(10, k) END AS bin_lo,
  CASE WHEN k IS NULL THEN 0 ELSE pow(10, k + 1) END AS bin_hi,
  count(*)::INTEGER AS rows
FROM b GROUP BY ALL`;

/** ESM-2 workers: sequences, rates and spans, with the last logged batch index. */
export const V_THROUGHPUT_WORKERS = `
CREATE OR REPLACE {TEMP} VIEW v_throughput_workers AS
WITH b AS (SELECT run_id, worker, max(batch) AS last_batch FROM batches GROUP BY ALL)
SELECT w.run_id, w.worker, w.device_name, w.sequences, w.seq_per_sec, w.tokens_per_sec, w.assigned_tokens,
  w.started_at, w.inference_started_at, w.inference_completed_at, w.completed_at,
  bb_sig(bb_seconds(w.inference_started_at, w.inference_completed_at), 12) AS inference_seconds,
  -- batch indices start at 0 and are logged every 10th batch: a lower bound within 10 of the count
  b.last_batch + 1 AS batches
FROM workers w LEFT JOIN b USING (run_id, worker)`;

/** Combined ESM-2 throughput, finish skew and stage overhead per run. */
export const V_THROUGHPUT = `
CREATE OR REPLACE {TEMP} VIEW v_throughput AS
WITH w AS (
  SELECT run_id, count(*)::INTEGER AS workers,
    count(*) FILTER (WHERE seq_per_sec IS NULL)::INTEGER AS missing_rate,
    bb_sig(sum(seq_per_sec), 12) AS seq, bb_sig(sum(tokens_per_sec), 12) AS tok,
    bb_sig(bb_seconds(min(completed_at), max(completed_at)), 12) AS skew,
    bb_sig(bb_seconds(min(inference_started_at), max(inference_completed_at)), 12) AS span,
    count(*) FILTER (WHERE completed_at IS NULL)::INTEGER AS missing_end,
    count(*) FILTER (WHERE inference_started_at IS NULL OR inference_completed_at IS NULL)::INTEGER AS missing_span
  FROM workers GROUP BY run_id
)
SELECT w.run_id, w.workers,
  CASE WHEN w.missing_rate = 0 THEN w.seq END AS combined_seq_per_sec,
  CASE WHEN w.missing_rate = 0 THEN w.tok END AS combined_tokens_per_sec,
  CASE WHEN w.missing_end = 0 THEN w.skew END AS finish_skew_seconds,
  s.seconds AS stage_seconds,
  CASE WHEN w.missing_span = 0 THEN w.span END AS inference_span_seconds,
  CASE WHEN w.missing_span = 0 THEN bb_sig(s.seconds - w.span, 12) END AS overhead_seconds,
  r.hdf5_conversion_seconds
FROM w
LEFT JOIN stages s ON s.run_id = w.run_id AND s.stage = bb_profile('primary_gpu_stage') AND NOT s.skipped
LEFT JOIN runs r ON r.run_id = w.run_id`;

/**
 * Packing efficiency: the share of the real token budget a batch fills, averaged over batches (FORMATS §5.3).
 * - efficiency, method 'population': over every batch. The progress line's `pack eff` is the running
 *   unweighted mean of tokens / 4096 over all batches so far, so the last one x 4096 / budget is the
 *   mean over batches 0..that batch (population_batches of them).
 * - sampled_efficiency, method 'sampled_every_10th': Σ tokens / (lines x budget) over the DataLoader
 *   lines, which are logged for every 10th batch only. Kept as a cross-check; sampled_difference =
 *   sampled − population.
 * The budget is the worker's logged 'Token budget'; with none both stay NULL (4096 is never assumed).
 * worker NULL = the run: population batch-weighted over workers, sample token-weighted. file/line point at
 * the last progress line read (per worker; for the run, its first worker's).
 */
export const V_PACKING = `
CREATE OR REPLACE {TEMP} VIEW v_packing AS
WITH keys AS (
  SELECT run_id, worker FROM workers UNION SELECT run_id, worker FROM batches
),
dl AS (
  SELECT run_id, worker, count(*)::INTEGER AS n, sum(tokens)::BIGINT AS tokens
  FROM batches WHERE kind = 'dataloader' AND tokens IS NOT NULL GROUP BY ALL
),
lastp AS (
  SELECT run_id, worker, max(batch) + 1 AS covered,
    arg_max(logged_pack_eff, batch) AS logged, arg_max(file, batch) AS file, arg_max(line, batch) AS line
  FROM batches WHERE kind = 'progress' AND logged_pack_eff IS NOT NULL GROUP BY ALL
),
pw AS (
  SELECT k.run_id, k.worker, w.token_budget, lastp.covered AS population_batches,
    CASE WHEN w.token_budget > 0 THEN bb_sig(lastp.logged * bb_profile('logged_packing_scale')::DOUBLE / w.token_budget, 12) END AS efficiency,
    dl.n AS sampled_batches, dl.tokens AS sampled_tokens,
    CASE WHEN w.token_budget > 0 AND dl.n > 0 THEN bb_sig(dl.tokens::DOUBLE / (dl.n * w.token_budget), 12) END AS sampled_efficiency,
    lastp.logged AS logged_efficiency, lastp.file, lastp.line
  FROM keys k LEFT JOIN workers w USING (run_id, worker) LEFT JOIN dl USING (run_id, worker) LEFT JOIN lastp USING (run_id, worker)
),
pr AS (
  SELECT run_id, NULL::INTEGER AS worker,
    CASE WHEN count(DISTINCT token_budget) = 1 AND count(*) = count(token_budget) THEN min(token_budget) END AS token_budget,
    sum(population_batches)::INTEGER AS population_batches,
    CASE WHEN count(efficiency) = count(*) AND sum(population_batches) > 0
         THEN bb_sig(sum(efficiency * population_batches) / sum(population_batches), 12) END AS efficiency,
    sum(sampled_batches)::INTEGER AS sampled_batches, sum(sampled_tokens)::BIGINT AS sampled_tokens,
    CASE WHEN count(*) = count(token_budget) AND sum(sampled_batches) > 0 AND min(token_budget) > 0
         THEN bb_sig(sum(sampled_tokens)::DOUBLE / sum(sampled_batches * token_budget), 12) END AS sampled_efficiency,
    CASE WHEN count(logged_efficiency) = count(*) AND sum(population_batches) > 0
         THEN bb_sig(sum(logged_efficiency * population_batches) / sum(population_batches), 12) END AS logged_efficiency,
    arg_min(file, worker) AS file, arg_min(line, worker) AS line
  FROM pw GROUP BY run_id
)
SELECT run_id, worker, token_budget, population_batches, efficiency, 'population' AS method,
  sampled_batches, sampled_tokens, sampled_efficiency, 'sampled_every_10th' AS sampled_method,
  bb_sig(sampled_efficiency - efficiency, 12) AS sampled_difference,
  logged_efficiency, file, line
FROM (SELECT * FROM pw UNION ALL BY NAME SELECT * FROM pr)`;

/** GPU samples inside the run's ESM-2 stage window (the only stage the pipeline monitors). */
export const V_GPU_WINDOW_SAMPLES = `
CREATE OR REPLACE {TEMP} VIEW v_gpu_window_samples AS
SELECT g.*, s.started_at AS window_start, s.ended_at AS window_end
FROM gpu_samples g
JOIN stages s ON s.run_id = g.run_id AND s.stage = bb_profile('gpu_window_stage')
WHERE g.sampled_at >= s.started_at AND g.sampled_at <= s.ended_at`;

/**
 * Utilisation per run and device during ESM-2 (fractions of 1), and how much of the window the samples
 * cover: samples x sampling interval / window. The interval is the median gap between a monitor's
 * consecutive samples of the device, counted as at most GPU_SAMPLE_INTERVAL_MAX_SECONDS (samples removed from a file, or
 * a monitor sampling every minute, cannot claim the gaps they leave as measured); a device sampled by
 * several monitors takes its best-covered monitor.
 */
export const V_GPU = `
CREATE OR REPLACE {TEMP} VIEW v_gpu AS
WITH gaps AS (
  SELECT run_id, device, monitor, window_start, window_end,
    bb_seconds(lag(sampled_at) OVER (PARTITION BY run_id, monitor, device ORDER BY sampled_at), sampled_at) AS gap
  FROM v_gpu_window_samples
),
per_monitor AS (
  SELECT run_id, device, monitor, count(*) AS n,
    least(coalesce(median(gap), ${GPU_SAMPLE_INTERVAL_MAX_SECONDS}), ${GPU_SAMPLE_INTERVAL_MAX_SECONDS}) AS sample_interval,
    bb_seconds(min(window_start), max(window_end)) AS window_seconds
  FROM gaps GROUP BY run_id, device, monitor
),
cov AS (
  SELECT run_id, device, bb_sig(max(sample_interval), 12) AS sample_interval_seconds, max(window_seconds) AS window_seconds,
    bb_sig(max(CASE WHEN window_seconds > 0 THEN least(1.0, n * sample_interval / window_seconds) END), 12) AS coverage
  FROM per_monitor GROUP BY run_id, device
)
SELECT run_id, device,
  count(DISTINCT monitor)::INTEGER AS monitor_count,
  count(*)::INTEGER AS samples,
  min(window_start) AS window_start, max(window_end) AS window_end,
  bb_sig(avg(utilization) / 100, 12) AS mean_utilization,
  bb_sig(quantile_cont(utilization, 0.5) / 100, 12) AS median_utilization,
  bb_sig(quantile_cont(utilization, 0.1) / 100, 12) AS p10_utilization,
  bb_sig(avg(CASE WHEN utilization >= 80 THEN 1.0 ELSE 0.0 END), 12) AS share_at_or_above_80,
  bb_sig(avg(power_watts), 12) AS mean_power_watts,
  max(memory_mib) AS peak_memory_mib,
  any_value(cov.sample_interval_seconds) AS sample_interval_seconds,
  any_value(cov.window_seconds) AS window_seconds,
  any_value(cov.coverage) AS coverage
FROM v_gpu_window_samples LEFT JOIN cov USING (run_id, device) GROUP BY run_id, device`;

/**
 * GPU measurement per run (every run listed): all in-window samples pooled over devices, how many
 * devices were measured, and whether several monitors all sampled one device (the nvitop index bug:
 * every worker samples physical GPU 0, the other GPUs go unmeasured).
 */
export const V_GPU_RUN = `
CREATE OR REPLACE {TEMP} VIEW v_gpu_run AS
WITH allx AS (SELECT run_id, count(*)::INTEGER AS samples_total FROM gpu_samples GROUP BY run_id),
mon AS (
  SELECT run_id, count(DISTINCT monitor)::INTEGER AS monitors FROM (
    SELECT run_id, monitor FROM gpu_monitors UNION SELECT run_id, monitor FROM gpu_samples
  ) GROUP BY run_id
),
win AS (
  SELECT run_id, count(*)::INTEGER AS samples, count(DISTINCT device)::INTEGER AS devices, min(device) AS first_device,
    bb_sig(avg(utilization) / 100, 12) AS mean_utilization,
    bb_sig(quantile_cont(utilization, 0.5) / 100, 12) AS median_utilization,
    bb_sig(quantile_cont(utilization, 0.1) / 100, 12) AS p10_utilization,
    bb_sig(avg(CASE WHEN utilization >= 80 THEN 1.0 ELSE 0.0 END), 12) AS share_at_or_above_80
  FROM v_gpu_window_samples GROUP BY run_id
),
esm AS (SELECT run_id, started_at, ended_at FROM stages WHERE stage = bb_profile('gpu_window_stage')),
-- the least-covered measured device (an unmeasured device is counted by unmeasured_gpus)
cov AS (SELECT run_id, min(coverage) AS coverage FROM v_gpu GROUP BY run_id)
SELECT r.run_id, r.ord, r.gpus, r.status,
  coalesce(allx.samples_total, 0) AS samples_total, coalesce(mon.monitors, 0) AS monitors,
  esm.started_at IS NOT NULL AND esm.ended_at IS NOT NULL AS has_window,
  coalesce(win.samples, 0) AS samples, coalesce(win.devices, 0) AS devices, win.first_device,
  win.mean_utilization, win.median_utilization, win.p10_utilization, win.share_at_or_above_80,
  coalesce(r.gpus > 1 AND mon.monitors > 1 AND win.devices = 1, false) AS duplicated,
  CASE WHEN win.devices > 0 AND r.gpus > win.devices THEN r.gpus - win.devices ELSE 0 END AS unmeasured_gpus,
  cov.coverage
FROM runs r
LEFT JOIN allx USING (run_id) LEFT JOIN mon USING (run_id) LEFT JOIN win USING (run_id) LEFT JOIN esm USING (run_id) LEFT JOIN cov USING (run_id)
WHERE r.role = 'run'`;

/**
 * Mild/CRITICAL I/O-bottleneck lines per run. They are a censored supplement (logged only when the
 * 10-s mean is below 80 %); the check runs every 10th batch, so the denominator is the number of checks
 * (last batch index / 10 per worker), not the number of batches.
 */
export const V_IO_WARNINGS = `
CREATE OR REPLACE {TEMP} VIEW v_io_warnings AS
WITH io AS (
  SELECT run_id,
    count(*) FILTER (WHERE lower(severity) = 'mild')::INTEGER AS mild,
    count(*) FILTER (WHERE lower(severity) = 'critical')::INTEGER AS critical,
    bb_sig(min(utilization) / 100, 12) AS min_utilization, bb_sig(max(utilization) / 100, 12) AS max_utilization
  FROM io_warnings GROUP BY run_id
),
chk AS (
  SELECT run_id, sum(floor(last_batch / 10))::INTEGER AS checks
  FROM (SELECT run_id, worker, max(batch) AS last_batch FROM batches GROUP BY ALL) GROUP BY run_id
)
SELECT k.run_id, coalesce(io.mild, 0) AS mild, coalesce(io.critical, 0) AS critical, chk.checks,
  CASE WHEN chk.checks > 0 THEN bb_sig((coalesce(io.mild, 0) + coalesce(io.critical, 0))::DOUBLE / chk.checks, 12) END AS share_of_checks,
  io.min_utilization, io.max_utilization
FROM (SELECT run_id FROM io UNION SELECT run_id FROM chk) k LEFT JOIN io USING (run_id) LEFT JOIN chk USING (run_id)`;

/**
 * Is each run's evidence consistent with itself and with the study? One row per run: the PIPELINE
 * SUMMARY total against its own H:M:S, against the stages' 'completed in' lines and against the log's
 * timestamps; the study's GPU count against the GPUs the log detected and used; the workload (input
 * sequences from the chunking line, input checksum from the run manifest) that scaling pairs must share.
 * v_warnings turns every contradiction into an error finding naming the file and line.
 */
export const V_RUN_CHECKS = `
CREATE OR REPLACE {TEMP} VIEW v_run_checks AS
WITH s AS (
  SELECT run_id,
    count(*) FILTER (WHERE NOT skipped)::INTEGER AS timed_stages,
    count(*) FILTER (WHERE NOT skipped AND completed_seconds IS NULL)::INTEGER AS uncompleted_stages,
    bb_sig(sum(completed_seconds) FILTER (WHERE NOT skipped), 12) AS completed_sum,
    bb_seconds(min(started_at), max(ended_at)) AS stage_span_seconds,
    max(TRY_CAST(json_extract_string(extras, '$.sequences') AS BIGINT)) FILTER (WHERE stage = 'Sequence Chunking') AS chunking_sequences,
    max(TRY_CAST(json_extract_string(extras, '$.sequences') AS BIGINT)) FILTER (WHERE stage = 'Six-Frame Translation') AS translation_sequences
  FROM stages GROUP BY run_id
),
w AS (SELECT run_id, count(*)::INTEGER AS workers, max(world_size) AS world_size FROM workers GROUP BY run_id),
hms AS (
  SELECT run_id, TRY_CAST(split_part(total_hms, ':', 1) AS BIGINT) * 3600 + TRY_CAST(split_part(total_hms, ':', 2) AS BIGINT) * 60
    + TRY_CAST(split_part(total_hms, ':', 3) AS BIGINT) AS hms_seconds
  FROM runs
)
SELECT r.run_id, r.ord, r.gpus, r.status, r.log_file, r.total_line, r.total_seconds, r.total_hms, hms.hms_seconds,
  CASE WHEN s.uncompleted_stages = 0 AND s.timed_stages > 0 THEN s.completed_sum END AS completed_sum,
  (0.1 * coalesce(s.timed_stages, 0))::DOUBLE AS completed_sum_tolerance,
  bb_seconds(r.first_at, r.last_at) AS log_span_seconds,
  s.stage_span_seconds,
  r.detected_gpus,
  coalesce(r.world_size, w.world_size, w.workers) AS used_gpus,
  coalesce(s.chunking_sequences, s.translation_sequences) AS sequences,
  r.input_sha256
FROM runs r LEFT JOIN s USING (run_id) LEFT JOIN w USING (run_id) LEFT JOIN hms USING (run_id)
WHERE r.role = 'run'`;

/**
 * Ingest findings plus the warnings derived from the metrics. affects lists the figures the warning
 * concerns (timing, scaling, baseline, correctness, gpu, packing, throughput, metadata).
 */
export const V_WARNINGS = `
CREATE OR REPLACE {TEMP} VIEW v_warnings AS
SELECT 0 AS src, run_id, code, severity, message, file, line, affects FROM findings
UNION ALL
SELECT 1, t.run_id, 'stage_sum_mismatch', 'warning',
  printf('stage times of %s add up to %.1f s but the summary total is %.1f s (%+.1f s, tolerance ±%.1f s)', t.run_id, t.stage_sum_seconds, t.total_seconds, t.stage_sum_delta, t.stage_sum_tolerance),
  r.log_file, r.summary_line, 'timing,scaling'
FROM v_run_timing t JOIN runs r USING (run_id) WHERE abs(t.stage_sum_delta) > t.stage_sum_tolerance
UNION ALL
SELECT 2, run_id, 'model_mismatch', 'error',
  printf('model mismatch: run %s (%s bp) vs reference %s (%s bp%s)', coalesce(run_model, '?'), coalesce(run_len::VARCHAR, '?'),
    coalesce(reference_model, '?'), coalesce(reference_length::VARCHAR, '?'),
    -- the reference's evidence, relative to the study folder like every finding's file
    CASE WHEN reference_model_file IS NOT NULL
      THEN ', from ' || replace(reference_model_file, (SELECT regexp_replace(study_file, '[^/]+$', '') FROM v_release), '') || coalesce(':' || reference_model_line, '')
      ELSE '' END),
  run_model_file, run_model_line, 'correctness'
FROM v_model_match WHERE model_match = false
UNION ALL
SELECT 3, run_id, 'model_unknown', 'warning',
  printf('model of %s unknown: the comparison with the reference cannot rule out a model mismatch',
    CASE WHEN reference_unknown AND run_unknown THEN 'run and reference' WHEN reference_unknown THEN 'reference' ELSE 'run' END),
  NULL, NULL, 'correctness'
FROM v_model_match WHERE model_match IS NULL AND run_id IN (SELECT run_id FROM v_correctness)
UNION ALL
SELECT 4, run_id, 'gpu_monitor_duplicated', 'warning',
  printf('all %d GPU monitors of %s sampled device %d: the other %d GPU(s) are unmeasured', monitors, run_id, first_device, unmeasured_gpus),
  -- the evidence: the second monitor's first sample
  (SELECT arg_min(monitor, line) FROM gpu_samples s WHERE s.run_id = v_gpu_run.run_id AND s.monitor = (SELECT DISTINCT monitor FROM gpu_samples m WHERE m.run_id = v_gpu_run.run_id ORDER BY monitor LIMIT 1 OFFSET 1)),
  (SELECT min(line) FROM gpu_samples s WHERE s.run_id = v_gpu_run.run_id AND s.monitor = (SELECT DISTINCT monitor FROM gpu_samples m WHERE m.run_id = v_gpu_run.run_id ORDER BY monitor LIMIT 1 OFFSET 1)),
  'gpu'
FROM v_gpu_run WHERE duplicated
  -- ingest already reported the same fault from the monitor files themselves
  AND run_id NOT IN (SELECT run_id FROM findings WHERE code = 'gpu_monitors_same_device' AND run_id IS NOT NULL)
UNION ALL
SELECT 5, run_id, 'gpu_unmeasured', 'warning',
  printf('%s has %d GPUs but samples of only %d device(s) during %s', run_id, gpus, devices, bb_profile('gpu_window_stage')),
  NULL, NULL, 'gpu'
FROM v_gpu_run WHERE NOT duplicated AND unmeasured_gpus > 0
UNION ALL
SELECT 6, run_id, 'packing_logged_differs', 'warning',
  printf('logged packing efficiency of %s is %.1f %% (pipeline divides by %s); against the real budget of %s tokens it is %.1f %%',
    run_id, logged_efficiency * 100, bb_profile('logged_packing_scale'), coalesce(token_budget::VARCHAR, 'per-worker'), efficiency * 100),
  file, line, 'packing'
FROM v_packing WHERE worker IS NULL AND abs(logged_efficiency - efficiency) > ${PACKING_LOGGED_WARN}
UNION ALL
SELECT 7, run_id, 'packing_budget_unknown', 'warning',
  printf('token budget of %s worker %d unknown (no ''Token budget'' line): packing efficiency not computed', run_id, worker),
  file, NULL, 'packing'
FROM v_packing WHERE worker IS NOT NULL AND token_budget IS NULL AND (sampled_batches > 0 OR population_batches > 0)
UNION ALL
SELECT 8, NULL, 'baseline_external', 'info',
  printf('baseline ''%s'' (%.1f s) is an external figure, not measured by this study', baseline_label, baseline_total_seconds),
  study_file, NULL, 'baseline'
FROM v_release WHERE baseline_total_seconds IS NOT NULL
UNION ALL
SELECT 9, run_id, 'consensus_derived', 'info',
  printf('consensus of %s derived from per-frame rows (%s)', CASE WHEN run_derived AND reference_derived THEN 'run and reference'
    WHEN run_derived THEN run_id ELSE 'the reference' END, 'its consensus file has no score columns or is missing'),
  NULL, NULL, 'correctness'
FROM v_correctness WHERE level = 'consensus' AND (run_derived OR reference_derived)
UNION ALL
-- the summary's total must agree with its H:M:S (printed truncated to the second), with the stages'
-- 'completed in' lines (each rounded to 0.1 s) and with the log's clock (second resolution): it cannot
-- exceed the log's span nor fall short of the time from the first stage banner to the last stage end
SELECT 10, run_id, 'summary_contradicts_log', 'error',
  printf('Total wall time %.1f s contradicts the log: %s', total_seconds, concat_ws('; ',
    CASE WHEN total_seconds <= 0 THEN 'a complete run cannot take 0 s' END,
    CASE WHEN abs(total_seconds - hms_seconds) > 1.1 THEN printf('its own H:M:S %s is %d s', total_hms, hms_seconds) END,
    CASE WHEN abs(total_seconds - completed_sum) > completed_sum_tolerance THEN printf('the stages'' ''completed in'' lines add up to %.1f s', completed_sum) END,
    CASE WHEN total_seconds > log_span_seconds + 2 THEN printf('the log''s timestamps span only %.0f s', log_span_seconds) END,
    CASE WHEN total_seconds < stage_span_seconds - 2 THEN printf('the stages ran from first banner to last end for %.0f s by the log''s timestamps', stage_span_seconds) END)),
  log_file, total_line, 'timing,scaling,baseline,throughput'
FROM v_run_checks
WHERE total_seconds IS NOT NULL AND (total_seconds <= 0 OR abs(total_seconds - hms_seconds) > 1.1
  OR abs(total_seconds - completed_sum) > completed_sum_tolerance
  OR total_seconds > log_span_seconds + 2 OR total_seconds < stage_span_seconds - 2)
UNION ALL
SELECT 11, s.run_id, 'summary_contradicts_log', 'error',
  printf('the summary gives %s %.1f s but its ''completed in'' line (line %d) says %.1f s', s.stage, s.summary_seconds, s.completed_line, s.completed_seconds),
  r.log_file, s.summary_line, 'timing,scaling,baseline,throughput'
FROM stages s JOIN runs r USING (run_id)
WHERE NOT s.skipped AND abs(s.summary_seconds - s.completed_seconds) > 0.15
UNION ALL
SELECT 12, run_id, 'gpu_count_mismatch', 'error',
  printf('study says %d GPU(s) but the log %s', gpus, concat_ws(' and ',
    CASE WHEN detected_gpus <> gpus THEN printf('detected %d', detected_gpus) END,
    CASE WHEN used_gpus <> gpus THEN printf('ran %s on %d', bb_profile('primary_gpu_stage'), used_gpus) END)),
  log_file, NULL, 'timing,scaling,gpu'
FROM v_run_checks WHERE detected_gpus <> gpus OR used_gpus <> gpus
UNION ALL
SELECT 13, a.run_id, 'log_shared', 'error',
  printf('the console log of %s is also the log of %s (same %s): one log cannot time two runs', a.run_id,
    string_agg(DISTINCT b.run_id, ', ' ORDER BY b.run_id), CASE WHEN bool_or(a.path = b.path) THEN 'file' ELSE 'content' END),
  a.path, NULL, 'timing,scaling,baseline,throughput'
FROM artifacts a JOIN artifacts b ON b.kind = 'console_log' AND b.run_id <> a.run_id AND (b.path = a.path OR b.sha256 = a.sha256)
WHERE a.kind = 'console_log' AND a.run_id IN (SELECT run_id FROM runs WHERE role = 'run') AND b.run_id IN (SELECT run_id FROM runs WHERE role = 'run')
GROUP BY a.run_id, a.path
UNION ALL
SELECT 14, p.to_run, 'workload_mismatch', 'error',
  printf('%s and %s did not run the same workload: %s', p.from_run, p.to_run, concat_ws('; ',
    CASE WHEN f.sequences <> t.sequences THEN printf('%d vs %d input sequences', f.sequences, t.sequences) END,
    CASE WHEN f.input_sha256 <> t.input_sha256 THEN 'different input checksums' END)),
  t.log_file, NULL, 'scaling'
FROM v_scaling p JOIN v_run_checks f ON f.run_id = p.from_run JOIN v_run_checks t ON t.run_id = p.to_run
WHERE f.sequences <> t.sequences OR f.input_sha256 <> t.input_sha256
UNION ALL
SELECT 15, to_run, 'scaling_impossible', 'error',
  printf('%s -> %s: %s', from_run, to_run, concat_ws('; ',
    CASE WHEN efficiency > 1 THEN printf('speedup %.2fx on %gx the GPUs is %.0f %% efficiency', speedup, n, efficiency * 100) END,
    CASE WHEN speedup > ceiling * 1.01 THEN printf('speedup %.2fx is above its own Amdahl ceiling %.2fx', speedup, ceiling) END)),
  NULL, NULL, 'scaling'
FROM v_scaling WHERE efficiency > 1 OR speedup > ceiling * 1.01
UNION ALL
SELECT 16, run_id, 'negative_overhead', 'error',
  printf('%s stage time %.1f s is shorter than its workers'' inference span %.1f s', bb_profile('primary_gpu_stage'), stage_seconds, inference_span_seconds),
  NULL, NULL, 'throughput'
FROM v_throughput WHERE overhead_seconds < -0.05
UNION ALL
SELECT 17, run_id, 'gpu_coverage_low', 'warning',
  printf('GPU samples of %s device %d cover %.1f %% of the %s window (%d samples x %.2f s over %.1f s; at least ${GPU_COVERAGE_MIN * 100} %% needed)',
    run_id, device, coverage * 100, bb_profile('gpu_window_stage'), samples, sample_interval_seconds, window_seconds),
  NULL, NULL, 'gpu'
FROM v_gpu WHERE coverage < ${GPU_COVERAGE_MIN}`;

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
 * for read the stored tables: the prediction rows themselves are not kept.
 */
export async function installViews(connection: DuckDBConnection, options: {temporary?: boolean} = {}): Promise<void> {
  const temporary = options.temporary ?? true;
  await connection.run(render(MACROS_SQL, temporary));
  for (const v of VIEWS) await connection.run(render(v.sql, temporary));
  if (await hasStoredCorrectness(connection)) {
    for (const [view, table] of Object.entries(STORED_VIEWS)) await connection.run(redirectSql(view, table, temporary));
  }
}

function redirectSql(view: string, table: string, temporary: boolean): string {
  return `CREATE OR REPLACE ${temporary ? "TEMP " : ""}VIEW ${view} AS SELECT * FROM main.${table}`;
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
  for (const [view, table] of Object.entries(STORED_VIEWS)) out[view] = redirectSql(view, table, temporary);
  out.correctness_store = CORRECTNESS_STORE_SQL.map((s) => `${s};`).join("\n\n");
  return out;
}
