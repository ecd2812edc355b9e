/**
 * The validation report as a document: sections of tables, key/value lists and lines, holding raw
 * (unescaped) strings. format-text.ts and format-markdown.ts only lay it out and escape, so both outputs
 * show the same figures with the same warning references.
 *
 * Order matters to a reader and to the checks on the outputs: the scoreboard comes first and holds no
 * reasons; the warnings follow, so a warning's ref and code first appear together on its own line (with
 * file:line), before the reasons that cite it ("1gpu is contaminated (resumed_run, W1)").
 */
import {METRICS, primaryOf, windowOf} from "../report/criteria.ts";
import {count, duration, formatUnit, mib, NA, num, pct, points, rate, sci, secs, signed, STATUS_WORD, times, watts} from "./format.ts";
import type {Report, ReportCorrectness, ReportCriterion, ReportRun, ReportScaling} from "../report/types.ts";

export type Line = string | {strong: string};
export interface Row {
  cells: string[];
  /** shown under the row in text, in an extra column (`subHead`) in Markdown */
  sub?: string[];
}
export type Block =
  | {kind: "table"; head: string[]; right?: number[]; rows: Row[]; subHead?: string}
  | {kind: "kv"; pairs: Array<[string, string]>}
  | {kind: "lines"; lines: Line[]};
export interface Section {
  title: string;
  level: 2 | 3;
  blocks: Block[];
}
export interface ReportDocument {
  title: string;
  header: Array<[string, string]>;
  verdict: string;
  sections: Section[];
}

/** Refs of the warnings on `runs` (and study-wide ones) touching one of `areas`, in report order. */
function refsOf(report: Report, runs: ReadonlyArray<string | null>, areas: readonly string[]): string[] {
  const touches = (affects: readonly string[]) => affects.some((a) => areas.includes(a));
  const refs = new Set<string>();
  for (const run of report.runs) if (runs.includes(run.id)) for (const f of run.flags) if (touches(f.affects)) refs.add(f.ref);
  for (const w of report.warnings) if (w.run === null && touches(w.affects)) refs.add(w.ref);
  const order = (ref: string) => {
    const i = report.warnings.findIndex((w) => w.ref === ref);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...refs].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
}

/** '2025.0 s (33:45) [W2]' */
function mark(value: string, refs: readonly string[]): string {
  return refs.length ? `${value} [${refs.join(", ")}]` : value;
}

const orNA = (s: string | number | null | undefined) => (s === null || s === undefined || s === "" ? NA : String(s));

/** A criterion figure in its metric's unit; seconds without the clock where space is short. */
function criterionValue(c: ReportCriterion, value: number | null, short = false): string {
  const unit = METRICS[c.metric]?.unit ?? "number";
  return short && unit === "seconds" ? secs(value) : formatUnit(unit, value);
}

function criteriaSections(report: Report): {board: Section; notes: Section | null} {
  const rows: Row[] = report.criteria.map((c) => {
    const areas = METRICS[c.metric]?.areas ?? [];
    const interval = c.interval ? `[${criterionValue(c, c.interval.lo, true)}, ${criterionValue(c, c.interval.hi, true)}]` : "";
    return {
      // a value over several runs names the run it is (the worst one)
      cells: [STATUS_WORD[c.status], c.id, c.label, c.display_value === null ? NA : c.per_run && c.value_run ? `${c.display_value} (${c.value_run})` : c.display_value, c.display_target, interval, c.flags.length ? `[${c.flags.join(", ")}]` : ""],
      sub: c.per_run?.map((p) => `${p.run}: ${STATUS_WORD[p.status]} ${mark(criterionValue(c, p.value), refsOf(report, [p.run], areas))}`)
    };
  });
  const board: Section = {title: "Criteria", level: 2, blocks: [{kind: "table", head: ["Status", "ID", "Criterion", "Value", "Target", "Interval", "Warnings"], rows, subHead: "Per run"}]};
  const notes: Line[] = [];
  for (const c of report.criteria) {
    if (c.reason !== null) notes.push(`${c.id} (${STATUS_WORD[c.status]}): ${c.reason}`);
    if (c.formula !== null) notes.push(`${c.id} formula: ${c.formula}`);
  }
  return {board, notes: notes.length ? {title: "Criteria: reasons and formulas", level: 2, blocks: [{kind: "lines", lines: notes}]} : null};
}

