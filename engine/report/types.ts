/**
 * The report: every figure benchbook publishes, as read from the SQL views in metrics/views.ts.
 * The text/markdown/JSON outputs and the site's data loaders all render this one object.
 * Ratios are fractions (0.9987, not 99.87). Seconds are seconds. Missing data is null, never 0.
 */

import type {ConfigurationStats, ScalingInterval} from "../ingest/executions.ts";
import type {OptionalFamily} from "../ingest/adapter.ts";

/** timed_out / interrupted / failed also come from `benchbook run`'s manifest, with its reason */
export type Status = "complete" | "incomplete" | "failed" | "timed_out" | "interrupted" | "no_log" | "broken";
export type CriterionStatus = "pass" | "fail" | "no_data" | "invalid" | "inconclusive";

export interface ReportStage {
  name: string;
  order: number | null;
  seconds: number | null;
  share: number | null;
  skipped: boolean;
  is_gpu: boolean;
  started_at: string | null;
  ended_at: string | null;
}

export interface ReportRun {
  id: string;
  label: string | null;
  gpus: number;
  status: Status;
  /** why the status is not complete (the runner's reason when `benchbook run` ran it); null when complete */
  status_reason: string | null;
  outcome: string | null;
  total_seconds: number | null;
  total_hms: string | null;
  stage_sum_seconds: number | null;
  gpu_stage_seconds: number | null;
  cpu_stage_seconds: number | null;
  model: string | null;
  expected_length: number | null;
  model_source: string | null;
  architecture: string | null;
  gpu_names: string | null;
  input: string | null;
  command: string[] | null;
  started_at: string | null;
  ended_at: string | null;
  stages: ReportStage[];
  config: Array<{key: string; value: string}>;
  artifacts: Array<{kind: string; path: string; bytes: number | null; sha256: string | null; rows: number | null}>;
  /** summary total minus the stage sum's cross-check: stage sum minus total (null when a stage is untimed) */
  stage_sum_delta: number | null;
  /** warnings about this run; a figure in an area listed in `affects` is marked with the ref (W1, …) */
  flags: ReportFlag[];
}

/** A warning attached to a run: outputs print `ref` next to every figure of an affected area. */
export interface ReportFlag {
  ref: string;
  code: string;
  severity: "error" | "warning" | "info";
  affects: string[];
}

export interface ReportScalingStage {
  name: string;
  from_seconds: number | null;
  to_seconds: number | null;
  /** to minus from: positive = slower on more GPUs */
  delta_seconds: number | null;
  speedup: number | null;
  efficiency: number | null;
}

export interface ReportScaling {
  from: string;
  to: string;
  gpus: number;
  from_gpus: number;
  /** GPU ratio gpus / from_gpus: the N of efficiency, Amdahl and Karp-Flatt */
  n: number;
  from_seconds: number | null;
  to_seconds: number | null;
  speedup: number | null;
  efficiency: number | null;
  stages: ReportScalingStage[];
  amdahl: {
    /** GPU-stage share of the 1-GPU (from) run */
    gpu_fraction: number | null;
    /** ideal: every GPU stage scales with N */
    ceiling: number | null;
    /** only the pipeline's primary GPU stage scales with N (stage_roles.primary_gpu) */
    primary_only_fraction: number | null;
    primary_only_ceiling: number | null;
    /** the same two figures under the names they had first; kept for readers of the JSON */
    esm_only_fraction: number | null;
    esm_only_ceiling: number | null;
    karp_flatt: number | null;
  };
  what_if: Array<{label: string; total_seconds: number; speedup: number; formula: string}>;
}

export interface ReportBaseline {
  label: string;
  total_seconds: number;
  external: true;
  /** speedup of the run with the most GPUs (the headline) */
  speedup: number | null;
  run: string | null;
  runs: Array<{run: string; gpus: number; total_seconds: number | null; speedup: number | null}>;
}

