/**
 * Criteria: the study's pass/fail targets, evaluated on the figures the SQL views produced.
 *
 * A criterion names a metric (see METRICS below), a comparison and a target, and optionally which runs
 * it applies to (`run`): a run id, `gpus=N` (every run with N GPUs) or `every`. Without `run` the
 * metric's default applies: `every` run, or the `headline` run (the one with the most GPUs) for
 * scaling and baseline speedups.
 *
 * Statuses, per run and then overall:
 * - pass / fail: the value was measured on a complete run and compared with the target.
 * - no_data: nothing to compare: the run is not complete (reason names its status), the artifact is
 *   missing, the value is unknown (e.g. token budget never logged).
 * - invalid: a value exists but does not measure what the criterion claims: model mismatch between run
 *   and reference; GPU monitors that all sampled one device of a multi-GPU run (the others unmeasured).
 *   The measured value is still shown.
 * - inconclusive: the value meets the target but cannot be trusted as a pass: the model of the run or
 *   of the reference is unknown, so a model mismatch cannot be ruled out. (A value that misses the
 *   target under the same doubt is a fail: the outputs differ either way.)
 * Overall: fail if any run fails (every run must meet the target), else invalid, else no_data, else
 * inconclusive, else pass. Missing data never passes.
 */
import {InputError} from "../errors.ts";
import type {CriterionSpec} from "../study.ts";
import {intervalVerdict, meetsTarget} from "../metrics/stats.ts";
import {formatTarget, formatUnit, pct, significant, type Unit} from "../render/format.ts";
import {GPU_COVERAGE_MIN} from "../metrics/gpu.ts";
import type {CriterionStatus, Report, ReportCriterion, ReportRun} from "./types.ts";

export type ReportFigures = Omit<Report, "criteria" | "summary">;

interface Measurement {
  run: string;
  value: number | null;
  /** forces the status whatever the value */
  status?: "no_data" | "invalid" | "fail";
  reason?: string;
  /** doubt that turns a pass into inconclusive */
  caveat?: string;
  /** spread over repeated executions: when it straddles the target the verdict is inconclusive */
  interval?: {lo: number; hi: number; what: string};
}

/**
 * Repeated executions of a run (`benchbook run --repeat N`): an execution that did not succeed means the
 * configuration cannot pass, whatever the representative execution measured.
 */
function repeatsOf(report: ReportFigures, runId: string) {
  const c = report.repeats?.configurations.find((x) => x.run_id === runId);
  if (!c || c.executions < 2) return null;
  const failed = c.statuses.filter((s) => s !== "succeeded");
  const problem = failed.length
    ? `${failed.length} of ${c.executions} executions of ${runId} did not succeed (${[...new Set(failed)].join(", ")})`
    : null;
  return {config: c, problem};
}

interface MetricDef {
  description: string;
  unit: Unit;
  /** areas of findings that affect this metric (matched against warnings' `affects`) */
  areas: string[];
  defaultRuns: "every" | "headline";
  measure(report: ReportFigures, run: ReportRun): Measurement;
  formula(report: ReportFigures, run: ReportRun): string | null;
}

/** The stage GPU figures are judged in, as the pipeline names it. */
export function windowOf(report: Pick<ReportFigures, "stage_roles">): string {
  return report.stage_roles.gpu_window ?? "GPU stage";
}

/** The parallelised GPU stage, as the pipeline names it. */
export function primaryOf(report: Pick<ReportFigures, "stage_roles">): string {
  return report.stage_roles.primary_gpu ?? "GPU stage";
}

function incomplete(run: ReportRun): Measurement | null {
  return run.status === "complete" ? null : {run: run.id, value: null, status: "no_data", reason: `run ${run.id} is ${run.status}${run.status_reason ? ` (${run.status_reason})` : ""}`};
}

