/**
 * The rule, at criterion level: a criterion that depends on missing data is `no_data`, one that depends
 * on contaminated data is `invalid`, never `pass`. Checked on hand-made report figures (no ingest), case
 * by case and as a property over random runs and warnings.
 */
import fc from "fast-check";
import {describe, expect, it} from "vitest";
import {CONTAMINATING_FINDINGS, evaluateCriterion, type ReportFigures} from "../../engine/report/criteria.ts";
import {DEFAULT_CRITERIA} from "../../loaders/virnucpro/pipeline.ts";
import type {ReportRun, ReportWarning, Status} from "../../engine/report/types.ts";

function run(id: string, gpus: number, total: number | null, status: Status = "complete"): ReportRun {
  return {
    id, label: null, gpus, status, status_reason: null, outcome: status === "complete" ? "success" : "unknown", total_seconds: total, total_hms: null, stage_sum_seconds: total,
    gpu_stage_seconds: null, cpu_stage_seconds: null, model: "300_model.pth", expected_length: 300, model_source: "config", architecture: "v2.0 hybrid",
    gpu_names: null, input: null, command: null, started_at: null, ended_at: null, stages: [], config: [], artifacts: [], stage_sum_delta: 0, flags: []
  };
}

function correctness(runId: string, agreement: number) {
  return {
    run: runId, level: "consensus" as const, reference: "reference", compared: 1000, missing: 0, extra: 0, label_mismatches: Math.round((1 - agreement) * 1000),
    label_agreement: agreement, within_tolerance: 1000, within_tolerance_share: 1, reference_rows: 1000, run_rows: 1000, joint_agreement: agreement, tolerance: 0.01,
    score_diff: {mean: 0, median: 0, p99: 0, max: 0}, confusion: {virus_virus: 0, virus_others: 0, others_virus: 0, others_others: 0},
    model_match: true, run_model: "300_model.pth", reference_model: "300_model.pth", run_expected_length: 300, reference_expected_length: 300,
    derived_consensus: {run: false, reference: false}, scores_compared: true, mismatches_total: 0, mismatches: [], diff_histogram: []
  };
}

/** 1-GPU 3200.6 s (Phase 10), a faster 2-GPU run, 99.9 % consensus agreement each. */
function figures(runs: ReportRun[], warnings: ReportWarning[] = []): ReportFigures {
  const [a, b] = runs;
  return {
    benchbook_version: "test", release: "v", title: "t", pipeline: "virnucpro", stage_roles: {primary_gpu: "ESM-2 Feature Extraction", gpu_window: "ESM-2 Feature Extraction", secondary_gpu: "DNABERT-S Feature Extraction"}, stage_labels: {primary_gpu: "ESM-2", gpu_window: "ESM-2", secondary_gpu: "DNABERT-S"}, classes: {positive: "virus", negative: "others"}, families: ["throughput", "packing", "gpu", "io_warnings"], total_source: "'Total wall time' of the PIPELINE SUMMARY", logged_packing_scale: 4096, study_file: "s.yaml", reference: null, tolerance: 0.01, runs,
    // as v_headline: the most GPUs, the earliest on a tie
    headline_run: [...runs].sort((x, y) => y.gpus - x.gpus)[0]?.id ?? null,
    // like v_scaling: only between complete runs with a total
    scaling: a && b && a.status === "complete" && b.status === "complete" && a.total_seconds && b.total_seconds ? [{from: a.id, to: b.id, gpus: b.gpus, from_gpus: a.gpus, n: b.gpus / a.gpus, from_seconds: a.total_seconds, to_seconds: b.total_seconds,
      speedup: a.total_seconds && b.total_seconds ? a.total_seconds / b.total_seconds : null, efficiency: null, stages: [],
      amdahl: {gpu_fraction: null, ceiling: null, primary_only_fraction: null, primary_only_ceiling: null, esm_only_fraction: null, esm_only_ceiling: null, karp_flatt: null}, what_if: []}] : [],
    baseline: {label: "v1.0", total_seconds: 12600, external: true, speedup: null, run: null, runs: runs.map((r) => ({run: r.id, gpus: r.gpus, total_seconds: r.total_seconds, speedup: r.total_seconds ? 12600 / r.total_seconds : null}))},
    correctness: runs.map((r) => correctness(r.id, 0.999)), throughput: [], packing: [], gpu: [], gpu_runs: [], io_warnings: [], repeats: null, warnings, sql: {}
  } as ReportFigures;
}

