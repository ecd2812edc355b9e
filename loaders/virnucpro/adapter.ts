/**
 * VirNucPro adapter: maps each artifact's parsed records onto the benchbook schema. Parsing lives in the
 * per-artifact parsers; this module only decides which artifact is used, records what is missing or
 * contaminated as findings, and writes rows. No report figure is computed here.
 */
import path from "node:path";
import {isInputError} from "../../engine/errors.ts";
import {exists, findFilesNamed, MAX_SEGMENT_CHARS, readTextArtifact, resolveFileSet, streamTextSegments, type OverlongLine} from "../../engine/artifacts.ts";
import {insertRows, type Row} from "../../engine/db/writer.ts";
import {DEFAULT_CRITERIA, GPU_STAGES, PROFILE, STAGE_NAMES} from "./pipeline.ts";
import {checkInsideStudy, resolveStudyPath, type RunSpec, type Study} from "../../engine/study.ts";
import type {IngestContext, PipelineAdapter} from "../../engine/ingest/adapter.ts";
import type {ConsoleLog, Finding, GpuMonitor, PipelineState, WorkerLog} from "./records.ts";
import {ConsoleLogParser, parseConsoleLog} from "./console-log.ts";
import {parseWorkerLog, parseWorkerRecords} from "./worker-log.ts";
import {parseGpuMetrics} from "./gpu-metrics.ts";
import {parseNvidiaSmiCsv} from "../nvidia-smi/samples.ts";
import {recordedGpuClock} from "../runner/manifest.ts";
import {parsePipelineState} from "./pipeline-state.ts";
import {loadConsensus, loadPerFrame} from "./predictions.ts";
import {VIRNUCPRO_SCHEMA_SQL} from "./schema.ts";

const PER_FRAME_FILE = "prediction_results.txt";
const CONSENSUS_FILE = "prediction_results_highestscore.csv";
const ts = (local: string | null | undefined) => local ?? null;
const OUTCOME_REASON: Record<string, string> = {failed: "the log ends with a pipeline error", out_of_memory: "the log ends with the OUT OF MEMORY block"};

/** Where the model evidence of each source sits, so a model finding can point at it. */
interface ModelEvidence {
  logFile: string | null;
  log: ConsoleLog["metadata"] | null;
  stateFile: string | null;
  state: PipelineState | null;
  studyFile: string;
  studyText: string;
}

/** Line of the reference's `model:` / `expected_length:` in the study YAML (its `reference:` block). */
function referenceModelLine(text: string): number | null {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^reference:\s*$/.test(l));
  if (start < 0) return null;
  for (let i = start + 1; i < lines.length && /^(\s|$)/.test(lines[i]!); i++) {
    if (/^\s+(model|expected_length):/.test(lines[i]!)) return i + 1;
  }
  return null;
}

function modelEvidence(source: string | null, e: ModelEvidence): {model_file: string | null; model_line: number | null} {
  switch (source) {
    case "config":
      return {model_file: e.logFile, model_line: e.log?.modelLine ?? null};
    case "chunked_name":
      return {model_file: e.logFile, model_line: e.log?.chunkedLine ?? null};
    case "pipeline_state":
      return {model_file: e.stateFile, model_line: e.state?.modelLine ?? null};
    case "study":
      return {model_file: e.studyFile, model_line: referenceModelLine(e.studyText)};
    default:
      return {model_file: null, model_line: null};
  }
}

interface ModelInfo {
  modelPath: string | null;
  expectedLength: number | null;
  source: string | null;
}