function scalingMetric(field: "speedup" | "efficiency" | "karp_flatt" | "ceiling", description: string, unit: Unit): MetricDef {
  return {
    description,
    unit,
    areas: ["timing", "scaling"],
    defaultRuns: "headline",
    measure(report, run) {
      const bad = incomplete(run);
      if (bad) return bad;
      const s = report.scaling.find((x) => x.to === run.id);
      if (!s) {
        const from = report.scaling[0]?.from;
        return {
          run: run.id,
          value: null,
          status: "no_data",
          reason: from === run.id || report.scaling.length === 0 ? `no complete run with fewer GPUs than ${run.id} to scale from` : `no scaling pair ends at ${run.id}`
        };
      }
      if (field === "speedup" || field === "efficiency") {
        const problem = repeatsOf(report, s.from)?.problem ?? repeatsOf(report, s.to)?.problem;
        const r = report.repeats?.scaling.find((x) => x.from === s.from && x.to === s.to);
        if (problem) return {run: run.id, value: r?.[field] ?? s[field], status: "invalid", reason: problem};
        const interval = field === "speedup" ? r?.speedup_interval : r?.efficiency_interval;
        if (r && interval && r[field] !== null) {
          return {run: run.id, value: r[field], interval: {...interval, what: `bootstrap ${Math.round(r.level * 100)} % interval (${r.n_from} + ${r.n_to} executions)`}};
        }
      }
      const value = field === "ceiling" ? s.amdahl.ceiling : field === "karp_flatt" ? s.amdahl.karp_flatt : s[field];
      return {run: run.id, value, reason: value === null ? "value unknown" : undefined, status: value === null ? "no_data" : undefined};
    },
    formula(report, run) {
      const s = report.scaling.find((x) => x.to === run.id);
      if (!s) return null;
      const r = report.repeats?.scaling.find((x) => x.from === s.from && x.to === s.to);
      if (r && r.speedup_interval && (field === "speedup" || field === "efficiency")) {
        return `ratio of median totals over repeats: median T(${s.from}) / median T(${s.to})${field === "efficiency" ? ` / ${s.n}` : ""}`;
      }
      if (field === "speedup") return `T(${s.from}) / T(${s.to}) = ${s.from_seconds} / ${s.to_seconds}`;
      if (field === "efficiency") return `speedup / N = (${s.from_seconds} / ${s.to_seconds}) / ${s.n}`;
      if (field === "karp_flatt") return "(1/S - 1/N) / (1 - 1/N)";
      return "1 / ((1 - f) + f / N), f = GPU-stage share of the lower-GPU run";
    }
  };
}

function correctnessMetric(level: "per_frame" | "consensus", field: "label_agreement" | "joint_agreement" | "within_tolerance_share", description: string): MetricDef {
  return {
    description,
    unit: "fraction2",
    areas: ["correctness"],
    defaultRuns: "every",
    measure(report, run) {
      // a correctness-only study (outputs, no log) is judged on its outputs alone, see below
      const bad = run.status === "no_log" ? null : incomplete(run);
      if (bad) return bad;
      const c = report.correctness.find((x) => x.run === run.id && x.level === level);
      const name = level === "per_frame" ? "per-frame" : "consensus";
      if (!c) return {run: run.id, value: null, status: "no_data", reason: `no ${name} predictions for ${run.id}`};
      if (c.reference_rows === 0) return {run: run.id, value: null, status: "no_data", reason: `no ${name} reference predictions`};
      if (c.compared === 0) return {run: run.id, value: null, status: "no_data", reason: `no ${name} IDs in common with the reference`};
      if (run.status === "no_log" && c.missing > 0) {
        // without a log nothing shows the run finished: outputs lacking reference IDs may be a partial run
        return {run: run.id, value: null, status: "no_data", reason: `run ${run.id} has no log and its outputs lack ${c.missing} of ${c.reference_rows} reference IDs: a partial run cannot be ruled out`};
      }
      if (c.missing > 0 || c.extra > 0) {
        // every reference ID must be compared: a truncated file on either side is not agreement
        return {
          run: run.id,
          value: c[field],
          status: "fail",
          reason: `${name} outputs incomplete: ${c.missing} of ${c.reference_rows} reference IDs missing from ${run.id}, ${c.extra} of its ${c.run_rows} IDs not in the reference`
        };
      }
      const value = c[field];
      if (value === null) return {run: run.id, value: null, status: "no_data", reason: `scores not compared at ${name} level (a side has no scores)`};
      if (c.model_match === false) {
        return {
          run: run.id,
          value,
          status: "invalid",
          reason: `model mismatch: run ${c.run_model ?? "?"} (${c.run_expected_length ?? "?"} bp) vs reference ${c.reference_model ?? "?"} (${c.reference_expected_length ?? "?"} bp)`
        };
      }
      if (c.model_match === null) {
        const runUnknown = c.run_model === null && c.run_expected_length === null;
        const refUnknown = c.reference_model === null && c.reference_expected_length === null;
        const side = runUnknown && refUnknown ? "run and reference" : refUnknown ? "reference" : runUnknown ? "run" : "run and reference (no common field)";
        return {run: run.id, value, caveat: `model of ${side} unknown`};
      }
      return {run: run.id, value};
    },
    formula(report, run) {
      const c = report.correctness.find((x) => x.run === run.id && x.level === level);
      if (!c) return null;
      if (field === "label_agreement") return `(compared - label mismatches) / compared = (${c.compared} - ${c.label_mismatches}) / ${c.compared}`;
      if (field === "within_tolerance_share") return `rows with every |Δscore| <= ${c.tolerance} / compared = ${c.within_tolerance} / ${c.compared}`;
      return `rows with same label and every |Δscore| <= ${c.tolerance} / compared`;
    }
  };
}