function warningLine(w: Report["warnings"][number]): string {
  const where = w.file ? ` [${w.file}${w.line !== null ? `:${w.line}` : ""}]` : "";
  const scope = [w.run !== null ? `run ${w.run}` : "study-wide", w.affects.length ? `affects ${w.affects.join(", ")}` : ""].filter(Boolean).join("; ");
  return `${w.ref} ${w.severity} ${w.code}: ${w.message}${where} (${scope})`;
}

/** The status with the reason it is not complete (the runner's when it ran it), else the log's outcome. */
export function runStatus(r: Pick<ReportRun, "status" | "status_reason" | "outcome">): string {
  const why = r.status_reason ?? (r.outcome && r.outcome !== "unknown" ? r.outcome : null);
  return why ? `${r.status} (${why})` : r.status;
}

function runsSections(report: Report): Section[] {
  const timing = (r: ReportRun) => refsOf(report, [r.id], ["timing"]);
  const rows = report.runs.map((r) => ({
    cells: [
      r.id,
      orNA(r.label),
      String(r.gpus),
      runStatus(r),
      mark(duration(r.total_seconds), timing(r)),
      mark(secs(r.stage_sum_seconds), timing(r)),
      signed(r.stage_sum_delta, 2),
      orNA(r.model),
      orNA(r.expected_length),
      orNA(r.gpu_names),
      r.flags.length ? `[${r.flags.map((f) => f.ref).join(", ")}]` : ""
    ]
  }));
  const head = ["Run", "Label", "GPUs", "Status", "Total", "Stage sum", "Sum - total", "Model", "Expected length", "GPU names", "Warnings"];
  const sections: Section[] = [{title: "Runs", level: 2, blocks: [{kind: "table", head, right: [2, 4, 5, 6, 8], rows}]}];
  for (const r of report.runs) {
    const pairs: Array<[string, string]> = [
      ["input", orNA(r.input)],
      ["command", r.command ? r.command.map(shellWord).join(" ") : NA],
      ["started / ended", `${orNA(r.started_at)} / ${orNA(r.ended_at)}`],
      ["model source", orNA(r.model_source)],
      ["architecture", orNA(r.architecture)]
    ];
    if (r.config.length) pairs.push(["config", r.config.map((c) => `${c.key}=${c.value}`).join(", ")]);
    sections.push({title: `Run ${r.id}${r.label !== null ? `: ${r.label}` : ""}`, level: 3, blocks: [{kind: "kv", pairs}]});
  }
  return sections;
}

