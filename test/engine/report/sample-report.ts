/**
 * A Report as buildReport would produce it for the Phase 10 study (1gpu vs 2gpu on RTX 4090s, v1.0
 * reference and baseline), built in code so the formatters can be tested without DuckDB. Figures follow
 * from the generator's stage times: 3200.62 s and 2024.96 s of stages, totals 3200.6 s and 2025.0 s.
 */
import type {Report, ReportCorrectness, ReportRun, ReportStage} from "../../../engine/report/types.ts";

const STAGES: Array<[string, boolean]> = [
  ["Sequence Chunking", false],
  ["Six-Frame Translation", false],
  ["Nucleotide File Splitting", false],
  ["Protein File Splitting", false],
  ["DNABERT-S Feature Extraction", true],
  ["ESM-2 Feature Extraction", true],
  ["Feature Merging", false],
  ["Model Prediction", false],
  ["Consensus Scoring", false]
];
const ONE = [7.12, 8.38, 3.31, 3.09, 501.87, 2591.13, 34.71, 37.42, 13.59];
const TWO = [7.31, 8.47, 4.28, 4.02, 523.47, 1383.18, 41.54, 39.08, 13.61];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function stages(seconds: number[], start: string): ReportStage[] {
  const total = sum(seconds);
  let at = Date.parse(start);
  return STAGES.map(([name, is_gpu], i) => {
    const started_at = new Date(at).toISOString();
    at += seconds[i]! * 1000;
    return {name, order: i + 1, seconds: seconds[i]!, share: seconds[i]! / total, skipped: false, is_gpu, started_at, ended_at: new Date(at).toISOString()};
  });
}

function run(id: string, gpus: number, model: 300 | 500, total: number, seconds: number[], start: string): ReportRun {
  const stageSum = sum(seconds);
  return {
    id,
    label: `${gpus}x RTX 4090`,
    gpus,
    status: "complete",
    status_reason: null,
    outcome: "success",
    total_seconds: total,
    total_hms: null,
    stage_sum_seconds: stageSum,
    gpu_stage_seconds: seconds[4]! + seconds[5]!,
    cpu_stage_seconds: stageSum - seconds[4]! - seconds[5]!,
    model: `virnucpro_${model}_model.pth`,
    expected_length: model,
    model_source: "published",
    architecture: "hybrid",
    gpu_names: Array.from({length: gpus}, () => "NVIDIA GeForce RTX 4090").join(", "),
    input: "USA-MA-Broad_MGH-22989-2024.subset_1M.fasta",
    command: ["python", "-m", "virnucpro", "predict", "input.fasta", "--model-type", String(model), "-o", `/tmp/virnucpro_bench_${id}`],
    started_at: start,
    ended_at: new Date(Date.parse(start) + total * 1000).toISOString(),
    stages: stages(seconds, start),
    config: [{key: "batch_size", value: "256"}, {key: "esm_token_budget", value: "16384"}],
    artifacts: [{kind: "console_log", path: `runs/${id}/console.log`, bytes: 1_843_221, sha256: null, rows: null}],
    stage_sum_delta: Math.round((stageSum - total) * 100) / 100,
    flags: []
  };
}

function correctness(runId: string, level: "per_frame" | "consensus", rows: number, labelMismatches: number, model: 300 | 500): ReportCorrectness {
  const within = rows - Math.round(labelMismatches * 1.2);
  return {
    run: runId,
    level,
    reference: "v1.0",
    compared: rows,
    missing: 0,
    extra: 0,
    label_mismatches: labelMismatches,
    label_agreement: (rows - labelMismatches) / rows,
    within_tolerance: within,
    within_tolerance_share: within / rows,
    reference_rows: rows,
    run_rows: rows,
    joint_agreement: (within - labelMismatches * 0.1) / rows,
    tolerance: 0.01,
    score_diff: {mean: 1.357e-5, median: 2.1e-6, p99: 0.00412, max: 0.4817},
    confusion: {virus_virus: 412_000, virus_others: Math.floor(labelMismatches / 2), others_virus: Math.ceil(labelMismatches / 2), others_others: rows - 412_000 - labelMismatches},
    model_match: model === 300,
    run_model: `virnucpro_${model}_model.pth`,
    reference_model: "virnucpro_300_model.pth",
    run_expected_length: model,
    reference_expected_length: 300,
    derived_consensus: {run: false, reference: level === "consensus"},
    scores_compared: true,
    mismatches_total: labelMismatches,
    mismatches: [
      {id: "A00123:45:HLWLWDRX5:1:1101:10004:1000_chunk_2", reference_label: "virus", run_label: "others", reference_virus: 0.5123, run_virus: 0.4871, diff: 0.0252},
      {id: "A00123:45:HLWLWDRX5:1:1102:22010:3130_chunk_1", reference_label: "others", run_label: "virus", reference_virus: 0.4991, run_virus: 0.5009, diff: 0.0018}
    ],
    diff_histogram: [{bin_lo: -7, bin_hi: -6, rows: 1000}]
  };
}