function gpuMetric(field: "mean_utilization" | "median_utilization" | "share_at_or_above_80", description: string): MetricDef {
  return {
    description,
    unit: "fraction",
    areas: ["gpu"],
    defaultRuns: "every",
    measure(report, run) {
      const bad = incomplete(run);
      if (bad) return bad;
      const g = report.gpu_runs.find((x) => x.run === run.id);
      if (!g || g.samples_total === 0) return {run: run.id, value: null, status: "no_data", reason: `no GPU samples for ${run.id}`};
      if (!g.has_window) return {run: run.id, value: null, status: "no_data", reason: `${windowOf(report)} window of ${run.id} unknown`};
      if (g.samples === 0) return {run: run.id, value: null, status: "no_data", reason: `no GPU samples of ${run.id} inside the ${windowOf(report)} window`};
      const value = g[field];
      if (g.duplicated) {
        return {run: run.id, value, status: "invalid", reason: `all ${g.monitors} monitors of ${run.id} sampled one device: ${g.unmeasured_gpus} GPU(s) unmeasured (value is the measured device only)`};
      }
      if (g.unmeasured_gpus > 0) {
        return {run: run.id, value, status: "invalid", reason: `only ${g.devices} of ${g.gpus} GPUs of ${run.id} sampled`};
      }
      if (g.coverage === null || g.coverage < GPU_COVERAGE_MIN) {
        const share = g.coverage === null ? "an unknown share" : pct(g.coverage);
        return {run: run.id, value, status: "no_data", reason: `GPU samples of ${run.id} cover ${share} of the ${windowOf(report)} window (at least ${GPU_COVERAGE_MIN * 100} % of it on every device needed)`};
      }
      return {run: run.id, value};
    },
    formula(report, run) {
      const g = report.gpu_runs.find((x) => x.run === run.id);
      return g ? `${field} of ${g.samples} samples within the ${windowOf(report)} window` : null;
    }
  };
}

