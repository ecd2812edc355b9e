/**
 * Builds the Report from the SQL views (metrics/views.ts). No figure is computed here: rows are read,
 * shaped into the report types and handed to the criteria. File paths are made relative to the study
 * folder so the same inputs give the same report wherever the study lives (archives compare bytes).
 */
import path from "node:path";
import type {DuckDBConnection} from "@duckdb/node-api";
import {queryRows} from "../db/duckdb.ts";
import type {CriterionSpec} from "../study.ts";
import {evaluateCriteria, summarize, validateCriteria, type ReportFigures} from "./criteria.ts";
import type {
  Report,
  ReportBaseline,
  ReportCorrectness,
  ReportFlag,
  ReportGpu,
  ReportGpuRun,
  ReportIoWarnings,
  ReportPacking,
  ReportRepeats,
  ReportRun,
  ReportScaling,
  ReportStage,
  ReportThroughput,
  ReportWarning,
  ReportWorker,
  Status
} from "./types.ts";
import {mismatchView} from "../metrics/correctness.ts";
import {hasStoredCorrectness, installViews, pipelineViewSql, storeAllViewResults, storedViewSql, viewSql} from "../metrics/views.ts";
import {hasStoredViewResults} from "../metrics/view-cache.ts";
import {repeatStatistics} from "../ingest/executions.ts";
import {BENCHBOOK_VERSION} from "../version.ts";
import {num, secs} from "../render/format.ts";
import {OPTIONAL_FAMILIES, type OptionalFamily} from "../ingest/adapter.ts";

export interface BuildReportOptions {
  /** the study's criteria; the pipeline's defaults (stored at ingest) when absent or empty */
  criteria?: readonly CriterionSpec[];
  /** mismatching rows listed per run and level (the full list stays in the database) */
  mismatchLimit?: number;
}

type Row = Record<string, any>;

export async function buildReport(connection: DuckDBConnection, options: BuildReportOptions = {}): Promise<Report> {
  // every figure below reads views whose rows ingest stored; a database without them (a metric test's
  // fixture, a hand-made database) gets them computed once for this report, in TEMP tables, rather than
  // each query planning the whole stack of views again
  if (await hasStoredViewResults(connection)) await installViews(connection);
  else await storeAllViewResults(connection, {temporary: true});
  const q = (sql: string) => queryRows<Row>(connection, sql);
  const release = (await q("SELECT * FROM v_release"))[0];
  if (!release) throw new Error("the database holds no study (run `benchbook ingest` first)");
  const studyDir = path.dirname(release.study_file);
  const rel = (file: string | null | undefined) => relativePath(file, studyDir);

  const warnings = await readWarnings(q, rel);
  const profile = await readProfileNames(connection);
  const runs = await readRuns(q, warnings, rel);
  const figures: ReportFigures = {
    benchbook_version: BENCHBOOK_VERSION,
    release: release.release,
    title: release.title,
    pipeline: release.pipeline,
    stage_roles: await readStageRoles(connection),
    stage_labels: profile.stage_labels,
    classes: profile.classes,
    families: profile.families,
    total_source: profile.total_source,
    logged_packing_scale: profile.logged_packing_scale,
    study_file: path.basename(release.study_file),
    reference: await readReference(q, release),
    tolerance: release.tolerance,
    runs,
    headline_run: ((await q("SELECT run_id FROM v_headline"))[0]?.run_id as string | undefined) ?? null,
    scaling: await readScaling(q, profile.stage_labels),
    baseline: await readBaseline(q),
    correctness: await readCorrectness(q, options.mismatchLimit ?? 50),
    throughput: await readThroughput(q),
    packing: await readPacking(q, rel),
    gpu: await readGpu(q),
    gpu_runs: await readGpuRuns(q),
    io_warnings: await readIoWarnings(q),
    repeats: await readRepeats(connection, q),
    warnings,
    // the SQL that runs against this database: over the stored comparison when ingest wrote one
    sql: {...((await hasStoredCorrectness(connection)) ? storedViewSql() : viewSql()), ...(await pipelineViewSql(connection))}
  };
  const specs = options.criteria && options.criteria.length > 0 ? options.criteria : await defaultCriteria(connection);
  validateCriteria(specs, release.study_file);
  const criteria = evaluateCriteria(figures, specs);
  return {...figures, criteria, summary: summarize(criteria)};
}