export const virnucpro: PipelineAdapter = {
  name: "virnucpro",
  profile: PROFILE,
  defaultCriteria: DEFAULT_CRITERIA,
  schemaSql: VIRNUCPRO_SCHEMA_SQL,

  async ingestRun(context, run, ord) {
    const {study} = context;
    const runRow: Row = {
      run_id: run.id,
      ord,
      role: "run",
      label: run.label ?? null,
      gpus: run.gpus,
      status: "no_log",
      outcome: null,
      command: run.command ? JSON.stringify(run.command) : null,
      log_file: run.log ? resolveStudyPath(study, run.log, `runs.${run.id}.log`) : null,
      outputs_dir: run.outputs ? resolveStudyPath(study, run.outputs, `runs.${run.id}.outputs`) : null
    };
    const model: ModelInfo = {modelPath: null, expectedLength: null, source: null};
    let consoleLog: ConsoleLog | null = null;

    if (run.log) {
      consoleLog = await guard(context, run.id, "console_log", () => ingestConsoleLog(context, run, runRow));
      if (!consoleLog) Object.assign(runRow, {status: "broken", status_reason: "the console log could not be read"});
      else if (consoleLog.metadata.modelPath || consoleLog.metadata.expectedLength) {
        Object.assign(model, {modelPath: consoleLog.metadata.modelPath, expectedLength: consoleLog.metadata.expectedLength, source: "config"});
      }
    } else {
      missing(context, run.id, "console log", "timing, scaling, throughput", ["timing", "scaling", "throughput"]);
    }

    const outputs = runRow.outputs_dir as string | null;
    if (outputs && !(await exists(outputs))) {
      context.finding({run_id: run.id, code: "missing_artifact", severity: "error", message: `outputs folder does not exist`, file: outputs, line: null, affects: ["correctness", "throughput"]});
    }
    const outputsOk = outputs !== null && (await exists(outputs));
    if (outputsOk) await checkInsideStudy(study, run.outputs!, outputs!, `runs.${run.id}.outputs`);

    await guard(context, run.id, "worker_log", () => ingestWorkers(context, run, outputsOk ? outputs : null, consoleLog));
    await guard(context, run.id, "gpu_samples", () => ingestGpu(context, run));

    let state: PipelineState | null = null;
    if (outputsOk) {
      state = await guard(context, run.id, "pipeline_state", () => ingestPipelineState(context, run.id, outputs!, run.outputs!, `runs.${run.id}.outputs`));
      if (state && !model.modelPath && (state.modelPath || state.expectedLength)) {
        Object.assign(model, {modelPath: state.modelPath, expectedLength: state.expectedLength, source: "pipeline_state"});
      }
      await ingestPredictions(context, run.id, outputs!);
    } else if (!run.outputs) {
      missing(context, run.id, "outputs folder", "correctness", ["correctness"]);
    }

    if (!model.expectedLength && consoleLog?.metadata.chunkedLengths.length === 1) {
      Object.assign(model, {expectedLength: consoleLog.metadata.chunkedLengths[0], source: model.source ?? "chunked_name"});
    }
    if (consoleLog && consoleLog.metadata.chunkedLengths.length > 1) {
      context.finding({run_id: run.id, code: "several_chunk_lengths", severity: "warning", message: `log names several chunked files: _chunked${consoleLog.metadata.chunkedLengths.join(", _chunked")}`, file: runRow.log_file as string, line: null, affects: ["correctness", "metadata"]});
    }
    Object.assign(runRow, {
      model_path: model.modelPath,
      expected_length: model.expectedLength,
      model_source: model.source,
      ...modelEvidence(model.source, {logFile: runRow.log_file as string | null, log: consoleLog?.metadata ?? null, stateFile: outputs && path.join(outputs, ".checkpoints", "pipeline_state.json"), state, studyFile: study.file, studyText: study.text})
    });
    await insertRows(context.connection, "runs", [runRow]);
  },

  async ingestReference(context, reference, ord) {
    const {study} = context;
    const outputs = resolveStudyPath(study, reference.outputs, "reference.outputs");
    const row: Row = {run_id: "reference", ord, role: "reference", label: reference.label, gpus: null, status: "no_log", outputs_dir: outputs};
    const model: ModelInfo = {modelPath: reference.model ?? null, expectedLength: reference.expected_length ?? null, source: reference.model || reference.expected_length ? "study" : null};
    let refLog: ConsoleLog["metadata"] | null = null;
    let refState: PipelineState | null = null;
    if (reference.log) {
      const file = resolveStudyPath(study, reference.log, "reference.log");
      row.log_file = file;
      const log = await guard(context, "reference", "console_log", async () => {
        await checkInsideStudy(study, reference.log!, file, "reference.log");
        const read = await readConsoleLog(file, "reference console log");
        context.artifact({run_id: "reference", kind: "console_log", path: file, bytes: read.bytes, sha256: read.sha256, rows: null});
        overlongFindings(context, "reference", file, read.overlongLines);
        return read.log;
      });
      if (log) {
        refLog = log.metadata;
        row.status = log.summary?.complete ? "complete" : "incomplete";
        if (!model.modelPath && log.metadata.modelPath) Object.assign(model, {modelPath: log.metadata.modelPath, source: "config"});
        if (!model.expectedLength) {
          const length = log.metadata.expectedLength ?? (log.metadata.chunkedLengths.length === 1 ? log.metadata.chunkedLengths[0]! : null);
          if (length) Object.assign(model, {expectedLength: length, source: model.source ?? (log.metadata.expectedLength ? "config" : "chunked_name")});
        }
      }
    }
    if (!(await exists(outputs))) {
      context.finding({run_id: "reference", code: "missing_artifact", severity: "error", message: "reference outputs folder does not exist", file: outputs, line: null, affects: ["correctness"]});
    } else {
      await checkInsideStudy(study, reference.outputs, outputs, "reference.outputs");
      const state = await guard(context, "reference", "pipeline_state", () => ingestPipelineState(context, "reference", outputs, reference.outputs, "reference.outputs"));
      refState = state;
      if (state) {
        if (!model.modelPath && state.modelPath) Object.assign(model, {modelPath: state.modelPath, source: model.source ?? "pipeline_state"});
        if (!model.expectedLength && state.expectedLength) Object.assign(model, {expectedLength: state.expectedLength, source: model.source ?? "pipeline_state"});
      }
      await ingestPredictions(context, "reference", outputs);
    }
    Object.assign(row, {
      model_path: model.modelPath,
      expected_length: model.expectedLength,
      model_source: model.source,
      ...modelEvidence(model.source, {logFile: (row.log_file as string | undefined) ?? null, log: refLog, stateFile: path.join(outputs, ".checkpoints", "pipeline_state.json"), state: refState, studyFile: study.file, studyText: study.text})
    });
    if (!model.modelPath && !model.expectedLength) {
      context.finding({run_id: "reference", code: "reference_model_unknown", severity: "warning", message: "the reference's model and chunk length are unknown (no log Configuration block, no pipeline_state.json, no reference.model in the study): model match cannot be checked", file: study.file, line: null, affects: ["correctness"]});
    }
    await insertRows(context.connection, "runs", [row]);
  }
};

