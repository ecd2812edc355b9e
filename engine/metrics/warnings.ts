/**
 * Warnings: ingest findings plus what the metric views reveal.
 * The conventions of every metric view (fractions, NULL for missing, bb_sig rounding) are in views.ts.
 */
import {GPU_COVERAGE_MIN} from "./gpu.ts";
/** |logged - true| packing efficiency above which a warning is raised. */
export const PACKING_LOGGED_WARN = 0.05;

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
