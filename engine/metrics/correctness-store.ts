/**
 * The stored comparison (issue 14). Prediction rows are only needed to compare a run with the reference,
 * so ingest keeps them in TEMP tables and stores what reports read: per run and level the counts,
 * agreement and score-difference statistics (correctness_counts), the histogram of per-row max |Δscore|
 * (correctness_histogram), every mismatching row (correctness_mismatches, unranked) and the first
 * MISMATCH_TOP of them per run and level, ranked (correctness_mismatch_top). Each is computed
 * from one inner join of the run's rows with the reference's (both levels at once): the rows only one
 * side has are counted, never listed, so the 2.8M-row FULL OUTER JOIN of v_correctness_rows is not
 * built. The views v_correctness_rows, v_correctness_counts, v_correctness_mismatches and
 * v_correctness_histogram (and v_correctness_mismatch_top over the mismatches) stay the definition (views.ts); test/engine/metrics/correctness-store.test.ts
 * pins that the stored tables equal them, also with missing and extra rows, NULL scores and ties.
 * installViews points the views at the stored tables when they exist.
 */
import type {DuckDBConnection} from "@duckdb/node-api";
import {MISMATCH_TOP} from "./correctness.ts";
import {withoutInsertionOrder} from "../db/duckdb.ts";

export const CORRECTNESS_STORE = {
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

/** v_correctness_mismatches over the stored, unranked rows: ranked when read (the archive's full list). */
export const STORED_MISMATCHES_VIEW = `
CREATE OR REPLACE {TEMP} VIEW v_correctness_mismatches AS
SELECT *, row_number() OVER (PARTITION BY run_id, level ORDER BY label_mismatch DESC, diff DESC NULLS FIRST, id) AS rank
FROM main.${CORRECTNESS_STORE.mismatches}`;

/** Compared rows (ID on both sides), one per run, level and ID. */
const PAIRS_SQL = `
CREATE OR REPLACE TEMP TABLE bb_correctness_pairs AS
SELECT b.source AS run_id, b.level, b.id,
  a.is_virus AS reference_virus, b.is_virus AS run_virus,
  a.score_virus AS reference_score_virus, b.score_virus AS run_score_virus,
  CASE WHEN a.score_others IS NULL OR b.score_others IS NULL OR a.score_virus IS NULL OR b.score_virus IS NULL THEN NULL
    ELSE greatest(abs(a.score_others - b.score_others), abs(a.score_virus - b.score_virus)) END AS max_diff,
  a.is_virus <> b.is_virus AS label_mismatch
FROM v_predictions b
JOIN runs r ON r.run_id = b.source AND r.role = 'run'
JOIN v_predictions a ON a.source = 'reference' AND a.level = b.level AND a.id = b.id`;

/** Per run and level: the columns of v_correctness_counts, from the pairs and each side's row count. */
const COUNTS_SQL = `
CREATE TABLE ${CORRECTNESS_STORE.counts} AS
WITH tol AS (SELECT tolerance FROM v_release),
sides AS (
  SELECT level, source, count(*)::INTEGER AS n, bool_or(derived) AS derived FROM v_predictions GROUP BY ALL
),
run_sides AS (
  SELECT s.level, s.source AS run_id, s.n AS run_rows, s.derived AS run_derived
  FROM sides s JOIN runs r ON r.run_id = s.source AND r.role = 'run'
),
p AS (
  SELECT run_id, level,
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
  FROM bb_correctness_pairs GROUP BY run_id, level
)
SELECT s.run_id, s.level,
  coalesce(ref.n, 0)::INTEGER AS reference_rows,
  s.run_rows,
  coalesce(p.compared, 0)::INTEGER AS compared,
  (coalesce(ref.n, 0) - coalesce(p.compared, 0))::INTEGER AS missing,
  (s.run_rows - coalesce(p.compared, 0))::INTEGER AS extra,
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
  coalesce(s.run_derived, false) AS run_derived,
  coalesce(ref.derived, false) AS reference_derived
FROM run_sides s
LEFT JOIN sides ref ON ref.level = s.level AND ref.source = 'reference'
LEFT JOIN p ON p.run_id = s.run_id AND p.level = s.level`;

const HISTOGRAM_SQL = `
CREATE TABLE ${CORRECTNESS_STORE.histogram} AS
WITH b AS (
  SELECT run_id, level, CASE WHEN max_diff > 0 THEN floor(log10(max_diff))::INTEGER END AS k
  FROM bb_correctness_pairs WHERE max_diff IS NOT NULL
)
SELECT run_id, level, k,
  CASE WHEN k IS NULL THEN 0 ELSE pow(10, k) END AS bin_lo,
  CASE WHEN k IS NULL THEN 0 ELSE pow(10, k + 1) END AS bin_hi,
  count(*)::INTEGER AS rows
FROM b GROUP BY ALL`;

/**
 * Every mismatching row, unranked: ranking 10^5..10^6 rows (a window sort) is what made this the slowest
 * step of ingest, and only the archive's full list needs it, so v_correctness_mismatches ranks them when
 * read. Reports and pages read the top rows (below), ranked once here.
 */
const MISMATCHES_SQL = `
CREATE TABLE ${CORRECTNESS_STORE.mismatches} AS
SELECT c.run_id, c.level, c.id,
  -- outputs with labels of their own (pipeline: csv) show them; virus/others otherwise
  coalesce(rl.label, CASE WHEN c.reference_virus THEN 'virus' ELSE 'others' END) AS reference_label,
  coalesce(ul.label, CASE WHEN c.run_virus THEN 'virus' ELSE 'others' END) AS run_label,
  c.reference_score_virus AS reference_virus, c.run_score_virus AS run_virus, c.max_diff AS diff,
  c.label_mismatch
FROM bb_correctness_pairs c
LEFT JOIN predictions_labels rl ON rl.source = 'reference' AND rl.level = c.level AND rl.id = c.id
LEFT JOIN predictions_labels ul ON ul.source = c.run_id AND ul.level = c.level AND ul.id = c.id
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
  SELECT run_id, level,
    min_by(m, struct_pack(k1 := NOT m.label_mismatch, k2 := m.diff IS NOT NULL, k3 := -m.diff, k4 := m.id), ${MISMATCH_TOP}) AS rows
  FROM (SELECT run_id, level, struct_pack(id, reference_label, run_label, reference_virus, run_virus, diff, label_mismatch) AS m FROM ${CORRECTNESS_STORE.mismatches})
  GROUP BY run_id, level
),
ranked AS (SELECT run_id, level, unnest(rows) AS m, unnest(range(1, len(rows) + 1)) AS rank FROM top)
SELECT run_id, level, m.id, m.reference_label, m.run_label, m.reference_virus, m.run_virus, m.diff, m.label_mismatch, rank
FROM ranked`;

/** The SQL ingest runs, in order (shown on the Correctness page next to the views over its tables). */
export const CORRECTNESS_STORE_SQL = [PAIRS_SQL, COUNTS_SQL, HISTOGRAM_SQL, MISMATCHES_SQL, MISMATCH_TOP_SQL].map((s) => s.trim());

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