/** Run one artifact's ingest; an input error becomes a finding so other artifacts and runs still load. */
async function guard<T>(context: IngestContext, runId: string, kind: string, work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    if (!isInputError(error)) throw error;
    context.finding({run_id: runId, code: "artifact_unreadable", severity: "error", message: `${kind}: ${error.message}`, file: error.file ?? null, line: error.line ?? null, affects: affectsOf(kind)});
    return null;
  }
}

function affectsOf(kind: string): string[] {
  switch (kind) {
    case "console_log":
      return ["timing", "scaling", "throughput", "metadata"];
    case "worker_log":
      return ["throughput", "packing"];
    case "gpu_samples":
      return ["gpu"];
    case "pipeline_state":
      return ["metadata"];
    default:
      return ["correctness"];
  }
}

function missing(context: IngestContext, runId: string, what: string, figures: string, affects: string[]): void {
  context.finding({run_id: runId, code: "artifact_not_given", severity: "info", message: `no ${what} in the study file: ${figures} have no data for this run`, file: context.study.file, line: null, affects});
}

function parserFindings(context: IngestContext, runId: string, file: string, findings: Finding[]): void {
  for (const f of findings) context.finding({run_id: runId, code: f.code, severity: f.severity, message: f.message, file, line: f.line, affects: f.affects});
}

