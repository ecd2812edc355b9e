import {describe, expect, it} from "vitest";
import type {Report, ReportCorrectness, ReportCriterion, ReportRun} from "../../../engine/report/types.ts";
import {correctnessPage, criteriaFor, headlines, overviewPage} from "../../../engine/site/pages.ts";

// Phase 10's published figures (FORMATS.md §11), cut down to what the page shaping reads.
function run(id: string, gpus: number, total: number | null, hms: string | null): ReportRun {
  return {
    id, label: null, gpus, status: total == null ? "incomplete" : "complete", status_reason: null, outcome: null, total_seconds: total, total_hms: hms,
    stage_sum_seconds: null, gpu_stage_seconds: null, cpu_stage_seconds: null, model: null, expected_length: null, model_source: null,
    architecture: null, gpu_names: null, input: null, command: null, started_at: null, ended_at: null, stages: [], config: [], artifacts: [],
    stage_sum_delta: null, flags: []
  };
}

function criterion(id: string, metric: string, status: ReportCriterion["status"]): ReportCriterion {
  return {id, label: id, metric, comparison: ">=", target: 1, status, value: null, value_run: null, display_value: null, display_target: "1", reason: null, formula: null, flags: []};
}

const consensus: ReportCorrectness = {
  run: "2gpu", level: "consensus", reference: "reference", compared: 601257, missing: 0, extra: 0, label_mismatches: 762,
  label_agreement: 0.998732668, within_tolerance: 600000, within_tolerance_share: 0.9979, reference_rows: 601257, run_rows: 601257, joint_agreement: 0.99, tolerance: 0.01,
  score_diff: {mean: null, median: null, p99: null, max: null},
  confusion: {virus_virus: 1, virus_others: 2, others_virus: 3, others_others: 4}, model_match: true, run_model: null, reference_model: null,
  run_expected_length: null, reference_expected_length: null, derived_consensus: {run: false, reference: false}, scores_compared: true,
  mismatches_total: 800, mismatches: [{id: "a", reference_label: "virus", run_label: "others", reference_virus: 0.9, run_virus: 0.1, diff: 0.8}], diff_histogram: []
};

const report: Report = {
  benchbook_version: "0.1.0", release: "v2.0", title: "t", pipeline: "virnucpro", stage_roles: {primary_gpu: "ESM-2 Feature Extraction", gpu_window: "ESM-2 Feature Extraction", secondary_gpu: "DNABERT-S Feature Extraction"}, stage_labels: {primary_gpu: "ESM-2", gpu_window: "ESM-2", secondary_gpu: "DNABERT-S"}, classes: {positive: "virus", negative: "others"}, families: ["throughput", "packing", "gpu", "io_warnings"], total_source: "'Total wall time' of the PIPELINE SUMMARY", logged_packing_scale: 4096, study_file: "/s.yaml", reference: null, tolerance: 0.01,
  runs: [run("2gpu", 2, 2025.0, "33:44"), run("1gpu", 1, 3200.6, "53:20")],
  headline_run: "2gpu",
  scaling: [{
    from: "1gpu", to: "2gpu", gpus: 2, from_gpus: 1, n: 2, from_seconds: 3200.6, to_seconds: 2025.0, speedup: 1.580543, efficiency: 0.7902716, stages: [],
    amdahl: {gpu_fraction: 0.966, ceiling: 1.93, primary_only_fraction: 0.81, primary_only_ceiling: 1.68, esm_only_fraction: 0.81, esm_only_ceiling: 1.68, karp_flatt: 0.27}, what_if: []
  }],
  baseline: {label: "v1.0", total_seconds: 12600, external: true, speedup: 6.222222, run: "2gpu", runs: []},
  correctness: [consensus],
  throughput: [], packing: [], gpu: [], gpu_runs: [], io_warnings: [], repeats: null,
  criteria: [criterion("time_1gpu", "run.total_seconds", "pass"), criterion("scaling", "scaling.speedup", "fail"), criterion("gpu_utilization", "gpu.mean_utilization", "invalid"), criterion("consensus_agreement", "correctness.consensus.label_agreement", "pass")],
  summary: {met: 2, total: 4, overall: "fail"},
  warnings: [], sql: {v_correctness: "SELECT 1"}
};

describe("page data", () => {
  it("headlines show each figure's formula with its inputs", () => {
    const byId = Object.fromEntries(headlines(report).map((h) => [h.id, h]));
    // the criteria's format (seconds, then the truncated clock), not the log's own H:M:S string
    expect(byId.time_1gpu!.value).toBe("3200.6 s (53:20)");
    expect(byId.time_2gpu!.value).toBe("2025.0 s (33:45)");
    expect(byId["scaling_1gpu_2gpu"]!.formula).toBe("3200.6 s / 2025.0 s = 1.58x; efficiency 1.58x / 2 = 79.0 %");
    expect(byId.baseline_speedup!.formula).toBe("12600.0 s / 2025.0 s (2gpu) = 6.22x");
    expect(byId.baseline_speedup!.note).toMatch(/external/);
    expect(byId.agreement_2gpu_consensus!.formula).toBe("(601,257 − 762) / 601,257 = 99.87 %");
  });

  it("a missing figure has no value and no formula, never a zero", () => {
    const broken = {...report, runs: [run("1gpu", 1, null, null)], scaling: [], baseline: {...report.baseline!, speedup: null, run: "1gpu"}};
    const byId = Object.fromEntries(headlines(broken).map((h) => [h.id, h]));
    expect(byId.time_1gpu!.value).toBeNull();
    expect(byId.time_1gpu!.note).toBe("run status: incomplete");
    expect(byId.baseline_speedup!.value).toBeNull();
    expect(byId.baseline_speedup!.formula).toBeNull();
  });

  it("criteria go to the page of their metric family", () => {
    expect(criteriaFor(report, ["run", "scaling", "baseline"]).map((c) => c.id)).toEqual(["time_1gpu", "scaling"]);
    expect(criteriaFor(report, ["gpu", "packing"]).map((c) => c.id)).toEqual(["gpu_utilization"]);
    expect(overviewPage(report).criteria.map((c) => c.status)).toEqual(["pass", "fail", "invalid", "pass"]);
  });

  it("the correctness page ships the capped mismatch rows it is given, not the report's copy", () => {
    const page = correctnessPage(report, [], 500);
    expect(page.correctness[0]).not.toHaveProperty("mismatches");
    expect(page.correctness[0]!.mismatches_total).toBe(800);
    expect(page.mismatches).toEqual([]);
    expect(page.sql).toMatchObject({v_correctness: "SELECT 1"});
    expect(page.sql.mismatch_top).toMatch(/v_correctness_mismatch_top/);
  });
});
