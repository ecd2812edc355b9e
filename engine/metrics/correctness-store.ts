/**
 * The stored comparison (issue 14). Prediction rows are only needed to compare a run with the reference,
 * so ingest keeps them in TEMP tables and stores what reports read: the comparisons (one per run and
 * level, numbered, with each side's row count: correctness_comparisons), per comparison the counts,
 * agreement and score-difference statistics (correctness_counts), the histogram of per-row max |Δscore|
 * (correctness_histogram), every mismatching row (correctness_mismatches, unranked, keyed by its
 * comparison's number) and the first MISMATCH_TOP of them per comparison, ranked
 * (correctness_mismatch_top). Each is computed from one inner join of the runs' rows with the
 * reference's (both levels at once): the rows only one side has are counted, never listed, so the
 * 2.8M-row FULL OUTER JOIN of v_correctness_rows is not built. The views v_correctness_rows,
 * v_correctness_counts, v_correctness_mismatches and v_correctness_histogram (and
 * v_correctness_mismatch_top over the mismatches) stay the definition (views.ts);
 * test/engine/metrics/correctness-store.test.ts pins that the stored tables equal them, also with missing
 * and extra rows, NULL scores and ties. installViews points the views at the stored tables when they exist.
 */
import type {DuckDBConnection} from "@duckdb/node-api";
import {labelText, MISMATCH_TOP} from "./correctness.ts";
import {withoutInsertionOrder} from "../db/duckdb.ts";

export const CORRECTNESS_STORE = {
  comparisons: "correctness_comparisons",
  counts: "correctness_counts",
  histogram: "correctness_histogram",
  mismatches: "correctness_mismatches",
  mismatchTop: "correctness_mismatch_top"
} as const;

/** The view each stored table stands for. */
export const STORED_VIEWS: Record<string, string> = {
  v_correctness_counts: CORRECTNESS_STORE.counts,
  v_correctness_histogram: CORRECTNESS_STORE.histogram,
  v_correctness_mismatch_top: CORRECTNESS_STORE.mismatchTop
};

/**
 * v_correctness_mismatches over the stored rows: their comparison's run and level joined back, the
 * labels spelled out, ranked when read (the archive's full list).
 */
export const STORED_MISMATCHES_VIEW = `
CREATE OR REPLACE {TEMP} VIEW v_correctness_mismatches AS
SELECT g.run_id, g.level, m.id,
  ${labelText("m.reference_label", "m.reference_is_virus")} AS reference_label,
  ${labelText("m.run_label", "m.run_is_virus")} AS run_label,
  m.reference_score_virus AS reference_virus, m.run_score_virus AS run_virus, m.diff, m.label_mismatch,
  row_number() OVER (PARTITION BY m.comparison ORDER BY m.label_mismatch DESC, m.diff DESC NULLS FIRST, m.id) AS rank
FROM main.${CORRECTNESS_STORE.mismatches} m JOIN main.${CORRECTNESS_STORE.comparisons} g USING (comparison)`;

/**
 * One row per run and level that has predictions (a comparison), numbered, with each side's row count.
 * The million-row steps below carry this number instead of the run's name and the level: grouping and
 * storing a small integer costs a fraction of two strings per row.
 */
const COMPARISONS_SQL = `
CREATE TABLE ${CORRECTNESS_STORE.comparisons} AS
WITH sides AS (
  SELECT level, source, count(*)::INTEGER AS n, bool_or(derived) AS derived FROM v_predictions GROUP BY ALL
)
SELECT row_number() OVER (ORDER BY r.ord, s.level)::INTEGER AS comparison, r.run_id, s.level,
  coalesce(ref.n, 0)::INTEGER AS reference_rows, s.n AS run_rows,
  coalesce(s.derived, false) AS run_derived, coalesce(ref.derived, false) AS reference_derived
FROM sides s
JOIN runs r ON r.run_id = s.source AND r.role = 'run'
LEFT JOIN sides ref ON ref.level = s.level AND ref.source = 'reference'`;