async function ingestConsoleLog(context: IngestContext, run: RunSpec, runRow: Row): Promise<ConsoleLog> {
  const file = runRow.log_file as string;
  await checkInsideStudy(context.study, run.log!, file, `runs.${run.id}.log`);
  const artifact = await readConsoleLog(file, "console log");
  context.artifact({run_id: run.id, kind: "console_log", path: file, bytes: artifact.bytes, sha256: artifact.sha256, rows: null});
  if (artifact.invalidUtf8Line !== null) {
    context.finding({run_id: run.id, code: "invalid_utf8", severity: "warning", message: "invalid UTF-8 bytes (read as U+FFFD)", file, line: artifact.invalidUtf8Line, affects: ["metadata"]});
  }
  overlongFindings(context, run.id, file, artifact.overlongLines);
  if (artifact.blank) {
    context.finding({run_id: run.id, code: "empty_log", severity: "error", message: "console log is empty", file, line: 1, affects: ["timing", "scaling", "throughput"]});
  }
  const log = artifact.log;
  parserFindings(context, run.id, file, log.findings);
  const m = log.metadata;
  const summaryComplete = log.summary?.complete === true;
  const failed = log.outcome === "failed" || log.outcome === "out_of_memory";
  const gpuNames = [...new Set(m.gpus.map((g) => g.name))];
  Object.assign(runRow, {
    status: failed ? "failed" : summaryComplete ? "complete" : "incomplete",
    status_reason: failed ? OUTCOME_REASON[log.outcome] : summaryComplete ? null : "the log has no complete PIPELINE SUMMARY",
    outcome: log.outcome,
    total_seconds: summaryComplete ? log.summary!.totalSeconds : null,
    summary_line: log.summary?.line ?? null,
    total_hms: summaryComplete ? log.summary!.totalHms : null,
    total_line: summaryComplete ? log.summary!.totalLine : null,
    architecture: m.architecture,
    input_path: m.input,
    gpu_names: gpuNames.length ? gpuNames.join(", ") : null,
    detected_gpus: m.cudaDeviceCount,
    world_size: m.worldSize,
    resume: m.resume,
    parallel: m.parallel,
    first_at: ts(log.firstAt),
    last_at: ts(log.lastAt),
    hdf5_conversion_seconds: log.hdf5ConversionSeconds
  });
  if (log.summary && !summaryComplete) {
    context.finding({run_id: run.id, code: "summary_incomplete", severity: "error", message: "PIPELINE SUMMARY block is cut off: total wall time not trusted", file, line: log.summary.line, affects: ["timing", "scaling"]});
  }
  // the study's GPU count against the log's detected and used GPUs: v_run_checks / v_warnings (gpu_count_mismatch)
  await insertRows(context.connection, "run_config", Object.entries(m.config).map(([key, value]) => ({run_id: run.id, key, value})));
  await insertRows(context.connection, "stages", stageRows(run.id, log));
  if (log.summary) {
    await insertRows(context.connection, "summary_bottlenecks", log.summary.bottlenecks.map((b, i) => ({run_id: run.id, rank: i + 1, stage: b.name, pct: b.pct})));
  }
  await insertRows(
    context.connection,
    "dnabert_gpus",
    log.dnabert.map((d) => ({run_id: run.id, gpu: d.gpu, files: d.files, sequences: d.sequences, completed_files: d.completedFiles, total_files: d.totalFiles, finished_at: ts(d.finishedAt)}))
  );
  return log;
}

/**
 * Read and parse a console capture from a stream of segments: it is never held whole (a multi-GB
 * capture exceeds V8's string limit), and a line without a break is cut at MAX_SEGMENT_CHARS.
 */
async function readConsoleLog(file: string, what: string): Promise<{log: ConsoleLog; bytes: number; sha256: string; invalidUtf8Line: number | null; blank: boolean; overlongLines: OverlongLine[]}> {
  const parser = new ConsoleLogParser({file});
  let blank = true;
  const info = await streamTextSegments(file, what, (text, line) => {
    if (blank && text.trim() !== "") blank = false;
    parser.pushSegment(text, line);
  });
  return {log: parser.finish(info.lines), bytes: info.bytes, sha256: info.sha256, invalidUtf8Line: info.invalidUtf8Line, blank, overlongLines: info.overlongLines};
}