function runField(field: "total_seconds", description: string): MetricDef {
  return {
    description,
    unit: "seconds",
    areas: ["timing"],
    defaultRuns: "every",
    measure(report, run) {
      const bad = incomplete(run);
      if (bad) return bad;
      const repeats = repeatsOf(report, run.id);
      if (repeats?.problem) return {run: run.id, value: repeats.config.median_seconds, status: "invalid", reason: repeats.problem};
      if (repeats && repeats.config.n >= 2 && repeats.config.median_seconds !== null) {
        const c = repeats.config;
        return {run: run.id, value: c.median_seconds, interval: {lo: c.min_seconds!, hi: c.max_seconds!, what: `min–max of ${c.n} executions`}};
      }
      const value = run[field];
      return value === null ? {run: run.id, value, status: "no_data", reason: `no total time for ${run.id}`} : {run: run.id, value};
    },
    formula: (report, run) => {
      const c = repeatsOf(report, run.id)?.config;
      return c && c.n >= 2 ? `median 'Total wall time' of ${c.n} executions (min ${c.min_seconds} s, max ${c.max_seconds} s)` : report.total_source;
    }
  };
}

function throughputMetric(field: "combined_seq_per_sec" | "finish_skew_seconds" | "overhead_seconds", description: string, unit: Unit): MetricDef {
  return {
    description,
    unit,
    areas: ["throughput"],
    defaultRuns: "every",
    measure(report, run) {
      const bad = incomplete(run);
      if (bad) return bad;
      const t = report.throughput.find((x) => x.run === run.id);
      const value = t ? t[field] : null;
      return value === null ? {run: run.id, value, status: "no_data", reason: `no ${primaryOf(report)} worker figures for ${run.id}`} : {run: run.id, value};
    },
    formula: () => null
  };
}

/**
 * The metrics a criterion may reference. Units: seconds; times (x); fractions of 1 (0.99 = 99 %).
 */
export const METRICS: Readonly<Record<string, MetricDef>> = {
  "run.total_seconds": runField("total_seconds", "total wall time of the run (where it comes from: the pipeline's total_source), seconds"),
  "scaling.speedup": scalingMetric("speedup", "T(lowest-GPU run) / T(run), x", "times"),
  "scaling.efficiency": scalingMetric("efficiency", "speedup / N, fraction", "fraction"),
  "scaling.karp_flatt": scalingMetric("karp_flatt", "Karp-Flatt serial fraction, fraction", "fraction"),
  "scaling.amdahl_ceiling": scalingMetric("ceiling", "Amdahl ceiling with the GPU-stage share of the lower-GPU run, x", "times"),
  "baseline.speedup": {
    description: "baseline total_seconds / T(run), x (the baseline is external, not measured)",
    unit: "times",
    areas: ["timing", "baseline"],
    defaultRuns: "headline",
    measure(report, run) {
      if (!report.baseline) return {run: run.id, value: null, status: "no_data", reason: "the study declares no baseline"};
      const bad = incomplete(run);
      if (bad) return bad;
      const b = report.baseline.runs.find((x) => x.run === run.id);
      const value = b?.speedup ?? null;
      return value === null ? {run: run.id, value, status: "no_data", reason: `no total time for ${run.id}`} : {run: run.id, value};
    },
    formula(report, run) {
      return report.baseline && run.total_seconds !== null ? `${report.baseline.total_seconds} / ${run.total_seconds}` : null;
    }
  },
  "correctness.consensus.label_agreement": correctnessMetric("consensus", "label_agreement", "consensus label-only agreement with the reference"),
  "correctness.consensus.joint_agreement": correctnessMetric("consensus", "joint_agreement", "consensus label AND scores within tolerance (the upstream script's 'matching')"),
  "correctness.consensus.within_tolerance": correctnessMetric("consensus", "within_tolerance_share", "consensus rows whose scores all lie within tolerance"),
  "correctness.per_frame.label_agreement": correctnessMetric("per_frame", "label_agreement", "per-frame label-only agreement with the reference"),
  "correctness.per_frame.joint_agreement": correctnessMetric("per_frame", "joint_agreement", "per-frame label AND scores within tolerance"),
  "correctness.per_frame.within_tolerance": correctnessMetric("per_frame", "within_tolerance_share", "per-frame rows whose scores all lie within tolerance"),
  "gpu.mean_utilization": gpuMetric("mean_utilization", "mean GPU utilisation during the pipeline's GPU window stage, all devices pooled, fraction"),
  "gpu.median_utilization": gpuMetric("median_utilization", "median GPU utilisation during the GPU window stage, fraction"),
  "gpu.share_at_or_above_80": gpuMetric("share_at_or_above_80", "share of GPU-window samples at or above 80 % utilisation"),
  "packing.efficiency": {
    description: "mean share of the real token budget filled, over every batch (progress line's running pack eff x 4096 / budget), fraction",
    unit: "fraction",
    areas: ["packing"],
    defaultRuns: "every",
    measure(report, run) {
      const bad = incomplete(run);
      if (bad) return bad;
      const p = report.packing.find((x) => x.run === run.id && x.worker === null);
      if (!p || !p.population_batches) return {run: run.id, value: null, status: "no_data", reason: `no ${primaryOf(report)} progress line with 'pack eff' for ${run.id}`};
      if (p.efficiency === null) return {run: run.id, value: null, status: "no_data", reason: `token budget of ${run.id} unknown`};
      return {run: run.id, value: p.efficiency};
    },
    formula(report, run) {
      const p = report.packing.find((x) => x.run === run.id && x.worker === null);
      return p ? `logged pack eff ${p.logged_efficiency} x the pipeline's logging scale / ${p.token_budget ?? "budget"} over ${p.population_batches} batches (population)` : null;
    }
  },
  "throughput.combined_seq_per_sec": throughputMetric("combined_seq_per_sec", "sum of the parallelised GPU stage's workers' seq/s", "rate"),
  "throughput.finish_skew_seconds": throughputMetric("finish_skew_seconds", "spread of the GPU stage workers' completion times, seconds", "seconds"),
  "throughput.overhead_seconds": throughputMetric("overhead_seconds", "parallelised GPU stage time minus the inference span, seconds", "seconds"),
  "io.share_of_checks": {
    description: "I/O-bottleneck lines / bottleneck checks (every 10th batch), fraction",
    unit: "fraction",
    areas: ["gpu"],
    defaultRuns: "every",
    measure(report, run) {
      const bad = incomplete(run);
      if (bad) return bad;
      const io = report.io_warnings.find((x) => x.run === run.id);
      const value = io?.share_of_checks ?? null;
      return value === null ? {run: run.id, value, status: "no_data", reason: `no ${primaryOf(report)} batch lines for ${run.id}`} : {run: run.id, value};
    },
    formula: () => "(mild + critical) / (last batch index / 10)"
  }
};

