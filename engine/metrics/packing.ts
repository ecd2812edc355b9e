/**
 * Packing efficiency: tokens per batch against the token budget.
 * The conventions of every metric view (fractions, NULL for missing, bb_sig rounding) are in views.ts.
 */
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