/** Over-long lines were cut: what was skipped may have held records, so the user is told where. */
function overlongFindings(context: IngestContext, runId: string, file: string, overlong: OverlongLine[]): void {
  for (const o of overlong.slice(0, 20)) {
    context.finding({run_id: runId, code: "line_too_long", severity: "warning", message: `a line of ${o.chars.toLocaleString("en-US")} characters without a line break: only its first ${MAX_SEGMENT_CHARS.toLocaleString("en-US")} were read, the rest skipped`, file, line: o.line, affects: ["metadata"]});
  }
  if (overlong.length > 20) {
    context.finding({run_id: runId, code: "line_too_long", severity: "warning", message: `${overlong.length - 20} more over-long lines cut the same way`, file, line: overlong[20]!.line, affects: ["metadata"]});
  }
}

/** One row per stage name: summary seconds win (they are what the pipeline totals), else the completed line. */
function stageRows(runId: string, log: ConsoleLog): Row[] {
  const byName = new Map<string, Row>();
  const row = (name: string): Row => {
    let r = byName.get(name);
    if (!r) {
      r = {run_id: runId, stage: name, ord: null, seconds: null, summary_seconds: null, completed_seconds: null, summary_pct: null, summary_line: null, completed_line: null, skipped: false, is_gpu: (GPU_STAGES as readonly string[]).includes(name), started_at: null, ended_at: null, extras: null};
      byName.set(name, r);
    }
    return r;
  };
  for (const s of log.stages) {
    const r = row(s.name);
    Object.assign(r, {ord: s.order ?? r.ord, completed_seconds: s.seconds, completed_line: s.completedLine, skipped: s.skipped || (r.skipped as boolean), started_at: ts(s.startedAt), ended_at: ts(s.endedAt), extras: Object.keys(s.extras).length ? s.extras : null});
  }
  const summaryComplete = log.summary?.complete === true;
  for (const s of log.summary?.stages ?? []) {
    const r = row(s.name);
    Object.assign(r, {ord: r.ord ?? s.order, summary_seconds: s.seconds, summary_pct: s.pct, summary_line: s.line, skipped: s.skipped || (r.skipped as boolean)});
  }
  for (const r of byName.values()) {
    r.seconds = r.skipped ? null : summaryComplete && r.summary_seconds !== null ? r.summary_seconds : r.completed_seconds;
  }
  const order = (name: string) => STAGE_NAMES.findIndex((s) => s.name === name);
  return [...byName.values()].sort((a, b) => ((a.ord as number) ?? 99) - ((b.ord as number) ?? 99) || order(a.stage as string) - order(b.stage as string));
}