function relativePath(file: string | null | undefined, dir: string): string | null {
  if (!file) return file ?? null;
  if (!path.isAbsolute(file)) return file;
  const r = path.relative(dir, file);
  return r.startsWith("..") || path.isAbsolute(r) ? file : r.split(path.sep).join("/") || ".";
}

const SEVERITY_ORDER = "CASE w.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END";

async function readWarnings(q: (sql: string) => Promise<Row[]>, rel: (f: string | null) => string | null): Promise<ReportWarning[]> {
  // study-level first, then runs in study order; within a run by severity, then where in the file
  const rows = await q(`
    SELECT w.run_id, w.code, w.severity, w.message, w.file, w.line, w.affects
    FROM v_warnings w LEFT JOIN runs r ON r.run_id = w.run_id
    ORDER BY w.run_id IS NOT NULL, r.ord NULLS FIRST, ${SEVERITY_ORDER}, w.src, w.file NULLS FIRST, w.line NULLS FIRST, w.code, w.message`);
  return rows.map((w, i) => ({
    ref: `W${i + 1}`,
    code: w.code,
    severity: w.severity,
    message: w.message,
    run: w.run_id ?? null,
    file: rel(w.file),
    line: w.line ?? null,
    affects: w.affects ? String(w.affects).split(",").filter(Boolean) : []
  }));
}

async function readRuns(q: (sql: string) => Promise<Row[]>, warnings: ReportWarning[], rel: (f: string | null) => string | null): Promise<ReportRun[]> {
  const timing = await q("SELECT * FROM v_run_timing ORDER BY ord");
  const stages = await q("SELECT * FROM v_stage_timing ORDER BY run_id, ord NULLS LAST, stage");
  const config = await q("SELECT run_id, key, value FROM run_config ORDER BY run_id, key");
  const artifacts = await q("SELECT run_id, kind, path, bytes::DOUBLE AS bytes, sha256, rows::DOUBLE AS rows FROM artifacts ORDER BY run_id, kind, path");
  return timing.map((t): ReportRun => ({
    id: t.run_id,
    label: t.label ?? null,
    gpus: t.gpus,
    status: t.status as Status,
    status_reason: t.status_reason ?? null,
    outcome: t.outcome ?? null,
    total_seconds: t.total_seconds ?? null,
    total_hms: t.total_hms ?? null,
    stage_sum_seconds: t.stage_sum_seconds ?? null,
    gpu_stage_seconds: t.gpu_stage_seconds ?? null,
    cpu_stage_seconds: t.cpu_stage_seconds ?? null,
    model: t.model_path ?? null,
    expected_length: t.expected_length ?? null,
    model_source: t.model_source ?? null,
    architecture: t.architecture ?? null,
    gpu_names: t.gpu_names ?? null,
    input: t.input_path ?? null,
    command: t.command ? (JSON.parse(t.command) as string[]) : null,
    started_at: t.first_at ?? null,
    ended_at: t.last_at ?? null,
    stages: stages.filter((s) => s.run_id === t.run_id).map(
      (s): ReportStage => ({
        name: s.stage,
        order: s.ord ?? null,
        seconds: s.seconds ?? null,
        share: s.share ?? null,
        skipped: s.skipped,
        is_gpu: s.is_gpu,
        started_at: s.started_at ?? null,
        ended_at: s.ended_at ?? null
      })
    ),
    config: config.filter((c) => c.run_id === t.run_id).map((c) => ({key: c.key, value: c.value})),
    artifacts: artifacts
      .filter((a) => a.run_id === t.run_id)
      .map((a) => ({kind: a.kind, path: rel(a.path) ?? a.path, bytes: a.bytes ?? null, sha256: a.sha256 ?? null, rows: a.rows ?? null})),
    stage_sum_delta: t.stage_sum_delta ?? null,
    flags: warnings
      .filter((w) => w.run === t.run_id && w.severity !== "info" && w.affects.length > 0)
      .map((w): ReportFlag => ({ref: w.ref, code: w.code, severity: w.severity, affects: w.affects}))
  }));
}