const SELECTOR = /^(every|headline|gpus=\d+|[A-Za-z0-9_.-]+)$/;

/** Refuse criteria naming an unknown metric or an unreadable run selector. */
export function validateCriteria(specs: readonly CriterionSpec[], file: string): void {
  for (const spec of specs) {
    if (!METRICS[spec.metric]) {
      throw new InputError(`criterion '${spec.id}': unknown metric '${spec.metric}'`, {file, expected: `one of: ${Object.keys(METRICS).join(", ")}`});
    }
    if (spec.run !== undefined && !SELECTOR.test(spec.run)) {
      throw new InputError(`criterion '${spec.id}': run '${spec.run}' is not a selector`, {file, expected: "a run id, 'gpus=N', 'every' or 'headline'"});
    }
  }
}

/** The headline run as v_headline chose it (never re-chosen here). */
export function headlineRun(report: Pick<ReportFigures, "runs" | "headline_run">): ReportRun | undefined {
  return report.runs.find((r) => r.id === report.headline_run);
}

function selectRuns(report: ReportFigures, selector: string): {runs: ReportRun[]; empty: string} {
  if (selector === "every") return {runs: report.runs, empty: "no runs"};
  if (selector === "headline") {
    const h = headlineRun(report);
    return {runs: h ? [h] : [], empty: "no runs"};
  }
  const m = /^gpus=(\d+)$/.exec(selector);
  if (m) return {runs: report.runs.filter((r) => r.gpus === Number(m[1])), empty: `no run with ${m[1]} GPU${m[1] === "1" ? "" : "s"}`};
  return {runs: report.runs.filter((r) => r.id === selector), empty: `no run '${selector}'`};
}