async function ingestWorkers(context: IngestContext, run: RunSpec, outputs: string | null, consoleLog: ConsoleLog | null): Promise<void> {
  const {study} = context;
  let files: string[] = [];
  // every file is held to the inside-the-study rule of the field it was found through
  let given = "";
  let field = "";
  if (run.worker_logs) {
    [given, field] = [run.worker_logs, `runs.${run.id}.worker_logs`];
    const spec = resolveStudyPath(study, run.worker_logs, field);
    await checkInsideStudy(study, given, /[*?]/.test(path.basename(spec)) ? path.dirname(spec) : spec, field);
    files = await resolveFileSet(spec, /^worker_\d+\.log$/);
  } else if (outputs && (await exists(path.join(outputs, "esm_v2", "logs")))) {
    [given, field] = [run.outputs!, `runs.${run.id}.outputs`];
    await checkInsideStudy(study, given, path.join(outputs, "esm_v2", "logs"), field);
    files = await resolveFileSet(path.join(outputs, "esm_v2", "logs"), /^worker_\d+\.log$/);
  }
  const workers: Array<{log: WorkerLog; file: string | null}> = [];
  for (const file of files) {
    const number = Number(/worker_(\d+)\.log$/.exec(file)?.[1] ?? NaN);
    if (!Number.isInteger(number)) continue;
    const log = await guard(context, run.id, "worker_log", async () => {
      await checkInsideStudy(study, given, file, field);
      const artifact = await readTextArtifact(file, "worker log");
      context.artifact({run_id: run.id, kind: "worker_log", path: file, bytes: artifact.bytes, sha256: artifact.sha256, rows: null});
      return parseWorkerLog(artifact.text, number, {file});
    });
    if (log) workers.push({log, file});
  }
  // Without worker_N.log files, the workers' stderr lines in the console capture are the same records.
  let ioSource: "worker_logs" | "console" = "worker_logs";
  if (workers.length === 0 && consoleLog && consoleLog.workerRecords.length) {
    ioSource = "console";
    const ranks = [...new Set(consoleLog.workerRecords.map((r) => r.worker!))].sort((a, b) => a - b);
    for (const rank of ranks) {
      workers.push({log: parseWorkerRecords(consoleLog.workerRecords.filter((r) => r.worker === rank), rank), file: null});
    }
    context.finding({run_id: run.id, code: "worker_logs_from_console", severity: "info", message: "no esm_v2/logs/worker_N.log files: worker figures read from the worker lines of the console log", file: null, line: null, affects: ["throughput", "packing"]});
  } else if (workers.length === 0) {
    missing(context, run.id, "ESM-2 worker logs", "throughput and packing", ["throughput", "packing"]);
  }
  for (const {log, file} of workers) {
    parserFindings(context, run.id, file ?? (runLog(context, run) as string), log.findings);
    await insertRows(context.connection, "workers", [
      {
        run_id: run.id, worker: log.worker, world_size: log.worldSize, segments: log.segments, device_name: log.deviceName,
        started_at: log.startedAt, model_load_started_at: log.modelLoadStartedAt, model_loaded_at: log.modelLoadedAt,
        inference_started_at: log.inferenceStartedAt, first_batch_at: log.firstBatchAt, inference_completed_at: log.inferenceCompletedAt,
        completed_at: log.completedAt, assigned_sequences: log.assignedSequences, assigned_tokens: log.assignedTokens, sequences: log.sequences,
        seq_per_sec: log.seqPerSec, tokens_per_sec: log.tokensPerSec, token_budget: log.tokenBudget, avg_wait_ms: log.avgWaitMs,
        max_wait_ms: log.maxWaitMs, logged_final_packing: log.loggedFinalPacking, source_file: file
      }
    ]);
    await insertRows(
      context.connection,
      "batches",
      log.batches.map((b) => ({
        run_id: run.id, worker: log.worker, batch: b.batch, kind: b.kind, logged_at: b.at, wait_ms: b.waitMs, sequences: b.sequences, tokens: b.tokens,
        queue_state: b.queueState, done: b.done, total: b.total, logged_pack_eff: b.loggedPackEff, tokens_per_sec: b.tokensPerSec, seq_per_sec: b.seqPerSec, eta: b.eta,
        file: file ?? runLog(context, run), line: b.line
      }))
    );
  }
  const ioWarnings = ioSource === "worker_logs" && workers.length ? workers.flatMap(({log, file}) => log.ioWarnings.map((w) => ({...w, file}))) : (consoleLog?.ioWarnings ?? []).map((w) => ({...w, file: runLog(context, run)}));
  await insertRows(
    context.connection,
    "io_warnings",
    ioWarnings.map((w) => ({run_id: run.id, worker: w.worker, logged_at: w.at, severity: w.severity, utilization: w.utilization, file: w.file, line: w.line}))
  );
}

function runLog(context: IngestContext, run: RunSpec): string | null {
  return run.log ? resolveStudyPath(context.study, run.log, `runs.${run.id}.log`) : null;
}