async function readReference(q: (sql: string) => Promise<Row[]>, release: Row): Promise<Report["reference"]> {
  const ref = (await q("SELECT model_path, expected_length, model_source FROM runs WHERE role = 'reference' ORDER BY ord LIMIT 1"))[0];
  if (!ref && !release.reference_label) return null;
  return {
    label: release.reference_label ?? "reference",
    model: ref?.model_path ?? null,
    expected_length: ref?.expected_length ?? null,
    model_source: ref?.model_source ?? null
  };
}

async function readScaling(q: (sql: string) => Promise<Row[]>, labels: Report["stage_labels"]): Promise<ReportScaling[]> {
  const pairs = await q("SELECT * FROM v_scaling ORDER BY to_gpus, to_ord");
  const stages = await q("SELECT * FROM v_scaling_stages ORDER BY from_run, to_run, ord NULLS LAST, stage");
  return pairs.map((p): ReportScaling => {
    const whatIf: ReportScaling["what_if"] = [];
    const replace = (label: string, column: string, divisor: string) => {
      const total = p[column] as number | null;
      if (total === null || total === undefined || p[`${column}_speedup`] == null) return;
      whatIf.push({
        label,
        total_seconds: total,
        speedup: p[`${column}_speedup`],
        formula: `${p.to_seconds} - ${p.secondary_to} + ${p.secondary_from} / ${divisor} = ${secs(total)}`
      });
    };
    // the stages as the pipeline's profile calls them ("<secondary> scaled like <primary>")
    const {primary_gpu: primary, secondary_gpu: secondary} = labels;
    replace(`${secondary} scaled like ${primary}`, "what_if_secondary_like_primary", num(p.primary_speedup, 3));
    replace(`${secondary} scaled 1.5x`, "what_if_secondary_1_5x", "1.5");
    replace(`${secondary} scaled ideally`, "what_if_secondary_ideal", String(p.n));
    return {
      from: p.from_run,
      to: p.to_run,
      gpus: p.to_gpus,
      from_gpus: p.from_gpus,
      n: p.n,
      from_seconds: p.from_seconds,
      to_seconds: p.to_seconds,
      speedup: p.speedup,
      efficiency: p.efficiency,
      stages: stages
        .filter((s) => s.from_run === p.from_run && s.to_run === p.to_run)
        .map((s) => ({
          name: s.stage,
          from_seconds: s.from_seconds ?? null,
          to_seconds: s.to_seconds ?? null,
          delta_seconds: s.delta_seconds ?? null,
          speedup: s.speedup ?? null,
          efficiency: s.efficiency ?? null
        })),
      amdahl: {
        gpu_fraction: p.gpu_fraction ?? null,
        ceiling: p.ceiling ?? null,
        primary_only_fraction: p.primary_only_fraction ?? null,
        primary_only_ceiling: p.primary_only_ceiling ?? null,
        esm_only_fraction: p.primary_only_fraction ?? null,
        esm_only_ceiling: p.primary_only_ceiling ?? null,
        karp_flatt: p.karp_flatt ?? null
      },
      what_if: whatIf
    };
  });
}