const PRECEDENCE: CriterionStatus[] = ["fail", "invalid", "no_data", "inconclusive", "pass"];

/**
 * Findings that mean a run's figures measure something else than a full, clean run: a resumed run
 * re-timed only part of its work, reused outputs were not recomputed, workers failed or never finished,
 * the stage times do not add up to the total, the summary contradicts its own log, the run used another
 * GPU count or workload than the run it is compared with, a scaling is physically impossible. A
 * criterion reading an affected figure of such a run is `invalid` (the value is still shown), never
 * `pass`. Besides these codes, ANY error-severity finding whose `affects` touches the criterion's areas
 * (a broken artifact, a shared log) has the same effect: evidence with an error cannot support a pass.
 */
export const CONTAMINATING_FINDINGS: ReadonlySet<string> = new Set([
  "resumed_run",
  "stale_output_reused",
  "partial_failure",
  "stage_sum_mismatch",
  "worker_incomplete",
  "summary_contradicts_log",
  "gpu_count_mismatch",
  "log_shared",
  "workload_mismatch",
  "scaling_impossible",
  "negative_overhead"
]);

/**
 * The first contaminating or error finding on `runIds` (or study-wide) that touches one of `areas`;
 * correctness also reads the reference, so the reference's findings count for it.
 */
function contamination(report: ReportFigures, runIds: readonly string[], areas: readonly string[]) {
  const sources = areas.includes("correctness") ? [...runIds, "reference"] : runIds;
  return report.warnings.find(
    (w) =>
      (w.run === null || sources.includes(w.run)) &&
      (w.severity === "error" || (w.severity !== "info" && CONTAMINATING_FINDINGS.has(w.code))) &&
      w.affects.some((a) => areas.includes(a))
  );
}

function where(w: ReportFigures["warnings"][number]): string {
  return w.file ? `${w.file}${w.line !== null ? `:${w.line}` : ""}` : w.ref;
}

function judge(m: Measurement, spec: CriterionSpec): {status: CriterionStatus; reason: string | null} {
  if (m.status) return {status: m.status, reason: m.reason ?? null};
  if (m.value === null) return {status: "no_data", reason: m.reason ?? "value unknown"};
  const ok = meetsTarget(m.value, spec.comparison, spec.target);
  if (m.interval && intervalVerdict(m.interval, spec.comparison, spec.target) === "inconclusive") {
    return {status: "inconclusive", reason: `the ${m.interval.what}, ${significant(m.interval.lo)}–${significant(m.interval.hi)}, straddles the target ${spec.target}`};
  }
  if (m.caveat) return ok ? {status: "inconclusive", reason: m.caveat} : {status: "fail", reason: m.caveat};
  return {status: ok ? "pass" : "fail", reason: null};
}

/** Worst measured value for the comparison (smallest for > / >=, largest for < / <=), with its run. */
function worst(values: Array<{run: string; value: number}>, comparison: CriterionSpec["comparison"]): {run: string; value: number} | null {
  if (values.length === 0) return null;
  const larger = comparison === "<" || comparison === "<=";
  return values.reduce((w, v) => ((larger ? v.value > w.value : v.value < w.value) ? v : w));
}

/**
 * The runs a scaling figure of `runId` reads besides the run itself: the run of its pair, or, when no
 * pair could be formed (a run incomplete), every run with fewer GPUs, since any of them would have been.
 */
function scaledFrom(report: ReportFigures, runId: string): string[] {
  const pair = report.scaling.find((x) => x.to === runId);
  if (pair) return [pair.from];
  const run = report.runs.find((r) => r.id === runId);
  return run ? report.runs.filter((r) => r.gpus < run.gpus).map((r) => r.id) : [];
}

