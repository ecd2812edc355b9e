/**
 * The JSON each page of the report site loads, cut from the Report (and the series of metrics/series.ts).
 * Pure functions: no I/O, no arithmetic on figures — every number comes from SQL; only formula strings
 * are assembled here so each headline shows how it was computed, with its inputs.
 */
import type {Report, ReportCorrectness, ReportCriterion, ReportRun, ReportScaling, ReportWarning} from "../report/types.ts";
import type {AmdahlPoint, CumulativePoint, IoMark, MismatchRow, PackingBatch, StageWindow, UtilizationBin, UtilizationHistogramBin} from "../metrics/series.ts";
import {count, duration, pct, secs, times} from "../render/format.ts";
import {SERIES_SQL} from "../metrics/series.ts";

export interface Headline {
  id: string;
  label: string;
  value: string | null;
  /** the computation with its actual inputs, e.g. '3200.6 s / 2025.0 s = 1.58x' */
  formula: string | null;
  note: string | null;
  /** 'invalid' or 'inconclusive' when a criterion judged this very value so: the card says it */
  verdict: "invalid" | "inconclusive" | null;
}

/**
 * The verdict a criterion over `metric` gave `run`'s value, when that verdict is not a plain pass or fail.
 * A headline marks such a value wherever it is shown, never presenting an invalid figure as a result.
 */
function qualify(report: Report, metric: string, run: string | null, headline: Omit<Headline, "verdict">): Headline {
  for (const c of report.criteria.filter((x) => x.metric === metric)) {
    const verdict = c.per_run ? c.per_run.find((p) => p.run === run) : c.value_run === run ? {status: c.status, reason: c.reason} : undefined;
    if (verdict && (verdict.status === "invalid" || verdict.status === "inconclusive")) {
      const word = verdict.status.toUpperCase();
      return {
        ...headline,
        value: headline.value === null ? null : `${headline.value} (${word})`,
        note: [`${word} for ${c.id}${verdict.reason ? `: ${verdict.reason}` : ""}`, headline.note].filter(Boolean).join(" · "),
        verdict: verdict.status
      };
    }
  }
  return {...headline, verdict: null};
}

function byGpus(report: Report): ReportRun[] {
  return [...report.runs].sort((a, b) => a.gpus - b.gpus);
}

function wallTimeHeadline(report: Report, run: ReportRun, id: string): Headline {
  return qualify(report, "run.total_seconds", run.id, {
    id,
    label: `${run.gpus}-GPU wall time (${run.id})`,
    // the criteria's clock (truncated seconds), not the log's own H:M:S, so one duration reads the same everywhere
    value: run.total_seconds == null ? null : duration(run.total_seconds),
    formula: run.total_seconds == null ? null : `${report.total_source} = ${secs(run.total_seconds)}`,
    note: run.status === "complete" ? null : `run status: ${run.status}${run.status_reason ? ` (${run.status_reason})` : ""}`
  });
}

function scalingHeadline(report: Report, s: ReportScaling): Headline {
  const n = s.n;
  return qualify(report, "scaling.speedup", s.to, {
    id: `scaling_${s.from}_${s.to}`,
    label: `Scaling ${s.from_gpus} → ${s.gpus} GPUs (${s.from} → ${s.to})`,
    value: s.speedup == null ? null : `${times(s.speedup)} (${pct(s.efficiency, 1)} efficiency)`,
    formula:
      s.speedup == null || s.from_seconds == null || s.to_seconds == null
        ? null
        : `${secs(s.from_seconds)} / ${secs(s.to_seconds)} = ${times(s.speedup)}; efficiency ${times(s.speedup)} / ${n} = ${pct(s.efficiency, 1)}`,
    note: s.amdahl.ceiling == null ? null : `Amdahl ceiling ${times(s.amdahl.ceiling)} (GPU stages ${pct(s.amdahl.gpu_fraction, 1)} of the ${s.from} run)`
  });
}