async function readBaseline(q: (sql: string) => Promise<Row[]>): Promise<ReportBaseline | null> {
  const rows = await q("SELECT * FROM v_baseline ORDER BY ord");
  if (rows.length === 0) {
    const rel = (await q("SELECT baseline_label, baseline_total_seconds FROM v_release"))[0];
    if (!rel || rel.baseline_total_seconds === null) return null;
    return {label: rel.baseline_label, total_seconds: rel.baseline_total_seconds, external: true, speedup: null, run: null, runs: []};
  }
  const headline = rows.find((r) => r.headline);
  return {
    label: rows[0]!.label,
    total_seconds: rows[0]!.baseline_seconds,
    external: true,
    speedup: headline?.speedup ?? null,
    run: headline?.run_id ?? null,
    runs: rows.map((r) => ({run: r.run_id, gpus: r.gpus, total_seconds: r.total_seconds ?? null, speedup: r.speedup ?? null}))
  };
}

async function readCorrectness(q: (sql: string) => Promise<Row[]>, limit: number): Promise<ReportCorrectness[]> {
  const rows = await q("SELECT * FROM v_correctness ORDER BY ord, CASE level WHEN 'per_frame' THEN 0 ELSE 1 END");
  const top = Math.max(0, Math.floor(limit));
  const mismatches = await q(`SELECT * REPLACE (bb_class(reference_label) AS reference_label, bb_class(run_label) AS run_label) FROM ${mismatchView(top)} WHERE rank <= ${top} ORDER BY run_id, level, rank`);
  const histogram = await q("SELECT * FROM v_correctness_histogram ORDER BY run_id, level, k NULLS FIRST");
  return rows.map((c): ReportCorrectness => ({
    run: c.run_id,
    level: c.level,
    reference: "reference",
    compared: c.compared,
    missing: c.missing,
    extra: c.extra,
    label_mismatches: c.label_mismatches,
    label_agreement: c.label_agreement ?? null,
    within_tolerance: c.within_tolerance ?? null,
    within_tolerance_share: c.within_tolerance_share ?? null,
    reference_rows: c.reference_rows,
    run_rows: c.run_rows,
    joint_agreement: c.joint_agreement ?? null,
    tolerance: c.tolerance,
    score_diff: {mean: c.diff_mean ?? null, median: c.diff_median ?? null, p99: c.diff_p99 ?? null, max: c.diff_max ?? null},
    confusion: {virus_virus: c.virus_virus, virus_others: c.virus_others, others_virus: c.others_virus, others_others: c.others_others},
    model_match: c.model_match ?? null,
    run_model: c.run_model ?? null,
    reference_model: c.reference_model ?? null,
    run_expected_length: c.run_expected_length ?? null,
    reference_expected_length: c.reference_expected_length ?? null,
    derived_consensus: {run: c.run_derived, reference: c.reference_derived},
    scores_compared: c.scores_compared,
    mismatches_total: c.mismatches_total,
    mismatches: mismatches
      .filter((m) => m.run_id === c.run_id && m.level === c.level)
      .map((m) => ({
        id: m.id,
        reference_label: m.reference_label,
        run_label: m.run_label,
        reference_virus: m.reference_virus ?? null,
        run_virus: m.run_virus ?? null,
        diff: m.diff ?? null
      })),
    diff_histogram: histogram.filter((h) => h.run_id === c.run_id && h.level === c.level).map((h) => ({bin_lo: h.bin_lo, bin_hi: h.bin_hi, rows: h.rows}))
  }));
}