export function evaluateCriterion(report: ReportFigures, spec: CriterionSpec): ReportCriterion {
  const metric = METRICS[spec.metric];
  if (!metric) throw new Error(`unknown metric '${spec.metric}' (validateCriteria first)`);
  const selector = spec.run ?? metric.defaultRuns;
  const {runs, empty} = selectRuns(report, selector);
  const base = {id: spec.id, label: spec.label, metric: spec.metric, comparison: spec.comparison, target: spec.target, display_target: formatTarget(metric.unit, spec.comparison, spec.target)};
  const flags = (selected: string[]) => {
    const compared = spec.metric.startsWith("scaling.") ? [...selected, ...selected.flatMap((id) => scaledFrom(report, id))] : selected;
    // correctness reads the reference too: its findings are flagged (and judged, see contamination)
    const runIds = metric.areas.includes("correctness") ? [...compared, "reference"] : compared;
    const refs = report.warnings.filter((w) => (w.run === null || runIds.includes(w.run)) && w.affects.some((a) => metric.areas.includes(a))).map((w) => w.ref);
    return [...new Set(refs)];
  };
  if (runs.length === 0) {
    return {...base, status: "no_data", value: null, value_run: null, display_value: null, reason: empty, formula: null, flags: flags([])};
  }
  const per = runs.map((run) => {
    const m = metric.measure(report, run);
    const judged = judge(m, spec);
    if (judged.status === "pass" || judged.status === "fail" || judged.status === "inconclusive") {
      // a scaling figure also reads the run it scales from
      const from = spec.metric.startsWith("scaling.") ? report.scaling.find((x) => x.to === run.id)?.from : undefined;
      const taint = contamination(report, from ? [run.id, from] : [run.id], metric.areas);
      if (taint) {
        const who = taint.run === null ? "the study" : taint.run;
        return {run: run.id, value: m.value, status: "invalid" as CriterionStatus, reason: `${who} is contaminated (${taint.code}, ${taint.ref}, ${where(taint)}): ${taint.message}`, interval: null};
      }
    }
    return {run: run.id, value: m.value, ...judged, interval: m.interval ? {lo: m.interval.lo, hi: m.interval.hi} : null};
  });
  const status = PRECEDENCE.find((s) => per.some((p) => p.status === s))!;
  const measured = (p: (typeof per)[number]) => (p.value === null ? [] : [{run: p.run, value: p.value}]);
  const judged = per.filter((p) => p.status === "pass" || p.status === "fail" || p.status === "inconclusive").flatMap(measured);
  const shown = per.length === 1 ? (per[0]!.value === null ? null : {run: per[0]!.run, value: per[0]!.value}) : worst(judged.length ? judged : per.flatMap(measured), spec.comparison);
  const value = shown?.value ?? null;
  const reasons = per.filter((p) => p.reason !== null);
  const reason = reasons.length === 0 ? null : per.length === 1 ? reasons[0]!.reason : reasons.map((p) => `${p.run}: ${p.reason}`).join("; ");
  const criterion: ReportCriterion = {
    ...base,
    status,
    value,
    value_run: shown?.run ?? null,
    display_value: value === null ? null : formatUnit(metric.unit, value),
    reason,
    formula: runs.length === 1 ? metric.formula(report, runs[0]!) : null,
    interval: per.length === 1 ? (per[0]!.interval ?? null) : null,
    flags: flags(runs.map((r) => r.id))
  };
  if (selector !== "headline" && (per.length > 1 || selector === "every")) {
    criterion.per_run = per.map(({interval: _interval, ...p}) => ({...p, display_value: p.value === null ? null : formatUnit(metric.unit, p.value)}));
  }
  return criterion;
}

export function evaluateCriteria(report: ReportFigures, specs: readonly CriterionSpec[]): ReportCriterion[] {
  return specs.map((spec) => evaluateCriterion(report, spec));
}

export function summarize(criteria: readonly ReportCriterion[]): Report["summary"] {
  const met = criteria.filter((c) => c.status === "pass").length;
  // one failed criterion fails the study; otherwise anything not judged leaves it incomplete
  const overall = criteria.some((c) => c.status === "fail") ? "fail" : met === criteria.length ? "pass" : "incomplete";
  return {met, total: criteria.length, overall};
}