function baselineHeadline(report: Report): Headline | null {
  const b = report.baseline;
  if (!b) return null;
  const run = b.run ? report.runs.find((r) => r.id === b.run) : undefined;
  return qualify(report, "baseline.speedup", b.run, {
    id: "baseline_speedup",
    label: `Speedup over ${b.label}${b.run ? ` (${b.run})` : ""}`,
    value: b.speedup == null ? null : times(b.speedup),
    formula: b.speedup == null || run?.total_seconds == null ? null : `${secs(b.total_seconds)} / ${secs(run.total_seconds)} (${run.id}) = ${times(b.speedup)}`,
    note: `${b.label} is an external figure (${secs(b.total_seconds)}), not measured in this study`
  });
}

function agreementHeadline(report: Report, c: Omit<ReportCorrectness, "mismatches">): Headline {
  return qualify(report, `correctness.${c.level}.label_agreement`, c.run, {
    id: `agreement_${c.run}_${c.level}`,
    label: `Label agreement, ${c.level === "consensus" ? "consensus" : "per frame"} (${c.run})`,
    value: c.label_agreement == null ? null : pct(c.label_agreement, 2),
    formula: c.label_agreement == null ? null : `(${count(c.compared)} − ${count(c.label_mismatches)}) / ${count(c.compared)} = ${pct(c.label_agreement, 2)}`,
    note:
      c.joint_agreement == null
        ? "scores not compared"
        : `label and every score within ${c.tolerance}: ${count(c.within_tolerance)} within tolerance, joint ${pct(c.joint_agreement, 2)}`
  });
}

export function headlines(report: Report): Headline[] {
  const runs = byGpus(report);
  const out: Headline[] = [];
  const single = runs.find((r) => r.gpus === 1);
  // the headline run is chosen once, by v_headline
  const most = report.runs.find((r) => r.id === report.headline_run);
  if (single) out.push(wallTimeHeadline(report, single, "time_1gpu"));
  if (most && most !== single) out.push(wallTimeHeadline(report, most, `time_${most.gpus}gpu`));
  for (const s of report.scaling) out.push(scalingHeadline(report, s));
  const baseline = baselineHeadline(report);
  if (baseline) out.push(baseline);
  for (const c of report.correctness.filter((c) => c.level === "consensus")) out.push(agreementHeadline(report, c));
  return out;
}

function sqlOf(report: Report, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => report.sql[n]).map((n) => [n, report.sql[n]!]));
}

/** Criteria whose metric belongs to one of the families (the part of `metric` before the first dot). */
export function criteriaFor(report: Report, families: string[]): ReportCriterion[] {
  return report.criteria.filter((c) => families.includes(c.metric.split(".")[0]!));
}

function warningsAffecting(report: Report, areas: string[]): ReportWarning[] {
  return report.warnings.filter((w) => w.affects.some((a) => areas.includes(a)));
}

export function overviewPage(report: Report) {
  return {
    release: report.release,
    title: report.title,
    pipeline: report.pipeline,
    study_file: report.study_file,
    benchbook_version: report.benchbook_version,
    summary: report.summary,
    criteria: report.criteria.map((c: ReportCriterion) => c),
    headlines: headlines(report),
    warnings: report.warnings,
    provenance: {
      reference: report.reference,
      tolerance: report.tolerance,
      baseline: report.baseline ? {label: report.baseline.label, total_seconds: report.baseline.total_seconds, external: report.baseline.external} : null,
      runs: report.runs.map((r) => ({
        id: r.id,
        label: r.label,
        gpus: r.gpus,
        status: r.status,
        status_reason: r.status_reason,
        outcome: r.outcome,
        input: r.input,
        model: r.model,
        expected_length: r.expected_length,
        model_source: r.model_source,
        architecture: r.architecture,
        gpu_names: r.gpu_names,
        started_at: r.started_at,
        ended_at: r.ended_at
      }))
    }
  };
}