async function readThroughput(q: (sql: string) => Promise<Row[]>): Promise<ReportThroughput[]> {
  const rows = await q("SELECT t.* FROM v_throughput t JOIN runs r USING (run_id) ORDER BY r.ord");
  const workers = await q(`SELECT run_id, worker, device_name, sequences::DOUBLE AS sequences, seq_per_sec, tokens_per_sec,
      started_at, inference_started_at, completed_at, inference_seconds, batches::DOUBLE AS batches,
      (SELECT sum(tokens)::DOUBLE FROM batches b WHERE b.run_id = w.run_id AND b.worker = w.worker AND b.kind = 'dataloader') AS tokens
    FROM v_throughput_workers w ORDER BY run_id, worker`);
  return rows.map((t) => ({
    run: t.run_id,
    workers: workers.filter((w) => w.run_id === t.run_id).map(
      (w): ReportWorker => ({
        run: w.run_id,
        worker: w.worker,
        device_name: w.device_name ?? null,
        sequences: w.sequences ?? null,
        seq_per_sec: w.seq_per_sec ?? null,
        tokens_per_sec: w.tokens_per_sec ?? null,
        started_at: w.started_at ?? null,
        inference_started_at: w.inference_started_at ?? null,
        completed_at: w.completed_at ?? null,
        inference_seconds: w.inference_seconds ?? null,
        batches: w.batches ?? null,
        tokens: w.tokens ?? null
      })
    ),
    combined_seq_per_sec: t.combined_seq_per_sec ?? null,
    combined_tokens_per_sec: t.combined_tokens_per_sec ?? null,
    finish_skew_seconds: t.finish_skew_seconds ?? null,
    stage_seconds: t.stage_seconds ?? null,
    inference_span_seconds: t.inference_span_seconds ?? null,
    overhead_seconds: t.overhead_seconds ?? null,
    hdf5_conversion_seconds: t.hdf5_conversion_seconds ?? null
  }));
}

async function readPacking(q: (sql: string) => Promise<Row[]>, rel: (f: string | null) => string | null): Promise<ReportPacking[]> {
  const rows = await q(`SELECT p.* REPLACE (p.sampled_tokens::DOUBLE AS sampled_tokens)
    FROM v_packing p JOIN runs r USING (run_id) ORDER BY r.ord, p.worker NULLS FIRST`);
  return rows.map((p) => ({
    run: p.run_id,
    worker: p.worker ?? null,
    token_budget: p.token_budget ?? null,
    efficiency: p.efficiency ?? null,
    method: p.method,
    population_batches: p.population_batches ?? null,
    sampled_efficiency: p.sampled_efficiency ?? null,
    sampled_method: p.sampled_method,
    sampled_batches: p.sampled_batches ?? null,
    sampled_tokens: p.sampled_tokens ?? null,
    sampled_difference: p.sampled_difference ?? null,
    logged_efficiency: p.logged_efficiency ?? null,
    file: rel(p.file ?? null),
    line: p.line ?? null
  }));
}

async function readGpu(q: (sql: string) => Promise<Row[]>): Promise<ReportGpu[]> {
  const rows = await q("SELECT g.*, coalesce(d.duplicated, false) AS run_duplicated FROM v_gpu g JOIN runs r USING (run_id) LEFT JOIN v_gpu_run d USING (run_id) ORDER BY r.ord, g.device");
  return rows.map((g) => ({
    run: g.run_id,
    device: g.device,
    monitor_count: g.monitor_count,
    samples: g.samples,
    window_start: g.window_start ?? null,
    window_end: g.window_end ?? null,
    mean_utilization: g.mean_utilization ?? null,
    median_utilization: g.median_utilization ?? null,
    p10_utilization: g.p10_utilization ?? null,
    share_at_or_above_80: g.share_at_or_above_80 ?? null,
    mean_power_watts: g.mean_power_watts ?? null,
    peak_memory_mib: g.peak_memory_mib ?? null,
    duplicated: g.run_duplicated,
    sample_interval_seconds: g.sample_interval_seconds ?? null,
    window_seconds: g.window_seconds ?? null,
    coverage: g.coverage ?? null
  }));
}

async function readGpuRuns(q: (sql: string) => Promise<Row[]>): Promise<ReportGpuRun[]> {
  const rows = await q("SELECT * FROM v_gpu_run ORDER BY ord");
  return rows.map((g) => ({
    run: g.run_id,
    gpus: g.gpus ?? null,
    samples_total: g.samples_total,
    samples: g.samples,
    monitors: g.monitors,
    devices: g.devices,
    has_window: g.has_window,
    mean_utilization: g.mean_utilization ?? null,
    median_utilization: g.median_utilization ?? null,
    p10_utilization: g.p10_utilization ?? null,
    share_at_or_above_80: g.share_at_or_above_80 ?? null,
    duplicated: g.duplicated,
    unmeasured_gpus: g.unmeasured_gpus,
    coverage: g.coverage ?? null
  }));
}