export interface ReportCorrectness {
  run: string;
  level: "per_frame" | "consensus";
  reference: string;
  compared: number;
  missing: number;
  extra: number;
  label_mismatches: number;
  label_agreement: number | null;
  /** rows whose every score difference is <= tolerance; null when scores were not compared */
  within_tolerance: number | null;
  within_tolerance_share: number | null;
  reference_rows: number;
  run_rows: number;
  /** rows with same label and every score within tolerance, over compared (the upstream script's 'matching') */
  joint_agreement: number | null;
  tolerance: number;
  score_diff: {mean: number | null; median: number | null; p99: number | null; max: number | null};
  /** rows=reference label, cols=run label */
  confusion: {virus_virus: number; virus_others: number; others_virus: number; others_others: number};
  model_match: boolean | null;
  run_model: string | null;
  reference_model: string | null;
  run_expected_length: number | null;
  reference_expected_length: number | null;
  /** consensus derived from per-frame rows for this side because its consensus file has no scores */
  derived_consensus: {run: boolean; reference: boolean};
  /** scores compared at this level (false when one side has none) */
  scores_compared: boolean;
  mismatches_total: number;
  /** first rows by descending score difference (label mismatches first); the full list is in the DB */
  mismatches: Array<{id: string; reference_label: string; run_label: string; reference_virus: number | null; run_virus: number | null; diff: number | null}>;
  /** histogram of per-row max |Δscore| (log10 bins) for charts */
  diff_histogram: Array<{bin_lo: number; bin_hi: number; rows: number}>;
}

export interface ReportWorker {
  run: string;
  worker: number;
  device_name: string | null;
  sequences: number | null;
  seq_per_sec: number | null;
  tokens_per_sec: number | null;
  started_at: string | null;
  inference_started_at: string | null;
  completed_at: string | null;
  inference_seconds: number | null;
  batches: number | null;
  tokens: number | null;
}

export interface ReportThroughput {
  run: string;
  workers: ReportWorker[];
  combined_seq_per_sec: number | null;
  combined_tokens_per_sec: number | null;
  /** spread of worker completion times, seconds */
  finish_skew_seconds: number | null;
  stage_seconds: number | null;
  inference_span_seconds: number | null;
  /** stage time minus the inference span (index, spawn, model load, aggregation, conversion) */
  overhead_seconds: number | null;
  hdf5_conversion_seconds: number | null;
}

export interface ReportPacking {
  run: string;
  /** null = the whole run (population batch-weighted, sample token-weighted over workers) */
  worker: number | null;
  token_budget: number | null;
  /** the reported figure: mean over every batch (last progress line's running `pack eff` x 4096 / budget) */
  efficiency: number | null;
  /** 'population': all batches 0..population_batches-1 */
  method: string;
  population_batches: number | null;
  /** cross-check over the DataLoader lines (one batch in ten): tokens / (sampled_batches x budget) */
  sampled_efficiency: number | null;
  /** 'sampled_every_10th' */
  sampled_method: string;
  sampled_batches: number | null;
  sampled_tokens: number | null;
  /** sampled_efficiency minus efficiency */
  sampled_difference: number | null;
  /** the pipeline's running `pack eff` on its 4096 scale, as logged (3.581 = '358.1%') */
  logged_efficiency: number | null;
  /** the last progress line read (the run's: its first worker's) */
  file: string | null;
  line: number | null;
}

export interface ReportGpu {
  run: string;
  device: number;
  monitor_count: number;
  samples: number;
  window_start: string | null;
  window_end: string | null;
  mean_utilization: number | null;
  median_utilization: number | null;
  p10_utilization: number | null;
  share_at_or_above_80: number | null;
  mean_power_watts: number | null;
  peak_memory_mib: number | null;
  /** all monitors of a multi-GPU run sampled this same device */
  duplicated: boolean;
  /** median gap between a monitor's consecutive samples of the device, at most 2 s */
  sample_interval_seconds: number | null;
  window_seconds: number | null;
  /** samples x sample interval / GPU window stage, at most 1 (the best-covering monitor of the device) */
  coverage: number | null;
}

