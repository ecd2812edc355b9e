/**
 * Correctness: predictions of every source joined with the reference's on ID, agreement per run and level.
 * The conventions of every metric view (fractions, NULL for missing, bb_sig rounding) are in views.ts.
 */
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
 * A mismatching row's label as pages and reports show it: the output's own label where it has one
 * (pipeline: csv), virus/others from the two-class verdict otherwise. Shared with the stored comparison
 * (correctness-store.ts), which keeps the verdict as a boolean and the label only where there is one.
 */
export const labelText = (label: string, isVirus: string) => `coalesce(${label}, CASE WHEN ${isVirus} THEN 'virus' ELSE 'others' END)`;
/**
 * Mismatching rows (label mismatch, score difference above tolerance, or scores not comparable), label
 * mismatches first, then the largest differences. rank numbers them per run and level.
 */
export const V_CORRECTNESS_MISMATCHES = `
CREATE OR REPLACE {TEMP} VIEW v_correctness_mismatches AS
SELECT run_id, level, id,
  -- outputs with labels of their own (pipeline: csv) show them; virus/others otherwise
  ${labelText("(SELECT p.label FROM predictions_labels p WHERE p.source = 'reference' AND p.level = c.level AND p.id = c.id)", "reference_virus")} AS reference_label,
  ${labelText("(SELECT p.label FROM predictions_labels p WHERE p.source = c.run_id AND p.level = c.level AND p.id = c.id)", "run_virus")} AS run_label,
  reference_score_virus AS reference_virus, run_score_virus AS run_virus, max_diff AS diff,
  label_mismatch,
  row_number() OVER (PARTITION BY run_id, level ORDER BY label_mismatch DESC, max_diff DESC NULLS FIRST, id) AS rank
FROM v_correctness_rows c
WHERE compared AND (label_mismatch OR max_diff IS NULL OR max_diff > (SELECT tolerance FROM v_release))`;
/** Mismatching rows per run and level that reports and pages list (the page shows 500, text 50). */
export const MISMATCH_TOP = 1000;
/**
 * The view holding the first `limit` mismatching rows of each run and level: the stored top rows when
 * they are enough, else the full list (ranked when read).
 */
export function mismatchView(limit: number): "v_correctness_mismatch_top" | "v_correctness_mismatches" {
  return limit <= MISMATCH_TOP ? "v_correctness_mismatch_top" : "v_correctness_mismatches";
}
/** The rows reports and pages list: the first MISMATCH_TOP of each run and level. */
export const V_CORRECTNESS_MISMATCH_TOP = `
CREATE OR REPLACE {TEMP} VIEW v_correctness_mismatch_top AS
SELECT * FROM v_correctness_mismatches WHERE rank <= ${MISMATCH_TOP}`;
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