async function ingestGpu(context: IngestContext, run: RunSpec): Promise<void> {
  const {study} = context;
  const monitors: Array<{monitor: GpuMonitor; file: string}> = [];
  // Samples taken by `benchbook run` cover every GPU; the pipeline's own monitor files sample GPU 0 only.
  if (run.gpu_samples) {
    const file = resolveStudyPath(study, run.gpu_samples, `runs.${run.id}.gpu_samples`);
    if (await exists(file)) {
      await checkInsideStudy(study, run.gpu_samples, file, `runs.${run.id}.gpu_samples`);
      const artifact = await readTextArtifact(file, "nvidia-smi samples");
      context.artifact({run_id: run.id, kind: "nvidia_smi", path: file, bytes: artifact.bytes, sha256: artifact.sha256, rows: null});
      // nvidia-smi prints local time without an offset: the runner records the host's with the samples
      const offset = await recordedGpuClock(study, run, file);
      if (offset === null) {
        context.finding({run_id: run.id, code: "gpu_clock_assumed_utc", severity: "info", message: "no UTC offset recorded with these nvidia-smi samples (not taken by `benchbook run`, or by an older one): their timestamps are read as UTC", file, line: null, affects: ["gpu"]});
      }
      monitors.push({monitor: parseNvidiaSmiCsv(artifact.text, {file, utcOffsetSeconds: offset ?? 0}), file});
    } else {
      context.finding({run_id: run.id, code: "missing_artifact", severity: "warning", message: "gpu_samples file does not exist", file, line: null, affects: ["gpu"]});
    }
  }
  if (monitors.length === 0 && run.gpu_metrics) {
    const field = `runs.${run.id}.gpu_metrics`;
    const spec = resolveStudyPath(study, run.gpu_metrics, field);
    await checkInsideStudy(study, run.gpu_metrics, /[*?]/.test(path.basename(spec)) ? path.dirname(spec) : spec, field);
    const files = await resolveFileSet(spec, /^gpu_metrics_.*\.log$/);
    if (files.length === 0) context.finding({run_id: run.id, code: "missing_artifact", severity: "warning", message: "no gpu_metrics_*.log files found", file: spec, line: null, affects: ["gpu"]});
    for (const file of files) {
      const monitor = await guard(context, run.id, "gpu_samples", async () => {
        await checkInsideStudy(study, run.gpu_metrics!, file, field);
        const artifact = await readTextArtifact(file, "gpu_metrics file");
        context.artifact({run_id: run.id, kind: "gpu_metrics", path: file, bytes: artifact.bytes, sha256: artifact.sha256, rows: null});
        return parseGpuMetrics(artifact.text, {file});
      });
      if (monitor) monitors.push({monitor, file});
    }
  }
  if (monitors.length === 0 && !run.gpu_metrics && !run.gpu_samples) missing(context, run.id, "GPU samples (gpu_metrics or gpu_samples)", "GPU utilization", ["gpu"]);
  for (const {monitor, file} of monitors) {
    parserFindings(context, run.id, file, monitor.findings);
    const offset = monitor.utcOffsetSeconds;
    if (monitor.format === "gpu_metrics" && offset === null && monitor.samples.length) {
      context.finding({run_id: run.id, code: "gpu_clock_unknown", severity: "warning", message: "gpu_metrics header missing: samples cannot be placed on the log's clock (UTC assumed)", file, line: null, affects: ["gpu"]});
    }
    await insertRows(context.connection, "gpu_monitors", [
      {run_id: run.id, monitor: file, format: monitor.format, started_at: monitor.startedLocal, stopped_at: monitor.stoppedLocal, devices: JSON.stringify(monitor.devices), nvitop: monitor.nvitop, utc_offset_seconds: offset, samples: monitor.samples.length}
    ]);
    await insertRows(
      context.connection,
      "gpu_samples",
      monitor.samples.map((s) => ({
        run_id: run.id, monitor: file, sampled_at: localTime(s.epoch + (offset ?? 0)), epoch: s.epoch, device: s.device, uuid: s.uuid,
        utilization: s.utilization, memory_mib: s.memoryMib, memory_pct: s.memoryPct, temperature: s.temperature, power_watts: s.powerWatts, stage: s.stage,
        line: s.line
      }))
    );
  }
  const pipelineMonitors = monitors.filter((m) => m.monitor.format === "gpu_metrics");
  if (run.gpus > 1 && pipelineMonitors.length > 1) {
    const devices = new Set(pipelineMonitors.flatMap((m) => m.monitor.samples.map((s) => s.device)));
    if (devices.size === 1) {
      // the evidence: the second file's first sample, on the same device as the first file's
      const second = pipelineMonitors[1]!;
      const names = pipelineMonitors.map((m) => path.basename(m.file)).join(", ");
      context.finding({run_id: run.id, code: "gpu_monitors_same_device", severity: "warning", message: `all ${pipelineMonitors.length} gpu_metrics files of this ${run.gpus}-GPU run (${names}) sampled device ${[...devices][0]} (nvitop index bug): the other GPUs are unmeasured`, file: second.file, line: second.monitor.samples[0]?.line ?? null, affects: ["gpu"]});
    }
  }
}