/** GPU measurement of a run during its GPU window stage, all devices pooled (what the gpu_utilization criterion reads). */
export interface ReportGpuRun {
  run: string;
  gpus: number | null;
  samples_total: number;
  samples: number;
  monitors: number;
  devices: number;
  has_window: boolean;
  mean_utilization: number | null;
  median_utilization: number | null;
  p10_utilization: number | null;
  share_at_or_above_80: number | null;
  duplicated: boolean;
  unmeasured_gpus: number;
  /** coverage of the least-covered measured device (see ReportGpu.coverage); null without samples */
  coverage: number | null;
}

export interface ReportIoWarnings {
  run: string;
  mild: number;
  critical: number;
  /** bottleneck checks run every 10 batches: the right denominator */
  checks: number | null;
  share_of_checks: number | null;
  min_utilization: number | null;
  max_utilization: number | null;
}

export interface ReportCriterion {
  id: string;
  label: string;
  metric: string;
  comparison: string;
  target: number;
  status: CriterionStatus;
  value: number | null;
  /** the run `value` belongs to (for a criterion over several runs: the run with the worst value) */
  value_run: string | null;
  /** e.g. '2025.0 s', '1.58x', '99.87 %' */
  display_value: string | null;
  display_target: string;
  reason: string | null;
  /** how the value was computed, with its inputs */
  formula: string | null;
  /** per-run values for criteria evaluated on every run */
  per_run?: Array<{run: string; value: number | null; display_value?: string | null; status: CriterionStatus; reason: string | null}>;
  interval?: {lo: number; hi: number} | null;
  /** refs of warnings (W1, …) that affect the figures this criterion reads */
  flags: string[];
}

export interface ReportWarning {
  /** W1, W2, … in report order; figures affected by the warning carry this ref */
  ref: string;
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  run: string | null;
  file: string | null;
  line: number | null;
  affects: string[];
}

/** Repeated executions by `benchbook run --repeat N` (null when the study's runs were executed at most once). */
export interface ReportRepeats {
  /** status of every execution, in repeat order: 'succeeded', 'failed', 'timed_out', 'interrupted' */
  configurations: Array<ConfigurationStats & {statuses: string[]}>;
  /** ratio of the median totals, with its seeded bootstrap interval */
  scaling: ScalingInterval[];
}

export interface Report {
  benchbook_version: string;
  release: string;
  title: string;
  pipeline: string;
  /** the stages the pipeline's profile names: the parallelised GPU stage, the GPU-judged window, a second GPU stage */
  stage_roles: {primary_gpu: string | null; gpu_window: string | null; secondary_gpu: string | null};
  /** what report text calls those stages (the profile's short names, else the stage names) */
  stage_labels: {primary_gpu: string | null; gpu_window: string | null; secondary_gpu: string | null};
  /**
   * The two classes of the pipeline's predictions: confusion.virus_virus counts positive/positive, and so on
   * (the keys keep their first names). null: labels are compared for equality (confusion.virus_virus counts
   * rows with the reference's label, virus_others rows with another) or the pipeline has no predictions.
   */
  classes: {positive: string; negative: string} | null;
  /** the optional figure families the pipeline can fill; outputs leave out the sections of the others */
  families: OptionalFamily[];
  /** where a run's total time comes from, in the pipeline's words (the run.total_seconds formula) */
  total_source: string;
  /** what the pipeline divides its logged packing figure by (packing.logged_efficiency is on this scale) */
  logged_packing_scale: number | null;
  study_file: string;
  reference: {label: string; model: string | null; expected_length: number | null; model_source: string | null} | null;
  tolerance: number;
  runs: ReportRun[];
  /** the run a "headline" figure means (v_headline: most GPUs, earliest in the study on a tie) */
  headline_run: string | null;
  scaling: ReportScaling[];
  baseline: ReportBaseline | null;
  correctness: ReportCorrectness[];
  throughput: ReportThroughput[];
  packing: ReportPacking[];
  gpu: ReportGpu[];
  gpu_runs: ReportGpuRun[];
  io_warnings: ReportIoWarnings[];
  repeats: ReportRepeats | null;
  criteria: ReportCriterion[];
  summary: {met: number; total: number; overall: "pass" | "fail" | "incomplete"};
  warnings: ReportWarning[];
  /** SQL behind each table, keyed by view name, for the pages' 'show SQL' */
  sql: Record<string, string>;
}