function warning(ref: string, runId: string | null, code: string, affects: string[], severity: ReportWarning["severity"] = "warning"): ReportWarning {
  return {ref, code, severity, message: `${code} in ${runId}`, run: runId, file: "x.log", line: 7, affects};
}

const spec = (id: string) => DEFAULT_CRITERIA.find((c) => c.id === id)!;
const RUNS = () => [run("1gpu", 1, 3200.6), run("2gpu", 2, 1600)];

describe("criteria on contaminated and missing data", () => {
  it("the clean figures pass where the targets are met", () => {
    const f = figures(RUNS());
    expect(["time_1gpu", "time_2gpu", "baseline_speedup", "consensus_agreement"].map((id) => evaluateCriterion(f, spec(id)).status)).toEqual(["pass", "pass", "pass", "pass"]);
    expect(evaluateCriterion(f, spec("scaling")).status).toBe("pass");
  });

  it("a resumed run's passing time is invalid, its value still shown, the reason naming the finding", () => {
    const c = evaluateCriterion(figures(RUNS(), [warning("W1", "1gpu", "resumed_run", ["timing", "throughput"])]), spec("time_1gpu"));
    expect(c.status).toBe("invalid");
    expect(c.value).toBe(3200.6);
    expect(c.reason).toContain("resumed_run, W1");
    expect(c.flags).toEqual(["W1"]);
  });

  it("contamination of the run scaled from makes the scaling figure invalid too", () => {
    const f = figures(RUNS(), [warning("W1", "1gpu", "resumed_run", ["timing"])]);
    expect(evaluateCriterion(f, spec("scaling")).status).toBe("invalid");
    expect(evaluateCriterion(f, spec("time_2gpu")).status).toBe("pass");
  });

  it("reused outputs make correctness invalid; partial failures too", () => {
    for (const code of ["stale_output_reused", "partial_failure"]) {
      const c = evaluateCriterion(figures(RUNS(), [warning("W2", "2gpu", code, ["correctness", "timing"])]), spec("consensus_agreement"));
      expect(c.status).toBe("invalid");
      expect(c.per_run!.map((p) => [p.run, p.status])).toEqual([["1gpu", "pass"], ["2gpu", "invalid"]]);
    }
  });

  it("a warning about another area, an info, or a non-contaminating code leaves the figure alone", () => {
    const f = figures(RUNS(), [
      warning("W1", "1gpu", "resumed_run", ["throughput"]),
      warning("W2", "1gpu", "stale_output_reused", ["timing"], "info"),
      warning("W3", "1gpu", "packing_logged_differs", ["timing"])
    ]);
    expect(evaluateCriterion(f, spec("time_1gpu")).status).toBe("pass");
  });

  it("a run with no log is judged on its outputs only when they cover every reference ID", () => {
    const f = figures([run("1gpu", 1, null, "no_log"), run("2gpu", 2, 1600)]);
    expect(evaluateCriterion(f, spec("consensus_agreement")).per_run!.map((p) => [p.run, p.status])).toEqual([["1gpu", "pass"], ["2gpu", "pass"]]);
    f.correctness[0] = {...f.correctness[0]!, missing: 10, reference_rows: 1010};
    const partial = evaluateCriterion(f, spec("consensus_agreement")).per_run![0]!;
    expect(partial.status).toBe("no_data");
    expect(partial.reason).toMatch(/no log and its outputs lack 10 of 1010 reference IDs/);
    const incomplete = figures([run("1gpu", 1, null, "incomplete"), run("2gpu", 2, 1600)]);
    expect(evaluateCriterion(incomplete, spec("consensus_agreement")).per_run![0]!.status).toBe("no_data");
  });

  it("an incomplete, failed or broken run is no_data whatever its value", () => {
    for (const status of ["incomplete", "failed", "broken", "no_log"] as const) {
      const f = figures([run("1gpu", 1, 3200.6, status), run("2gpu", 2, 1600)]);
      expect(evaluateCriterion(f, spec("time_1gpu")).status).toBe("no_data");
      expect(evaluateCriterion(f, spec("scaling")).status).toBe("no_data");
    }
  });

  it("an error finding of any code on the run or the reference blocks a pass; the reason names it with file and line", () => {
    const f = figures(RUNS(), [warning("W1", "2gpu", "artifact_unreadable", ["correctness"], "error")]);
    const c = evaluateCriterion(f, spec("consensus_agreement"));
    expect(c.per_run!.map((p) => [p.run, p.status])).toEqual([["1gpu", "pass"], ["2gpu", "invalid"]]);
    expect(c.per_run![1]!.reason).toBe("2gpu is contaminated (artifact_unreadable, W1, x.log:7): artifact_unreadable in 2gpu");
    const ref = evaluateCriterion(figures(RUNS(), [warning("W1", "reference", "empty_predictions", ["correctness"], "error")]), spec("consensus_agreement"));
    expect(ref.per_run!.map((p) => p.status)).toEqual(["invalid", "invalid"]);
    // the reference's errors concern correctness only: times are unaffected
    expect(evaluateCriterion(figures(RUNS(), [warning("W1", "reference", "artifact_unreadable", ["correctness", "timing"], "error")]), spec("time_2gpu")).status).toBe("pass");
  });

  it("truncated outputs on either side fail correctness, the reason counting the missing and extra IDs", () => {
    const f = figures(RUNS());
    f.correctness[1] = {...f.correctness[1]!, compared: 2, missing: 998, run_rows: 2};
    const c = evaluateCriterion(f, spec("consensus_agreement"));
    expect(c.per_run![1]).toMatchObject({status: "fail", reason: "consensus outputs incomplete: 998 of 1000 reference IDs missing from 2gpu, 0 of its 2 IDs not in the reference"});
    f.correctness[0] = {...f.correctness[0]!, compared: 5, extra: 995, reference_rows: 5};
    expect(evaluateCriterion(f, spec("consensus_agreement")).per_run![0]!.status).toBe("fail");
  });

  it("property: no criterion passes on a run that is not complete or carries a contaminating warning on its area", () => {
    const statusArb = fc.constantFrom<Status>("complete", "complete", "incomplete", "failed", "broken", "no_log");
    const code = fc.constantFrom(...CONTAMINATING_FINDINGS, "cached_index", "packing_logged_differs", "no_summary");
    const area = fc.constantFrom("timing", "scaling", "baseline", "correctness", "throughput", "gpu", "packing", "metadata");
    fc.assert(
      fc.property(
        statusArb,
        statusArb,
        fc.option(fc.integer({min: 100, max: 10_000})),
        fc.option(fc.integer({min: 100, max: 10_000})),
        fc.array(fc.record({run: fc.constantFrom("1gpu", "2gpu"), code, affects: fc.uniqueArray(area, {minLength: 1, maxLength: 3}), severity: fc.constantFrom<ReportWarning["severity"]>("error", "warning", "info")}), {maxLength: 4}),
        (s1, s2, t1, t2, ws) => {
          const runs = [run("1gpu", 1, t1, s1), run("2gpu", 2, t2, s2)];
          const warnings = ws.map((w, i) => warning(`W${i + 1}`, w.run, w.code, w.affects, w.severity));
          const f = figures(runs, warnings);
          for (const c of DEFAULT_CRITERIA.filter((x) => x.metric.startsWith("run.") || x.metric.startsWith("scaling.") || x.metric.startsWith("baseline.") || x.metric.startsWith("correctness."))) {
            const result = evaluateCriterion(f, c);
            for (const p of result.per_run ?? [{run: result.per_run ? "" : (c.run === "gpus=1" ? "1gpu" : "2gpu"), status: result.status, value: result.value, reason: result.reason}]) {
              if (p.status !== "pass") continue;
              const r = runs.find((x) => x.id === p.run)!;
              const involved = c.metric.startsWith("scaling.") ? runs : [r];
              for (const x of involved) {
                // a run without a log is judged on its outputs alone when they cover every reference ID
                const allowed = c.metric.startsWith("correctness.") ? ["complete", "no_log"] : ["complete"];
                expect(allowed, `${c.id} passed on ${x.id} (${x.status})`).toContain(x.status);
                const areas = c.metric.startsWith("correctness.") ? ["correctness"] : c.metric.startsWith("baseline.") ? ["timing", "baseline"] : c.metric.startsWith("scaling.") ? ["timing", "scaling"] : ["timing"];
                // a contaminating code, or any error, on an area the criterion reads
                const tainted = warnings.find((w) => w.run === x.id && (w.severity === "error" || (w.severity !== "info" && CONTAMINATING_FINDINGS.has(w.code))) && w.affects.some((a) => areas.includes(a)));
                expect(tainted, `${c.id} passed on contaminated ${x.id}`).toBeUndefined();
              }
            }
          }
        }
      ),
      {numRuns: 300}
    );
  });
});