/** Compared rows (ID on both sides), one per comparison and ID. */
const PAIRS_SQL = `
CREATE OR REPLACE TEMP TABLE bb_correctness_pairs AS
SELECT g.comparison, b.id,
  a.is_virus AS reference_virus, b.is_virus AS run_virus,
  a.score_virus AS reference_score_virus, b.score_virus AS run_score_virus,
  CASE WHEN a.score_others IS NULL OR b.score_others IS NULL OR a.score_virus IS NULL OR b.score_virus IS NULL THEN NULL
    ELSE greatest(abs(a.score_others - b.score_others), abs(a.score_virus - b.score_virus)) END AS max_diff,
  a.is_virus <> b.is_virus AS label_mismatch
FROM v_predictions b
JOIN ${CORRECTNESS_STORE.comparisons} g ON g.run_id = b.source AND g.level = b.level
JOIN v_predictions a ON a.source = 'reference' AND a.level = b.level AND a.id = b.id`;

/** Per run and level: the columns of v_correctness_counts, from the pairs and each side's row count. */
const COUNTS_SQL = `
CREATE TABLE ${CORRECTNESS_STORE.counts} AS
WITH tol AS (SELECT tolerance FROM v_release),
p AS (
  SELECT comparison,
    count(*)::INTEGER AS compared,
    count(*) FILTER (WHERE label_mismatch)::INTEGER AS label_mismatches,
    count(*) FILTER (WHERE max_diff IS NOT NULL)::INTEGER AS scored,
    count(*) FILTER (WHERE max_diff <= (SELECT tolerance FROM tol))::INTEGER AS within_tolerance,
    count(*) FILTER (WHERE NOT label_mismatch AND max_diff <= (SELECT tolerance FROM tol))::INTEGER AS joint_matches,
    count(*) FILTER (WHERE label_mismatch OR max_diff IS NULL OR max_diff > (SELECT tolerance FROM tol))::INTEGER AS mismatches_total,
    bb_sig(avg(max_diff), 12) AS diff_mean,
    -- both quantiles from one sort
    quantile_cont(max_diff, [0.5, 0.99]) AS q,
    max(max_diff) AS diff_max,
    count(*) FILTER (WHERE reference_virus AND run_virus)::INTEGER AS virus_virus,
    count(*) FILTER (WHERE reference_virus AND NOT run_virus)::INTEGER AS virus_others,
    count(*) FILTER (WHERE NOT reference_virus AND run_virus)::INTEGER AS others_virus,
    count(*) FILTER (WHERE NOT reference_virus AND NOT run_virus)::INTEGER AS others_others
  FROM bb_correctness_pairs GROUP BY comparison
)
SELECT g.run_id, g.level,
  g.reference_rows,
  g.run_rows,
  coalesce(p.compared, 0)::INTEGER AS compared,
  (g.reference_rows - coalesce(p.compared, 0))::INTEGER AS missing,
  (g.run_rows - coalesce(p.compared, 0))::INTEGER AS extra,
  coalesce(p.label_mismatches, 0)::INTEGER AS label_mismatches,
  coalesce(p.scored, 0)::INTEGER AS scored,
  coalesce(p.within_tolerance, 0)::INTEGER AS within_tolerance,
  coalesce(p.joint_matches, 0)::INTEGER AS joint_matches,
  coalesce(p.mismatches_total, 0)::INTEGER AS mismatches_total,
  p.diff_mean, bb_sig(p.q[1], 12) AS diff_median, bb_sig(p.q[2], 12) AS diff_p99, p.diff_max,
  coalesce(p.virus_virus, 0)::INTEGER AS virus_virus,
  coalesce(p.virus_others, 0)::INTEGER AS virus_others,
  coalesce(p.others_virus, 0)::INTEGER AS others_virus,
  coalesce(p.others_others, 0)::INTEGER AS others_others,
  g.run_derived,
  g.reference_derived
FROM ${CORRECTNESS_STORE.comparisons} g
LEFT JOIN p USING (comparison)`;

const HISTOGRAM_SQL = `
CREATE TABLE ${CORRECTNESS_STORE.histogram} AS
WITH b AS (
  SELECT comparison, CASE WHEN max_diff > 0 THEN floor(log10(max_diff))::INTEGER END AS k, count(*)::INTEGER AS rows
  FROM bb_correctness_pairs WHERE max_diff IS NOT NULL GROUP BY ALL
)
SELECT g.run_id, g.level, b.k,
  CASE WHEN b.k IS NULL THEN 0 ELSE pow(10, b.k) END AS bin_lo,
  CASE WHEN b.k IS NULL THEN 0 ELSE pow(10, b.k + 1) END AS bin_hi,
  b.rows
FROM b JOIN ${CORRECTNESS_STORE.comparisons} g USING (comparison)`;

