/**
 * Throughput of the parallelised GPU stage's workers: rates, finish skew, overhead.
 * The conventions of every metric view (fractions, NULL for missing, bb_sig rounding) are in views.ts.
 */
/** Workers of the parallelised GPU stage: sequences, rates and spans, with the last logged batch index. */
export const V_THROUGHPUT_WORKERS = `
CREATE OR REPLACE {TEMP} VIEW v_throughput_workers AS
WITH b AS (SELECT run_id, worker, max(batch) AS last_batch FROM batches GROUP BY ALL)
SELECT w.run_id, w.worker, w.device_name, w.sequences, w.seq_per_sec, w.tokens_per_sec, w.assigned_tokens,
  w.started_at, w.inference_started_at, w.inference_completed_at, w.completed_at,
  bb_sig(bb_seconds(w.inference_started_at, w.inference_completed_at), 12) AS inference_seconds,
  -- batch indices start at 0 and are logged every 10th batch: a lower bound within 10 of the count
  b.last_batch + 1 AS batches
FROM workers w LEFT JOIN b USING (run_id, worker)`;
/** Combined throughput of the parallelised GPU stage, finish skew and stage overhead per run. */
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
