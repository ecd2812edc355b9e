/**
 * Timing: each run's total, its stages, and the cross-checks of the total.
 * The conventions of every metric view (fractions, NULL for missing, bb_sig rounding) are in views.ts.
 */
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
/** Stage seconds and share of the run's summary total. */
export const V_STAGE_TIMING = `
CREATE OR REPLACE {TEMP} VIEW v_stage_timing AS
SELECT s.run_id, s.stage, s.ord, s.seconds, s.skipped, s.is_gpu, s.started_at, s.ended_at,
  CASE WHEN t.total_seconds > 0 AND s.seconds IS NOT NULL THEN bb_sig(s.seconds / t.total_seconds, 12) END AS share
FROM stages s JOIN v_run_timing t USING (run_id)`;
/**
 * Is each run's evidence consistent with itself and with the study? One row per run: the PIPELINE
 * SUMMARY total against its own H:M:S, against the stages' 'completed in' lines and against the log's
 * timestamps; the study's GPU count against the GPUs the log detected and used; the workload (input
 * sequences: the 'sequences' extra of the first stage the profile's input_count_stages names that has one;
 * input checksum from the run manifest) that scaling pairs must share.
 * v_warnings turns every contradiction into an error finding naming the file and line.
 */
export const V_RUN_CHECKS = `
CREATE OR REPLACE {TEMP} VIEW v_run_checks AS
WITH s AS (
  SELECT run_id,
    count(*) FILTER (WHERE NOT skipped)::INTEGER AS timed_stages,
    count(*) FILTER (WHERE NOT skipped AND completed_seconds IS NULL)::INTEGER AS uncompleted_stages,
    bb_sig(sum(completed_seconds) FILTER (WHERE NOT skipped), 12) AS completed_sum,
    bb_seconds(min(started_at), max(ended_at)) AS stage_span_seconds
  FROM stages GROUP BY run_id
),
count_stages AS (
  SELECT unnest(l) AS stage, generate_subscripts(l, 1) AS pos
  FROM (SELECT from_json(coalesce(bb_profile('input_count_stages'), '[]'), '["VARCHAR"]') AS l)
),
input AS (
  SELECT st.run_id, arg_min(TRY_CAST(json_extract_string(st.extras, '$.sequences') AS BIGINT), c.pos) AS sequences
  FROM stages st JOIN count_stages c USING (stage)
  WHERE TRY_CAST(json_extract_string(st.extras, '$.sequences') AS BIGINT) IS NOT NULL
  GROUP BY st.run_id
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
  input.sequences,
  r.input_sha256
FROM runs r LEFT JOIN s USING (run_id) LEFT JOIN w USING (run_id) LEFT JOIN hms USING (run_id) LEFT JOIN input USING (run_id)
WHERE r.role = 'run'`;
