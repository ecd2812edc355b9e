/**
 * GPU utilisation within the judged stage's window, per device and per run; I/O-bottleneck lines.
 * The conventions of every metric view (fractions, NULL for missing, bb_sig rounding) are in views.ts.
 */
/** Longest sampling interval a GPU sample may stand for (both monitors sample every ~1 s). */
export const GPU_SAMPLE_INTERVAL_MAX_SECONDS = 2;
/** Share of the judged stage's window every measured device's samples must cover for a GPU figure to be judged. */
export const GPU_COVERAGE_MIN = 0.5;

/** GPU samples inside the run's GPU window: the stage the pipeline's profile names gpu_window_stage (where its monitors run). */
export const V_GPU_WINDOW_SAMPLES = `
CREATE OR REPLACE {TEMP} VIEW v_gpu_window_samples AS
SELECT g.*, s.started_at AS window_start, s.ended_at AS window_end
FROM gpu_samples g
JOIN stages s ON s.run_id = g.run_id AND s.stage = bb_profile('gpu_window_stage')
WHERE g.sampled_at >= s.started_at AND g.sampled_at <= s.ended_at`;
/**
 * Utilisation per run and device during the GPU window stage (fractions of 1), and how much of the window the samples
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
gpu_window AS (SELECT run_id, started_at, ended_at FROM stages WHERE stage = bb_profile('gpu_window_stage')),
-- the least-covered measured device (an unmeasured device is counted by unmeasured_gpus)
cov AS (SELECT run_id, min(coverage) AS coverage FROM v_gpu GROUP BY run_id)
SELECT r.run_id, r.ord, r.gpus, r.status,
  coalesce(allx.samples_total, 0) AS samples_total, coalesce(mon.monitors, 0) AS monitors,
  gpu_window.started_at IS NOT NULL AND gpu_window.ended_at IS NOT NULL AS has_window,
  coalesce(win.samples, 0) AS samples, coalesce(win.devices, 0) AS devices, win.first_device,
  win.mean_utilization, win.median_utilization, win.p10_utilization, win.share_at_or_above_80,
  coalesce(r.gpus > 1 AND mon.monitors > 1 AND win.devices = 1, false) AS duplicated,
  CASE WHEN win.devices > 0 AND r.gpus > win.devices THEN r.gpus - win.devices ELSE 0 END AS unmeasured_gpus,
  cov.coverage
FROM runs r
LEFT JOIN allx USING (run_id) LEFT JOIN mon USING (run_id) LEFT JOIN win USING (run_id) LEFT JOIN gpu_window USING (run_id) LEFT JOIN cov USING (run_id)
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