/** Quote an argument only when a shell would split or expand it, so the command can be pasted back. */
function shellWord(arg: string): string {
  return /^[A-Za-z0-9_./:=,+@%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function stagesSection(report: Report): Section {
  const names = new Map<string, {order: number; gpu: boolean}>();
  for (const r of report.runs) for (const s of r.stages) if (!names.has(s.name)) names.set(s.name, {order: s.order ?? Number.MAX_SAFE_INTEGER, gpu: s.is_gpu});
  const ordered = [...names.entries()].sort((a, b) => a[1].order - b[1].order);
  const rows = ordered.map(([name, {gpu}]) => ({
    cells: [
      name,
      gpu ? "GPU" : "",
      ...report.runs.flatMap((r) => {
        const s = r.stages.find((x) => x.name === name);
        if (!s) return [NA, NA];
        if (s.skipped) return ["skipped", NA];
        return [secs(s.seconds), pct(s.share)];
      })
    ]
  }));
  // a column holds one run's figures: its header carries the run's refs
  const head = ["Stage", "GPU", ...report.runs.flatMap((r) => [mark(`${r.id} time`, refsOf(report, [r.id], ["timing"])), mark(`${r.id} share`, refsOf(report, [r.id], ["timing"]))])];
  return {title: "Stages", level: 2, blocks: [{kind: "table", head, right: head.map((_, i) => i).filter((i) => i >= 2), rows}]};
}

function scalingSection(report: Report, s: ReportScaling): Section {
  const refs = refsOf(report, [s.from, s.to], ["timing", "scaling"]);
  const fromRefs = refsOf(report, [s.from], ["timing", "scaling"]);
  const n = s.n;
  const a = s.amdahl;
  const pairs: Array<[string, string]> = [
    ["speedup", mark(`T${s.from_gpus}/T${s.gpus} = ${secs(s.from_seconds)} / ${secs(s.to_seconds)} = ${times(s.speedup)}`, refs)],
    ["efficiency", mark(`${times(s.speedup)} / ${n === null ? NA : num(n, n % 1 ? 2 : 0)} = ${pct(s.efficiency)}`, refs)],
    ["Amdahl ceiling", mark(`GPU-stage share of ${s.from} f = ${pct(a.gpu_fraction)}: 1 / ((1 - f) + f / ${n ?? NA}) = ${times(a.ceiling, 3)}`, fromRefs)],
    ["Karp-Flatt serial fraction", mark(`(1/S - 1/N) / (1 - 1/N) = ${pct(a.karp_flatt)}`, refs)]
  ];
  // only the pipeline's primary GPU stage scales ("<primary>-only ceiling"); a pipeline without one has no such row
  const primary = report.stage_labels.primary_gpu;
  if (primary !== null) pairs.splice(3, 0, [`${primary}-only ceiling`, mark(`${primary} share of ${s.from} f = ${pct(a.primary_only_fraction)}: ${times(a.primary_only_ceiling, 3)}`, fromRefs)]);
  const blocks: Block[] = [{kind: "kv", pairs}];
  if (s.stages.length) {
    const stageRows = s.stages.map((st) => ({
      cells: [st.name, secs(st.from_seconds), secs(st.to_seconds), signed(st.delta_seconds), times(st.speedup), pct(st.efficiency)]
    }));
    const toRefs = refsOf(report, [s.to], ["timing"]);
    const head = ["Stage", mark(`${s.from} time`, fromRefs), mark(`${s.to} time`, toRefs), mark("Delta", refs), mark("Speedup", refs), mark("Efficiency", refs)];
    blocks.push({kind: "table", head, right: [1, 2, 3, 4, 5], rows: stageRows});
  }
  if (s.what_if.length) {
    const rows = s.what_if.map((w) => ({cells: [w.label, duration(w.total_seconds), times(w.speedup, 3), w.formula]}));
    blocks.push({kind: "lines", lines: ["What if:"]}, {kind: "table", head: ["Scenario", "Total", "Speedup", "Formula"], right: [1, 2], rows});
  }
  return {title: `Scaling ${s.from} -> ${s.to} (${s.from_gpus} -> ${s.gpus} GPUs)`, level: 2, blocks};
}

function baselineSections(report: Report): Section[] {
  const b = report.baseline;
  if (!b) return [];
  const rows = b.runs.map((r) => ({
    cells: [r.run, String(r.gpus), mark(duration(r.total_seconds), refsOf(report, [r.run], ["timing"])), mark(times(r.speedup), refsOf(report, [r.run], ["timing", "baseline"])), r.run === b.run ? "headline" : ""]
  }));
  const lines: Line[] = [
    `${b.label}: ${duration(b.total_seconds)} (EXTERNAL: declared in the study, not measured by benchbook)`,
    `headline: ${b.run ?? NA} at ${mark(times(b.speedup), refsOf(report, [b.run], ["timing", "baseline"]))} over the baseline`
  ];
  return [{title: "Baseline (external)", level: 2, blocks: [{kind: "lines", lines}, {kind: "table", head: ["Run", "GPUs", "Total", "Speedup vs baseline", "Note"], right: [1, 2, 3], rows}]}];
}

const modelOf = (model: string | null, length: number | null) => `${model ?? NA} (${length === null ? NA : `${length} bp`})`;

function correctnessSection(report: Report, c: ReportCorrectness): Section {
  const refs = refsOf(report, [c.run], ["correctness"]);
  const level = c.level === "per_frame" ? "per-frame" : "consensus";
  const lines: Line[] = [];
  if (c.model_match === false) lines.push({strong: `MODEL MISMATCH: run ${c.run} ${modelOf(c.run_model, c.run_expected_length)} vs reference ${modelOf(c.reference_model, c.reference_expected_length)}`});
  const derived = [c.derived_consensus.run ? "run" : "", c.derived_consensus.reference ? "reference" : ""].filter(Boolean);
  if (derived.length) lines.push(`consensus of the ${derived.join(" and ")} derived from its per-frame rows (its consensus file has no scores)`);
  if (!c.scores_compared) lines.push("scores not compared at this level (a side has no scores)");
  const d = c.score_diff;
  const pairs: Array<[string, string]> = [
    ["rows", `${count(c.compared)} compared, ${count(c.missing)} missing, ${count(c.extra)} extra (reference ${count(c.reference_rows)}, run ${count(c.run_rows)})`],
    ["label mismatches", count(c.label_mismatches)],
    ["label agreement", pct(c.label_agreement, 2)],
    ["within tolerance", `${count(c.within_tolerance)} (${pct(c.within_tolerance_share, 2)}) at |diff| <= ${c.tolerance}`],
    ["joint agreement", pct(c.joint_agreement, 2)],
    ["score diff", `mean ${sci(d.mean)}, median ${sci(d.median)}, p99 ${sci(d.p99)}, max ${sci(d.max)}`],
    ["models", `run ${modelOf(c.run_model, c.run_expected_length)}, reference ${modelOf(c.reference_model, c.reference_expected_length)}: ${c.model_match === null ? "match unknown" : c.model_match ? "match" : "MISMATCH"}`]
  ];
  const blocks: Block[] = [
    ...(lines.length ? [{kind: "lines", lines} as Block] : []),
    {kind: "kv", pairs: pairs.map(([key, value]) => [key, mark(value, refs)])},
    confusionTable(report, c)
  ];
  if (c.mismatches_total === 0) blocks.push({kind: "lines", lines: ["no mismatching rows"]});
  else {
    blocks.push({kind: "lines", lines: [`mismatching rows: ${count(c.mismatches.length)} of ${count(c.mismatches_total)} shown (label mismatches first, then by score difference)`]});
    const rows = c.mismatches.map((m) => ({cells: [m.id, m.reference_label, m.run_label, num(m.reference_virus, 4), num(m.run_virus, 4), sci(m.diff)]}));
    const score = report.classes ? `${report.classes.positive} score` : "score";
    blocks.push({kind: "table", head: ["ID", "Reference label", "Run label", `Reference ${score}`, `Run ${score}`, "Diff"], right: [3, 4, 5], rows});
  }
  return {title: `Correctness: ${c.run} vs ${c.reference}, ${level}`, level: 3, blocks};
}

/**
 * Reference label against run label, in the pipeline's class names (profile classes). Without two classes
 * the labels were compared for equality: rows with the reference's label against rows with another.
 */
function confusionTable(report: Report, c: ReportCorrectness): Block {
  const k = c.confusion;
  const cl = report.classes;
  if (!cl) return {kind: "table", head: ["reference \\ run", "same label", "other label"], right: [1, 2], rows: [{cells: ["reference label", count(k.virus_virus), count(k.virus_others)]}]};
  return {
    kind: "table",
    head: ["reference \\ run", cl.positive, cl.negative],
    right: [1, 2],
    rows: [
      {cells: [cl.positive, count(k.virus_virus), count(k.virus_others)]},
      {cells: [cl.negative, count(k.others_virus), count(k.others_others)]}
    ]
  };
}

/** Sections of the optional families (throughput, packing, GPU, I/O), each only when the pipeline has the family. */
function familySections(report: Report): Section[] {
  const has = (family: Report["families"][number]) => report.families.includes(family);
  const r = (run: string, areas: string[]) => refsOf(report, [run], areas);
  const sections: Section[] = [];
  if (has("throughput") && report.throughput.length) {
    const workers = report.throughput.flatMap((t) =>
      t.workers.map((w) => {
        const m = (s: string) => mark(s, r(t.run, ["throughput"]));
        return {cells: [t.run, String(w.worker), orNA(w.device_name), m(count(w.sequences)), m(rate(w.seq_per_sec)), m(rate(w.tokens_per_sec, 0)), m(secs(w.inference_seconds)), m(count(w.batches)), orNA(w.completed_at)]};
      })
    );
    const runs = report.throughput.map((t) => {
      const m = (s: string) => mark(s, r(t.run, ["throughput"]));
      return {cells: [t.run, String(t.workers.length), m(rate(t.combined_seq_per_sec)), m(rate(t.combined_tokens_per_sec, 0)), m(secs(t.finish_skew_seconds)), m(secs(t.stage_seconds)), m(secs(t.inference_span_seconds)), m(secs(t.overhead_seconds)), m(secs(t.hdf5_conversion_seconds))]};
    });
    sections.push({
      title: `${primaryOf(report)} throughput`,
      level: 2,
      blocks: [
        {kind: "table", head: ["Run", "Workers", "Combined seq/s", "Combined tokens/s", "Finish skew", `${report.stage_labels.primary_gpu ?? "GPU"} stage`, "Inference span", "Overhead", "HDF5 conversion"], right: [1, 2, 3, 4, 5, 6, 7, 8], rows: runs},
        {kind: "table", head: ["Run", "Worker", "Device", "Sequences", "seq/s", "tokens/s", "Inference", "Batches", "Completed at"], right: [1, 3, 4, 5, 6, 7], rows: workers}
      ]
    });
  }
  if (has("packing") && report.packing.length) {
    const rows = report.packing.map((p) => {
      const m = (s: string) => mark(s, r(p.run, ["packing"]));
      return {
        cells: [p.run, p.worker === null ? "all" : String(p.worker), count(p.token_budget), m(pct(p.efficiency)), `${p.method} (${count(p.population_batches)} batches)`,
          m(pct(p.sampled_efficiency)), `${p.sampled_method} (${count(p.sampled_batches)} lines)`, points(p.sampled_difference), m(pct(p.logged_efficiency))]
      };
    });
    const scale = report.logged_packing_scale ?? "logged";
    const head = ["Run", "Worker", "Token budget", "Efficiency", "Method", "Sampled (cross-check)", "Sample method", "Sample − efficiency (points)", `Logged (${scale} scale)`];
    const note: Line = `Efficiency is the mean over every batch (the progress line's running 'pack eff' x ${scale} / budget); the sample is the DataLoader lines, one batch in ten.`;
    sections.push({title: "Packing", level: 2, blocks: [{kind: "table", head, right: [2, 3, 5, 7, 8], rows}, {kind: "lines", lines: [note]}]});
  }
  if (has("gpu") && (report.gpu_runs.length || report.gpu.length)) {
    const lines: Line[] = report.gpu_runs.filter((g) => g.duplicated).map((g) => ({strong: `DUPLICATED GPU SAMPLES: all ${g.monitors} monitors of ${g.run} sampled one device, ${g.unmeasured_gpus} GPU(s) unmeasured`}));
    const runRows = report.gpu_runs.map((g) => {
      const m = (s: string) => mark(s, r(g.run, ["gpu"]));
      const note = [g.duplicated ? "duplicated" : "", g.has_window ? "" : `no ${windowOf(report)} window`, g.unmeasured_gpus > 0 ? `${g.unmeasured_gpus} unmeasured` : ""].filter(Boolean).join(", ");
      return {cells: [g.run, orNA(g.gpus), String(g.devices), String(g.monitors), `${count(g.samples)} / ${count(g.samples_total)}`, m(pct(g.coverage)), m(pct(g.mean_utilization)), m(pct(g.median_utilization)), m(pct(g.p10_utilization)), m(pct(g.share_at_or_above_80)), note]};
    });
    const deviceRows = report.gpu.map((g) => {
      const m = (s: string) => mark(s, r(g.run, ["gpu"]));
      return {cells: [g.run, String(g.device), String(g.monitor_count), count(g.samples), m(pct(g.coverage)), m(pct(g.mean_utilization)), m(pct(g.median_utilization)), m(pct(g.p10_utilization)), m(pct(g.share_at_or_above_80)), watts(g.mean_power_watts), mib(g.peak_memory_mib), g.duplicated ? "DUPLICATED" : ""]};
    });
    const util = ["Mean", "Median", "P10", ">= 80 %"];
    sections.push({
      title: `GPU utilization during ${windowOf(report)}`,
      level: 2,
      blocks: [
        ...(lines.length ? [{kind: "lines", lines} as Block] : []),
        {kind: "table", head: ["Run", "GPUs", "Devices", "Monitors", `Samples (${report.stage_labels.gpu_window ?? "window"} / all)`, "Coverage", ...util, "Note"], right: [1, 2, 3, 4, 5, 6, 7, 8, 9], rows: runRows},
        {kind: "table", head: ["Run", "Device", "Monitors", "Samples", "Coverage", ...util, "Mean power", "Peak memory", "Note"], right: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], rows: deviceRows}
      ]
    });
  }
  if (has("io_warnings") && report.io_warnings.length) {
    const rows = report.io_warnings.map((w) => {
      const m = (s: string) => mark(s, r(w.run, ["gpu"]));
      return {cells: [w.run, m(count(w.mild)), m(count(w.critical)), count(w.checks), m(pct(w.share_of_checks)), pct(w.min_utilization), pct(w.max_utilization)]};
    });
    sections.push({title: "I/O bottleneck warnings", level: 2, blocks: [{kind: "table", head: ["Run", "Mild", "Critical", "Checks", "Share of checks", "Min utilization", "Max utilization"], right: [1, 2, 3, 4, 5, 6], rows}]});
  }
  return sections;
}

/** `benchbook run --repeat N`: the spread of totals and the bootstrap interval of the scaling figures. */
function repeatsSections(report: Report): Section[] {
  const rep = report.repeats;
  if (!rep) return [];
  const interval = (i: {lo: number; hi: number} | null, f: (x: number) => string) => (i ? `[${f(i.lo)}, ${f(i.hi)}]` : NA);
  const configs = rep.configurations.map((c) => ({
    cells: [c.run_id, String(c.gpus), `${c.succeeded} / ${c.executions}`, String(c.n), secs(c.median_seconds), `${secs(c.min_seconds)} - ${secs(c.max_seconds)}`, `${secs(c.q1_seconds)} - ${secs(c.q3_seconds)}`, secs(c.iqr_seconds), c.statuses.join(", ")]
  }));
  const scaling = rep.scaling.map((s) => ({
    cells: [`${s.from} -> ${s.to}`, `${s.n_from} / ${s.n_to}`, times(s.speedup), interval(s.speedup_interval, (x) => times(x)), pct(s.efficiency), interval(s.efficiency_interval, (x) => pct(x)), `${pct(s.level, 0)}, ${count(s.iterations)} resamples, seed ${s.seed}`]
  }));
  const blocks: Block[] = [{kind: "table", head: ["Run", "GPUs", "Succeeded", "n", "Median", "Min - max", "Q1 - Q3", "IQR", "Executions"], right: [1, 3, 4, 5, 6, 7], rows: configs}];
  if (scaling.length) blocks.push({kind: "table", head: ["Scaling", "n", "Speedup (medians)", "Interval", "Efficiency", "Interval", "Bootstrap"], right: [2, 3, 4, 5], rows: scaling});
  return [{title: "Repeated executions", level: 2, blocks}];
}

export function buildDocument(report: Report): ReportDocument {
  const ref = report.reference;
  const header: Array<[string, string]> = [
    ["release", report.release],
    ["study", report.study_file],
    ["benchbook", report.benchbook_version],
    ["pipeline", report.pipeline],
    ["reference", ref ? `${ref.label}, model ${modelOf(ref.model, ref.expected_length)}, source ${orNA(ref.model_source)}` : NA],
    ["score tolerance", String(report.tolerance)]
  ];
  const {met, total, overall} = report.summary;
  const {board, notes} = criteriaSections(report);
  const warnings: Section = {title: "Warnings", level: 2, blocks: [{kind: "lines", lines: report.warnings.length ? report.warnings.map(warningLine) : ["none"]}]};
  const correctness: Section[] = report.correctness.length ? [{title: "Correctness", level: 2, blocks: []}, ...report.correctness.map((c) => correctnessSection(report, c))] : [];
  return {
    title: report.title,
    header,
    verdict: `OVERALL: ${overall.toUpperCase()} — ${met}/${total} criteria met`,
    sections: [
      board,
      warnings,
      ...(notes ? [notes] : []),
      ...runsSections(report),
      stagesSection(report),
      ...report.scaling.map((s) => scalingSection(report, s)),
      ...repeatsSections(report),
      ...baselineSections(report),
      ...correctness,
      ...familySections(report)
    ]
  };
}