/**
 * Every mismatching row, unranked: ranking 10^5..10^6 rows (a window sort) is what made this the slowest
 * step of ingest, and only the archive's full list needs it, so v_correctness_mismatches ranks them when
 * read. Reports and pages read the top rows (below), ranked once here. Labels are stored as booleans
 * (virus or not); only outputs with labels of their own (pipeline: csv) store their label text.
 */
const MISMATCHES_SQL = `
CREATE TABLE ${CORRECTNESS_STORE.mismatches} AS
SELECT c.comparison, c.id,
  c.reference_virus AS reference_is_virus, c.run_virus AS run_is_virus,
  c.reference_score_virus, c.run_score_virus, c.max_diff AS diff, c.label_mismatch,
  rl.label AS reference_label, ul.label AS run_label
FROM bb_correctness_pairs c
JOIN ${CORRECTNESS_STORE.comparisons} g USING (comparison)
LEFT JOIN predictions_labels rl ON rl.source = 'reference' AND rl.level = g.level AND rl.id = c.id
LEFT JOIN predictions_labels ul ON ul.source = g.run_id AND ul.level = g.level AND ul.id = c.id
WHERE c.label_mismatch OR c.max_diff IS NULL OR c.max_diff > (SELECT tolerance FROM v_release)`;

/**
 * The first MISMATCH_TOP rows of every run and level in v_correctness_mismatches' order (label
 * mismatches first, then the largest difference, scores missing counted largest, then ID), ranked:
 * min_by keeps the smallest keys in a bounded heap per group instead of sorting every row, and returns
 * them in key order, so rank is the position in its list.
 */
const MISMATCH_TOP_SQL = `
CREATE TABLE ${CORRECTNESS_STORE.mismatchTop} AS
WITH top AS (
  SELECT comparison,
    min_by(m, struct_pack(k1 := NOT m.label_mismatch, k2 := m.diff IS NOT NULL, k3 := -m.diff, k4 := m.id), ${MISMATCH_TOP}) AS rows
  FROM (SELECT comparison, struct_pack(id, reference_label, run_label, reference_is_virus, run_is_virus, reference_score_virus, run_score_virus, diff, label_mismatch) AS m FROM ${CORRECTNESS_STORE.mismatches})
  GROUP BY comparison
),
ranked AS (SELECT comparison, unnest(rows) AS m, unnest(range(1, len(rows) + 1)) AS rank FROM top)
SELECT g.run_id, g.level, m.id,
  ${labelText("m.reference_label", "m.reference_is_virus")} AS reference_label,
  ${labelText("m.run_label", "m.run_is_virus")} AS run_label,
  m.reference_score_virus AS reference_virus, m.run_score_virus AS run_virus, m.diff, m.label_mismatch, rank
FROM ranked JOIN ${CORRECTNESS_STORE.comparisons} g USING (comparison)`;

/** The SQL ingest runs, in order (shown on the Correctness page next to the views over its tables). */
export const CORRECTNESS_STORE_SQL = [COMPARISONS_SQL, PAIRS_SQL, COUNTS_SQL, HISTOGRAM_SQL, MISMATCHES_SQL, MISMATCH_TOP_SQL].map((s) => s.trim());

/**
 * Compute and store the comparison from the prediction tables (TEMP during ingest), replacing stored
 * tables of an earlier computation. v_release and v_predictions must be installed first (installViews,
 * or ingest's pass over the views, storeAllViewResults, which calls this when it reaches them).
 */
export async function storeCorrectness(connection: DuckDBConnection): Promise<void> {
  // the store reads v_predictions, runs and v_release only, never the views that point at the store
  for (const table of Object.values(CORRECTNESS_STORE)) await connection.run(`DROP TABLE IF EXISTS main.${table}`);
  // no statement here depends on row order (rank comes from min_by's key order)
  await withoutInsertionOrder(connection, async () => {
    for (const sql of CORRECTNESS_STORE_SQL) await connection.run(sql);
  });
  await connection.run("DROP TABLE bb_correctness_pairs");
}