export function timingPage(report: Report, amdahl: AmdahlPoint[] = []) {
  return {
    runs: report.runs.map((r) => ({
      id: r.id,
      label: r.label,
      gpus: r.gpus,
      status: r.status,
      status_reason: r.status_reason,
      total_seconds: r.total_seconds,
      total_hms: r.total_hms,
      total_display: r.total_seconds == null ? null : duration(r.total_seconds),
      stage_sum_seconds: r.stage_sum_seconds,
      gpu_stage_seconds: r.gpu_stage_seconds,
      cpu_stage_seconds: r.cpu_stage_seconds,
      stages: r.stages
    })),
    criteria: criteriaFor(report, ["run", "scaling", "baseline", "stage"]),
    stage_labels: report.stage_labels,
    scaling: report.scaling.map((s) => ({...s, headline: scalingHeadline(report, s)})),
    amdahl_curve: amdahl,
    baseline: report.baseline,
    warnings: warningsAffecting(report, ["timing", "scaling", "baseline"]),
    sql: {...sqlOf(report, ["v_run_timing", "v_stage_timing", "v_scaling", "v_scaling_stages", "v_baseline"]), amdahl_curve: SERIES_SQL.amdahl_curve.trim()}
  };
}

export function correctnessPage(report: Report, mismatches: MismatchRow[], limit: number) {
  return {
    reference: report.reference,
    tolerance: report.tolerance,
    mismatch_limit: limit,
    classes: report.classes,
    criteria: criteriaFor(report, ["correctness"]),
    correctness: report.correctness.map(({mismatches: _shipped, ...c}) => ({...c, headline: agreementHeadline(report, c)})),
    warnings: warningsAffecting(report, ["correctness"]),
    sql: {
      ...sqlOf(report, ["v_predictions", "v_correctness_rows", "v_correctness_counts", "v_correctness", "v_correctness_mismatches", "v_correctness_mismatch_top", "v_correctness_histogram", "v_model_match", "correctness_store"]),
      mismatch_top: SERIES_SQL.mismatch_top.trim()
    },
    mismatches
  };
}

export interface GpuSeries {
  utilization: UtilizationBin[];
  windows: StageWindow[];
  histogram: UtilizationHistogramBin[];
  io_marks: IoMark[];
  packing_batches: PackingBatch[];
  cumulative: CumulativePoint[];
}

export function gpuPage(report: Report, series: GpuSeries, binSeconds: number) {
  return {
    bin_seconds: binSeconds,
    stage_labels: report.stage_labels,
    families: report.families,
    logged_packing_scale: report.logged_packing_scale,
    runs: report.runs.map((r) => ({id: r.id, gpus: r.gpus, status: r.status, gpu_names: r.gpu_names, started_at: r.started_at, ended_at: r.ended_at, total_seconds: r.total_seconds})),
    gpu: report.gpu,
    gpu_runs: report.gpu_runs,
    throughput: report.throughput,
    packing: report.packing,
    io_warnings: report.io_warnings,
    criteria: criteriaFor(report, ["gpu", "packing", "throughput", "io"]),
    warnings: warningsAffecting(report, ["gpu", "packing", "throughput"]),
    series,
    sql: {
      ...sqlOf(report, ["v_gpu_window_samples", "v_gpu", "v_gpu_run", "v_throughput_workers", "v_throughput", "v_packing", "v_io_warnings"]),
      ...Object.fromEntries(Object.entries(SERIES_SQL).filter(([k]) => !k.startsWith("mismatch") && k !== "amdahl_curve").map(([k, v]) => [k, v.trim()]))
    }
  };
}

export function runsPage(report: Report) {
  return {
    runs: report.runs.map((r) => ({...r, findings: report.warnings.filter((w) => w.run === r.id)})),
    study_findings: report.warnings.filter((w) => w.run == null),
    sql: sqlOf(report, ["v_run_timing", "v_warnings"])
  };
}