/** Epoch seconds shifted by the offset, formatted as a naive timestamp (DuckDB parses it). */
function localTime(seconds: number): string {
  return new Date(Math.round(seconds * 1000)).toISOString().replace("T", " ").replace("Z", "");
}

async function ingestPipelineState(context: IngestContext, runId: string, outputs: string, given: string, field: string): Promise<PipelineState | null> {
  const file = path.join(outputs, ".checkpoints", "pipeline_state.json");
  if (!(await exists(file))) return null;
  await checkInsideStudy(context.study, given, file, field);
  const artifact = await readTextArtifact(file, "pipeline_state.json");
  context.artifact({run_id: runId, kind: "pipeline_state", path: file, bytes: artifact.bytes, sha256: artifact.sha256, rows: null});
  const state = parsePipelineState(artifact.text, {file});
  await insertRows(
    context.connection,
    "checkpoint_stages",
    state.stages.map((s) => ({run_id: runId, stage: s.stage, status: s.status, started_at: s.startedAt, completed_at: s.completedAt, duration_seconds: s.durationSeconds}))
  );
  return state;
}

async function ingestPredictions(context: IngestContext, runId: string, outputs: string): Promise<void> {
  for (const [name, kind, load] of [
    [PER_FRAME_FILE, "predictions_frame", loadPerFrame],
    [CONSENSUS_FILE, "predictions_consensus", loadConsensus]
  ] as const) {
    const files = await findFilesNamed(outputs, name);
    if (files.length === 0) {
      context.finding({run_id: runId, code: "missing_artifact", severity: "error", message: `no ${name} below the outputs folder`, file: outputs, line: null, affects: ["correctness"]});
      continue;
    }
    if (files.length > 1) {
      context.finding({run_id: runId, code: "ambiguous_outputs", severity: "error", message: `${files.length} ${name} files below the outputs folder (${files.map((f) => path.relative(outputs, f)).join(", ")}): cannot tell which one the run produced`, file: outputs, line: null, affects: ["correctness"]});
      continue;
    }
    const file = files[0]!;
    await guard(context, runId, kind, async () => {
      // the checksum is computed while DuckDB reads the file (its own threads), not after; the
      // fingerprint's read of the file gives it when that came first
      const hashing = context.hashFile(file);
      hashing.catch(() => undefined); // a failed load is reported by the load; the hash is then not needed
      const loaded = await load(context.connection, file, runId);
      const {sha256, bytes} = await hashing;
      context.artifact({run_id: runId, kind, path: file, bytes, sha256, rows: loaded.rows});
      if (loaded.rows === 0) context.finding({run_id: runId, code: "empty_predictions", severity: "error", message: `${name} has a header but no rows`, file, line: 2, affects: ["correctness"]});
      if (loaded.extraColumns.length) context.finding({run_id: runId, code: "extra_columns", severity: "info", message: `${name}: columns not used by benchbook: ${loaded.extraColumns.join(", ")}`, file, line: 1, affects: []});
    });
  }
}

export type {Study};