export const MERGED = 601_257;
export const PER_FRAME = 794_577;

export function sampleReport(): Report {
  const one = run("1gpu", 1, 500, 3200.6, ONE, "2026-02-08T23:33:07.000Z");
  const two = run("2gpu", 2, 300, 2025.0, TWO, "2026-02-09T16:19:52.000Z");
  one.flags = [{ref: "W1", code: "truncated_line", severity: "info", affects: ["gpu"]}, {ref: "W5", code: "low_batch_packing", severity: "info", affects: ["packing"]}];
  two.flags = [
    {ref: "W2", code: "worker_resumed", severity: "warning", affects: ["throughput", "timing"]},
    {ref: "W3", code: "summary_incomplete", severity: "error", affects: ["timing", "scaling"]},
    {ref: "W4", code: "gpu_monitor_duplicated", severity: "warning", affects: ["gpu"]}
  ];
  const speedup = 3200.6 / 2025.0;
  const gpuFraction = (ONE[4]! + ONE[5]!) / sum(ONE);
  const esmFraction = ONE[5]! / sum(ONE);
  const amdahl = (f: number) => 1 / (1 - f + f / 2);
  return {
    benchbook_version: "0.1.0",
    release: "v2.0",
    title: "VirNucPro v2.0 performance validation (1M subset)",
    pipeline: "virnucpro",
    stage_roles: {primary_gpu: "ESM-2 Feature Extraction", gpu_window: "ESM-2 Feature Extraction", secondary_gpu: "DNABERT-S Feature Extraction"},
    stage_labels: {primary_gpu: "ESM-2", gpu_window: "ESM-2", secondary_gpu: "DNABERT-S"},
    classes: {positive: "virus", negative: "others"},
    families: ["throughput", "packing", "gpu", "io_warnings"],
    total_source: "'Total wall time' of the PIPELINE SUMMARY",
    logged_packing_scale: 4096,
    study_file: "data/example/study.yaml",
    reference: {label: "v1.0", model: "virnucpro_300_model.pth", expected_length: 300, model_source: "published"},
    tolerance: 0.01,
    runs: [one, two],
    headline_run: "2gpu",
    scaling: [
      {
        from: "1gpu",
        to: "2gpu",
        gpus: 2,
        from_gpus: 1,
        n: 2,
        from_seconds: 3200.6,
        to_seconds: 2025.0,
        speedup,
        efficiency: speedup / 2,
        stages: STAGES.map(([name], i) => ({name, from_seconds: ONE[i]!, to_seconds: TWO[i]!, delta_seconds: TWO[i]! - ONE[i]!, speedup: ONE[i]! / TWO[i]!, efficiency: ONE[i]! / TWO[i]! / 2})),
        amdahl: {gpu_fraction: gpuFraction, ceiling: amdahl(gpuFraction), primary_only_fraction: esmFraction, primary_only_ceiling: amdahl(esmFraction), esm_only_fraction: esmFraction, esm_only_ceiling: amdahl(esmFraction), karp_flatt: (1 / speedup - 0.5) / 0.5},
        what_if: [
          {label: "ESM-2 scales perfectly, nothing else", total_seconds: 3200.6 - ONE[5]! / 2, speedup: 3200.6 / (3200.6 - ONE[5]! / 2), formula: "T1 - ESM2(1gpu) x (1 - 1/2)"},
          {label: "both GPU stages scale perfectly", total_seconds: 3200.6 - (ONE[4]! + ONE[5]!) / 2, speedup: 3200.6 / (3200.6 - (ONE[4]! + ONE[5]!) / 2), formula: "T1 - (DNABERT-S + ESM2)(1gpu) x (1 - 1/2)"}
        ]
      }
    ],
    baseline: {
      label: "v1.0 on 2x RTX 4090",
      total_seconds: 12_600,
      external: true,
      speedup: 12_600 / 2025.0,
      run: "2gpu",
      runs: [
        {run: "1gpu", gpus: 1, total_seconds: 3200.6, speedup: 12_600 / 3200.6},
        {run: "2gpu", gpus: 2, total_seconds: 2025.0, speedup: 12_600 / 2025.0}
      ]
    },
    correctness: [correctness("1gpu", "per_frame", PER_FRAME, 52_113, 500), correctness("1gpu", "consensus", MERGED, 41_554, 500), correctness("2gpu", "per_frame", PER_FRAME, 1_020, 300), correctness("2gpu", "consensus", MERGED, 762, 300)],
    throughput: [
      {run: "1gpu", workers: [worker("1gpu", 0, 794_577, 321.0, 16_474)], combined_seq_per_sec: 321.0, combined_tokens_per_sec: 16_474, finish_skew_seconds: 0, stage_seconds: 2591.13, inference_span_seconds: 2475.3, overhead_seconds: 115.83, hdf5_conversion_seconds: 77.9},
      {run: "2gpu", workers: [worker("2gpu", 0, 397_289, 315.7, 16_199), worker("2gpu", 1, 397_288, 313.5, 16_085)], combined_seq_per_sec: 629.2, combined_tokens_per_sec: 32_284, finish_skew_seconds: 9.4, stage_seconds: 1383.18, inference_span_seconds: 1267.2, overhead_seconds: 115.98, hdf5_conversion_seconds: 80.0}
    ],
    packing: [
      {run: "1gpu", worker: null, token_budget: 16_384, efficiency: 0.8953, method: "population", population_batches: 2701, sampled_efficiency: 0.9371, sampled_method: "sampled_every_10th", sampled_batches: 278, sampled_tokens: 4_268_022, sampled_difference: 0.0418, logged_efficiency: 3.581, file: "esm_v2/logs/worker_0.log", line: 412},
      {run: "2gpu", worker: null, token_budget: null, efficiency: null, method: "population", population_batches: 2602, sampled_efficiency: null, sampled_method: "sampled_every_10th", sampled_batches: 280, sampled_tokens: 4_301_555, sampled_difference: null, logged_efficiency: 3.574, file: null, line: null}
    ],
    gpu: [
      {run: "1gpu", device: 0, monitor_count: 1, samples: 2590, window_start: null, window_end: null, mean_utilization: 0.912, median_utilization: 0.95, p10_utilization: 0.81, share_at_or_above_80: 0.91, mean_power_watts: 382.4, peak_memory_mib: 21_844, duplicated: false, sample_interval_seconds: 1, window_seconds: 2591.1, coverage: 0.9996},
      {run: "2gpu", device: 0, monitor_count: 2, samples: 2766, window_start: null, window_end: null, mean_utilization: 0.884, median_utilization: 0.93, p10_utilization: 0.7, share_at_or_above_80: 0.86, mean_power_watts: 371.0, peak_memory_mib: 21_002, duplicated: true, sample_interval_seconds: 1, window_seconds: 1383.2, coverage: 1}
    ],
    gpu_runs: [
      {run: "1gpu", gpus: 1, samples_total: 3201, samples: 2590, monitors: 1, devices: 1, has_window: true, mean_utilization: 0.912, median_utilization: 0.95, p10_utilization: 0.81, share_at_or_above_80: 0.91, duplicated: false, unmeasured_gpus: 0, coverage: 0.9996},
      {run: "2gpu", gpus: 2, samples_total: 4050, samples: 2766, monitors: 2, devices: 1, has_window: true, mean_utilization: 0.884, median_utilization: 0.93, p10_utilization: 0.7, share_at_or_above_80: 0.86, duplicated: true, unmeasured_gpus: 1, coverage: 1}
    ],
    io_warnings: [
      {run: "1gpu", mild: 54, critical: 0, checks: 278, share_of_checks: 54 / 278, min_utilization: 0.42, max_utilization: 0.79},
      {run: "2gpu", mild: 41, critical: 0, checks: 280, share_of_checks: 41 / 280, min_utilization: null, max_utilization: null}
    ],
    repeats: null,
    criteria: [
      {id: "time_1gpu", value_run: "1gpu", label: "1-GPU total time < 1 h", metric: "run.total_seconds", comparison: "<", target: 3600, status: "pass", value: 3200.6, display_value: "3200.6 s (53:20)", display_target: "< 3600 s", reason: null, formula: "'Total wall time' of the PIPELINE SUMMARY", interval: {lo: 3188.4, hi: 3214.9}, flags: []},
      {id: "time_2gpu", value_run: "2gpu", label: "2-GPU total time < 30 min", metric: "run.total_seconds", comparison: "<", target: 1800, status: "fail", value: 2025.0, display_value: "2025.0 s (33:45)", display_target: "< 1800 s", reason: null, formula: "'Total wall time' of the PIPELINE SUMMARY", flags: ["W2", "W3"]},
      {id: "scaling", value_run: "2gpu", label: "Multi-GPU scaling >= 1.9x", metric: "scaling.speedup", comparison: ">=", target: 1.9, status: "fail", value: speedup, display_value: "1.58x", display_target: ">= 1.90x", reason: null, formula: "T(1gpu) / T(2gpu) = 3200.6 / 2025", flags: ["W2", "W3"]},
      {id: "baseline_speedup", value_run: "2gpu", label: "Speedup over baseline >= 4.0x", metric: "baseline.speedup", comparison: ">=", target: 4, status: "pass", value: 12_600 / 2025.0, display_value: "6.22x", display_target: ">= 4.00x", reason: null, formula: "12600 / 2025", flags: ["W2", "W3"]},
      {
        id: "consensus_agreement",
        label: "Consensus label agreement >= 99 %",
        metric: "correctness.consensus.label_agreement",
        comparison: ">=",
        target: 0.99,
        status: "invalid",
        value: (MERGED - 41_554) / MERGED,
        value_run: "1gpu",
        display_value: "93.09 %",
        display_target: ">= 99.00 %",
        reason: "1gpu: model mismatch: run virnucpro_500_model.pth (500 bp) vs reference virnucpro_300_model.pth (300 bp)",
        formula: null,
        per_run: [
          {run: "1gpu", value: (MERGED - 41_554) / MERGED, status: "invalid", reason: "model mismatch: run virnucpro_500_model.pth (500 bp) vs reference virnucpro_300_model.pth (300 bp)"},
          {run: "2gpu", value: (MERGED - 762) / MERGED, status: "pass", reason: null}
        ],
        flags: []
      },
      {
        id: "gpu_utilization",
        label: "GPU utilization during ESM-2 > 80 %",
        metric: "gpu.mean_utilization",
        comparison: ">",
        target: 0.8,
        status: "invalid",
        value: 0.884,
        value_run: "2gpu",
        display_value: "88.4 %",
        display_target: "> 80.0 %",
        reason: "2gpu: all 2 monitors of 2gpu sampled one device: 1 GPU(s) unmeasured (value is the measured device only)",
        formula: null,
        per_run: [
          {run: "1gpu", value: 0.912, status: "pass", reason: null},
          {run: "2gpu", value: 0.884, status: "invalid", reason: "all 2 monitors of 2gpu sampled one device: 1 GPU(s) unmeasured (value is the measured device only)"}
        ],
        flags: ["W1", "W4"]
      },
      {
        id: "packing_efficiency",
        label: "Packing efficiency > 90 %",
        metric: "packing.efficiency",
        comparison: ">",
        target: 0.9,
        status: "no_data",
        value: 0.9371,
        value_run: "1gpu",
        display_value: "93.7 %",
        display_target: "> 90.0 %",
        reason: "2gpu: token budget of 2gpu unknown",
        formula: null,
        per_run: [
          {run: "1gpu", value: 0.9371, status: "pass", reason: null},
          {run: "2gpu", value: null, status: "no_data", reason: "token budget of 2gpu unknown"}
        ],
        flags: ["W5"]
      }
    ],
    summary: {met: 2, total: 7, overall: "fail"},
    warnings: [
      {ref: "W1", code: "truncated_line", severity: "info", message: "last line 5012 has no newline (cut while being written): not read", run: "1gpu", file: "runs/1gpu/gpu_metrics.csv", line: 5012, affects: ["gpu"]},
      {ref: "W2", code: "worker_resumed", severity: "warning", message: "worker 1 resumed from checkpoints (12 shards done): its rates exclude the resumed sequences", run: "2gpu", file: "runs/2gpu/worker_1.log", line: 41, affects: ["throughput", "timing"]},
      {ref: "W3", code: "summary_incomplete", severity: "error", message: "PIPELINE SUMMARY block is cut off: total wall time not trusted", run: "2gpu", file: "runs/2gpu/console.log", line: 812, affects: ["timing", "scaling"]},
      {ref: "W4", code: "gpu_monitor_duplicated", severity: "warning", message: "all 2 GPU monitors of 2gpu sampled device 0", run: "2gpu", file: null, line: null, affects: ["gpu"]},
      {ref: "W5", code: "low_batch_packing", severity: "info", message: "gpu_monitor (4096-token scale) reports low batch packing", run: "1gpu", file: "runs/1gpu/console.log", line: 2301, affects: ["packing"]}
    ],
    sql: {}
  };
}

function worker(runId: string, index: number, sequences: number, seqPerSec: number, tokensPerSec: number) {
  return {
    run: runId,
    worker: index,
    device_name: "NVIDIA GeForce RTX 4090",
    sequences,
    seq_per_sec: seqPerSec,
    tokens_per_sec: tokensPerSec,
    started_at: null,
    inference_started_at: null,
    completed_at: null,
    inference_seconds: sequences / seqPerSec,
    batches: Math.round(sequences / 286),
    tokens: Math.round((sequences / seqPerSec) * tokensPerSec)
  };
}