async function readIoWarnings(q: (sql: string) => Promise<Row[]>): Promise<ReportIoWarnings[]> {
  const rows = await q("SELECT i.* FROM v_io_warnings i JOIN runs r USING (run_id) ORDER BY r.ord");
  return rows.map((i) => ({
    run: i.run_id,
    mild: i.mild,
    critical: i.critical,
    checks: i.checks ?? null,
    share_of_checks: i.share_of_checks ?? null,
    min_utilization: i.min_utilization ?? null,
    max_utilization: i.max_utilization ?? null
  }));
}

/** Statistics over repeated executions; null unless some run was executed more than once. */
async function readRepeats(connection: DuckDBConnection, q: (sql: string) => Promise<Row[]>): Promise<ReportRepeats | null> {
  const [{n}] = (await q("SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'executions'")) as [{n: number}];
  if (!n) return null;
  const [{most}] = (await q("SELECT coalesce(max(repeats), 0)::INTEGER AS most FROM executions")) as [{most: number}];
  if (most < 2) return null;
  const stats = await repeatStatistics(connection);
  const statuses = await q("SELECT run_id, list(status ORDER BY repeat) AS statuses FROM executions GROUP BY run_id");
  return {
    configurations: stats.configurations.map((c) => ({...c, statuses: (statuses.find((s) => s.run_id === c.run_id)?.statuses as string[]) ?? []})),
    scaling: stats.scaling
  };
}

/** The pipeline's default criteria, as its adapter gave them at ingest. */
async function defaultCriteria(connection: DuckDBConnection): Promise<CriterionSpec[]> {
  const rows = await queryRows<{value: string | null}>(connection, "SELECT value FROM pipeline_profile WHERE key = 'default_criteria'");
  return rows[0]?.value ? (JSON.parse(rows[0].value) as CriterionSpec[]) : [];
}

/** The stages the pipeline's profile names (ingest stored them): what report text calls them. */
async function readStageRoles(connection: DuckDBConnection): Promise<Report["stage_roles"]> {
  const rows = await queryRows<{key: string; value: string | null}>(connection, "SELECT key, value FROM pipeline_profile WHERE key IN ('primary_gpu_stage', 'gpu_window_stage', 'secondary_gpu_stage')");
  const of = (key: string) => rows.find((r) => r.key === key)?.value ?? null;
  return {primary_gpu: of("primary_gpu_stage"), gpu_window: of("gpu_window_stage"), secondary_gpu: of("secondary_gpu_stage")};
}

/** What the pipeline's profile calls its role stages and classes, and the optional families it has. */
async function readProfileNames(connection: DuckDBConnection): Promise<Pick<Report, "stage_labels" | "classes" | "families" | "total_source" | "logged_packing_scale">> {
  const rows = await queryRows<{key: string; value: string | null}>(
    connection,
    "SELECT key, value FROM pipeline_profile WHERE key IN ('primary_gpu_label', 'gpu_window_label', 'secondary_gpu_label', 'classes', 'families', 'total_source', 'logged_packing_scale')"
  );
  const of = (key: string) => rows.find((r) => r.key === key)?.value ?? null;
  const families = of("families");
  return {
    stage_labels: {primary_gpu: of("primary_gpu_label"), gpu_window: of("gpu_window_label"), secondary_gpu: of("secondary_gpu_label")},
    classes: of("classes") === null ? null : (JSON.parse(of("classes")!) as Report["classes"]),
    // a database without the key (ingested before families were recorded): every family
    families: families === null ? [...OPTIONAL_FAMILIES] : (JSON.parse(families) as OptionalFamily[]),
    total_source: of("total_source") ?? "the run's total wall time",
    logged_packing_scale: of("logged_packing_scale") === null ? null : Number(of("logged_packing_scale"))
  };
}
