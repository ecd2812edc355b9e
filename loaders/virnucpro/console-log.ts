/**
 * Parser for artifact A, the `2>&1 | tee` console capture of one `virnucpro predict` invocation
 * (FORMATS.md §1-§4, §7, §12). It only parses: it extracts stage events, the PIPELINE SUMMARY, run
 * metadata, DNABERT-S per-GPU progress, I/O-bottleneck lines and the run outcome, and reports
 * consistency findings. It computes no report figure.
 *
 * When one capture holds several runs (`tee -a` re-runs, a resume appended to a failed run), the
 * result describes the **last** run only and a `multiple_runs` finding names the lines of the others:
 * mixing two runs' stages would give silently wrong timings. `lines` and `records` count the file.
 */
import {InputError} from "../../engine/errors.ts";
import {STAGE_NAMES} from "./pipeline.ts";
import {RecordStream, splitRecords} from "./envelope.ts";
import {
  ConsoleLogSchema,
  type ConsoleLog,
  type DnabertGpu,
  type Finding,
  type IoWarning,
  type LogRecord,
  type RunMetadata,
  type StageEvent,
  type Summary
} from "./records.ts";
import {
  isRule,
  parseBottlenecks,
  parseStageBanner,
  parseStageCompleted,
  parseSummaryStage,
  parseTotalWallTime
} from "./stages.ts";

export interface ConsoleLogOptions {
  /** path shown in errors */
  file?: string;
}

const TELEMETRY_LOGGER = "virnucpro.pipeline.telemetry";
const KNOWN_STAGES = new Set(STAGE_NAMES.map((stage) => stage.name));
/** individual error_record findings before they are summarised in one */
const MAX_ERROR_FINDINGS = 50;
/** metadata lines are short; longer messages are never one of them (keeps regexes bounded) */
const MAX_METADATA_LINE = 2000;

type Outcome = ConsoleLog["outcome"];

interface OpenSummary {
  summary: Summary;
  logger: string;
  keyMetricsSeen: boolean;
}

/** Accumulates one run of the capture. */
class RunParser {
  readonly firstLine: number;
  lastLine: number;
  firstAt: string | null = null;
  lastAt: string | null = null;
  readonly metadata: RunMetadata = {
    input: null,
    config: {},
    modelPath: null,
    expectedLength: null,
    batchSize: null,
    dnabertBatchSize: null,
    esmBatchSize: null,
    parallel: null,
    resume: null,
    outputDir: null,
    architecture: null,
    cudaDeviceCount: null,
    worldSize: null,
    usingGpus: null,
    gpus: [],
    chunkedLengths: [],
    modelLine: null,
    chunkedLine: null
  };
  inputSeen = false;
  configSeen = false;
  private inConfig = false;
  readonly stages: StageEvent[] = [];
  summary: Summary | null = null;
  private openSummary: OpenSummary | null = null;
  private summaryCount = 0;
  private readonly dnabert = new Map<number, DnabertGpu>();
  private readonly ioWarnings: IoWarning[] = [];
  private hdf5ConversionSeconds: number | null = null;
  private readonly workerRecords: LogRecord[] = [];
  private readonly findings: Finding[] = [];
  private readonly chunked = new Set<number>();
  private readonly repeated = new Map<string, {first: number; count: number}>();
  private errorRecords = 0;
  private lastRecord: LogRecord | null = null;
  private readonly markers: {
    outOfMemory: number | null;
    success: number | null;
    withFailures: number | null;
    failed: number | null;
    alreadyComplete: number | null;
    errorTraceback: number | null;
  } = {outOfMemory: null, success: null, withFailures: null, failed: null, alreadyComplete: null, errorTraceback: null};

  constructor(firstLine: number) {
    this.firstLine = firstLine;
    this.lastLine = firstLine;
  }

  /** A summary has been logged: the run is over, a later stage banner starts another run. */
  get summarised(): boolean {
    return this.summaryCount > 0;
  }

  add(record: LogRecord): void {
    this.firstAt ??= record.at;
    this.lastAt = record.at;
    this.lastLine = record.line;
    this.lastRecord = record;
    this.scanChunkedLengths(record);
    this.scanProblems(record);
    if (record.envelope === "worker") {
      this.workerRecords.push(record);
      this.scanIoWarning(record);
      return;
    }
    const message = record.message;
    if (message.length > MAX_METADATA_LINE) return;
    this.scanIoWarning(record);
    if (this.openSummary && record.logger === this.openSummary.logger && this.summaryLine(record)) return;
    if (this.inConfig) {
      const entry = /^ {2}([^:]{1,80}): (.*)$/.exec(message);
      if (entry) {
        this.configEntry(entry[1]!.trim(), entry[2]!.trim(), record.line);
        return;
      }
      this.inConfig = false;
    }
    this.mainLine(record);
  }

  private mainLine(record: LogRecord): void {
    const message = record.message;
    const text = message.trimEnd();
    let m: RegExpExecArray | null;

    if (text === "PIPELINE SUMMARY") return this.startSummary(record);
    if (text === "Configuration:") {
      this.configSeen = true;
      this.inConfig = true;
      return;
    }
    if ((m = /^VirNucPro Prediction - Input: (.+)$/.exec(text))) {
      this.inputSeen = true;
      this.metadata.input = m[1]!;
      return;
    }

    const banner = parseStageBanner(message);
    if (banner) {
      this.stages.push({
        name: banner.name,
        order: banner.order > 0 ? banner.order : null,
        startedAt: record.at,
        endedAt: null,
        seconds: null,
        skipped: false,
        extras: {},
        line: record.line,
        completedLine: null
      });
      return;
    }
    const completed = parseStageCompleted(message);
    if (completed) return this.stageCompleted(record, completed);
    if ((m = /^end_stage called for unknown stage: (.+)$/.exec(text))) {
      this.finding("unknown_stage_end", "warning", `telemetry reports end_stage for a stage it never started: ${m[1]}`, record.line, ["timing"]);
      return;
    }

    if ((m = /^Architecture: (.+)$/.exec(text))) {
      this.metadata.architecture = m[1]!;
      return;
    }
    if ((m = /^Detected (\d+) CUDA device\(s\)/.exec(text)) || (m = /^Detected (\d+) GPUs, enabling/.exec(text))) {
      this.metadata.cudaDeviceCount = Number(m[1]);
      return;
    }
    if ((m = /^Using GPUs: (.+)$/.exec(text))) {
      this.metadata.usingGpus = m[1]!;
      return;
    }
    if ((m = /^Starting multi-GPU inference: (\d+) GPUs?/.exec(text))) {
      const worldSize = Number(m[1]);
      if (worldSize > 0) this.metadata.worldSize = worldSize;
      return;
    }
    if ((m = /^GPU (\d+) \((.+)\): Compute (\S+), BF16 (enabled|disabled)$/.exec(text))) {
      const gpu = {index: Number(m[1]), name: m[2]!, compute: m[3]!, bf16: m[4] === "enabled"};
      const others = this.metadata.gpus.filter((known) => known.index !== gpu.index);
      this.metadata.gpus = [...others, gpu].sort((a, b) => a.index - b.index);
      return;
    }
    if ((m = /^HDF5-to-PT conversion: (\d+(?:\.\d+)?)s for \d+ files/.exec(text))) {
      this.hdf5ConversionSeconds = Number(m[1]);
      return;
    }
    if (this.dnabertLine(record, text)) return;

    if (text.startsWith("Resuming: ") && /checkpoints complete/.test(text)) {
      this.finding("resumed_run", "warning", `run resumed from checkpoints: ${text}`, record.line, ["timing", "throughput"]);
      return;
    }
    if (text.startsWith("Skipping merge - output exists")) return this.repeatedFinding("stale_output_reused", record.line);
    if (text.startsWith("Using cached index")) return this.repeatedFinding("cached_index", record.line);
    if (text.startsWith("Partial failure: ")) {
      this.finding("partial_failure", "error", text, record.line, ["correctness", "throughput"]);
      return;
    }

    if (text.startsWith("Pipeline completed successfully") || text.startsWith("Prediction completed successfully")) {
      this.markers.success ??= record.line;
      return;
    }
    if ((m = /^Pipeline completed with (\d+) failures?/.exec(text))) {
      this.markers.withFailures ??= record.line;
      this.finding("partial_failure", "error", `pipeline completed with ${m[1]} failed files`, record.line, ["correctness", "throughput"]);
      return;
    }
    if (text.startsWith("Prediction failed:")) {
      this.markers.failed ??= record.line;
      return;
    }
    if (text.startsWith("All stages already completed!")) {
      this.markers.alreadyComplete ??= record.line;
      return;
    }
  }

  private configEntry(key: string, value: string, line: number): void {
    const meta = this.metadata;
    meta.config[key] = value;
    switch (key) {
      case "Model":
        meta.modelPath = value;
        meta.modelLine ??= line;
        break;
      case "Expected length": {
        const m = /^(\d+)\s*bp$/.exec(value);
        meta.expectedLength = m && Number(m[1]) > 0 ? Number(m[1]) : null;
        meta.modelLine ??= line;
        break;
      }
      case "Batch size":
        meta.batchSize = parseIntOrNull(value);
        break;
      case "DNABERT batch size":
        meta.dnabertBatchSize = parseIntOrNull(value);
        break;
      case "ESM-2 batch size":
        meta.esmBatchSize = parseIntOrNull(value);
        break;
      case "Parallel processing":
        meta.parallel = value === "enabled" ? true : value === "disabled" ? false : null;
        break;
      case "Resume":
        meta.resume = value === "True" ? true : value === "False" ? false : null;
        if (meta.resume) {
          this.finding("resumed_run", "warning", "run was started with --resume: stages completed earlier are not re-timed", line, [
            "timing",
            "throughput"
          ]);
        }
        break;
      case "Output directory":
        meta.outputDir = value;
        break;
    }
  }

  private stageCompleted(record: LogRecord, completed: NonNullable<ReturnType<typeof parseStageCompleted>>): void {
    let stage: StageEvent | undefined;
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const candidate = this.stages[i]!;
      if (candidate.name === completed.name && candidate.endedAt === null) {
        stage = candidate;
        break;
      }
    }
    if (!stage) {
      // `  X completed in` from another logger with an unknown name is not telemetry
      if (!KNOWN_STAGES.has(completed.name) && record.logger !== TELEMETRY_LOGGER) return;
      stage = {
        name: completed.name,
        order: null,
        startedAt: null,
        endedAt: null,
        seconds: null,
        skipped: false,
        extras: {},
        line: record.line,
        completedLine: null
      };
      this.stages.push(stage);
      this.finding(
        "unknown_stage_end",
        "warning",
        `stage '${completed.name}' completed without a start banner in this run (log starts mid-stage?)`,
        record.line,
        ["timing"]
      );
    }
    stage.endedAt = record.at;
    stage.completedLine = record.line;
    stage.seconds = completed.seconds;
    stage.extras = completed.extras;
    stage.skipped = completed.skipped;
  }

  private startSummary(record: LogRecord): void {
    this.summaryCount++;
    if (this.openSummary) this.closeSummary();
    if (this.summaryCount > 1) {
      this.finding(
        "multiple_runs",
        "warning",
        `a second PIPELINE SUMMARY in one run (line ${record.line}); only the last summary is kept`,
        record.line,
        ["timing", "metadata"]
      );
    }
    const summary: Summary = {
      line: record.line,
      totalSeconds: null,
      totalHms: null,
      totalLine: null,
      stages: [],
      bottlenecks: [],
      architecture: null,
      complete: false
    };
    this.summary = summary;
    this.openSummary = {summary, logger: record.logger, keyMetricsSeen: false};
  }

  /** Handles one line of the open summary block; false when the line is not part of it. */
  private summaryLine(record: LogRecord): boolean {
    const open = this.openSummary!;
    const summary = open.summary;
    const message = record.message;
    const text = message.trimEnd();
    if (text === "" || text === "Stages:") return true;
    if (isRule(text)) {
      if (open.keyMetricsSeen) {
        summary.complete = true;
        this.closeSummary();
      }
      return true;
    }
    const total = parseTotalWallTime(text);
    if (total) {
      summary.totalHms = total.hms;
      summary.totalSeconds = total.seconds;
      summary.totalLine = record.line;
      return true;
    }
    const stage = parseSummaryStage(message);
    if (stage) {
      if (stage.order > 0) summary.stages.push({...stage, line: record.line});
      return true;
    }
    const bottlenecks = parseBottlenecks(text);
    if (bottlenecks) {
      summary.bottlenecks = bottlenecks;
      return true;
    }
    if (text === "Key metrics:") {
      open.keyMetricsSeen = true;
      return true;
    }
    const arch = /^ {2}ESM-2 architecture: (.+)$/.exec(text);
    if (arch) {
      summary.architecture = arch[1]!;
      return true;
    }
    // other key metrics (Sequences processed, v1.0 baseline, Speedup) carry nothing a parser keeps
    if (open.keyMetricsSeen && text.startsWith("  ")) return true;
    return false;
  }

  private closeSummary(): void {
    const open = this.openSummary;
    if (!open) return;
    this.openSummary = null;
    const summary = open.summary;
    if (!summary.complete) {
      this.finding(
        "summary_truncated",
        "warning",
        `PIPELINE SUMMARY at line ${summary.line} ends before its closing rule (${summary.stages.length} stage lines kept)`,
        summary.line,
        ["timing"]
      );
    }
    // Whether the stage times add up to the total is a figure, checked once in SQL (v_warnings'
    // stage_sum_mismatch, pointing at this summary's line): checking here too gave two findings per fault.
  }

  /** DNABERT-S multi-GPU lines (§7b, §4.3); true when the record was one. */
  private dnabertLine(record: LogRecord, text: string): boolean {
    // base_worker and the dashboard also serve the v1 ESM-2 fallback: only DNABERT-S lines belong here
    if (!this.inDnabertStage()) return false;
    let m: RegExpExecArray | null;
    if ((m = /^ {2}Worker (\d+): (\d+) files, (\d+) sequences$/.exec(text))) {
      const gpu = this.dnabertGpu(Number(m[1]));
      gpu.files = Number(m[2]);
      gpu.sequences = Number(m[3]);
      return true;
    }
    if ((m = /^ {2}GPU (\d+): (\d+) files$/.exec(text))) {
      this.dnabertGpu(Number(m[1])).files = Number(m[2]);
      return true;
    }
    if ((m = /^GPU (\d+): (\d+)\/(\d+) files \(\d+(?:\.\d+)?%\)$/.exec(text))) {
      const gpu = this.dnabertGpu(Number(m[1]));
      gpu.completedFiles = Number(m[2]);
      gpu.totalFiles = Number(m[3]);
      if (gpu.completedFiles === gpu.totalFiles) gpu.finishedAt = record.at;
      return true;
    }
    return false;
  }

  private inDnabertStage(): boolean {
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const stage = this.stages[i]!;
      if (stage.startedAt !== null && stage.endedAt === null) return stage.name.includes("DNABERT");
    }
    return true;
  }

  private dnabertGpu(index: number): DnabertGpu {
    let gpu = this.dnabert.get(index);
    if (!gpu) {
      gpu = {gpu: index, files: null, sequences: null, completedFiles: null, totalFiles: null, finishedAt: null};
      this.dnabert.set(index, gpu);
    }
    return gpu;
  }

  private scanIoWarning(record: LogRecord): void {
    const message = record.message;
    if (!message.includes("I/O bottleneck")) return;
    const m = /^(Mild|CRITICAL) I\/O bottleneck: GPU utilization (\d+(?:\.\d+)?)%/.exec(message);
    if (!m) return;
    this.ioWarnings.push({
      at: record.at,
      worker: record.worker,
      severity: m[1] === "Mild" ? "mild" : "critical",
      utilization: Number(m[2]),
      line: record.line
    });
  }

  private scanChunkedLengths(record: LogRecord): void {
    this.scanChunkedText(record.message, record.line);
    for (const line of record.continuation) this.scanChunkedText(line, record.line);
  }

  private scanChunkedText(text: string, line: number): void {
    if (!text.includes("_chunked")) return;
    for (const m of text.matchAll(/_chunked(\d{1,7})\.fa/g)) {
      const length = Number(m[1]);
      if (length > 0) {
        this.chunked.add(length);
        this.metadata.chunkedLine ??= line;
      }
    }
  }

  /** ERROR/CRITICAL records, the OOM block and tracebacks, from any envelope. */
  private scanProblems(record: LogRecord): void {
    const isError = record.level === "ERROR" || record.level === "CRITICAL";
    if (record.envelope === "main" && (mentionsOutOfMemory(record.message) || record.continuation.some(mentionsOutOfMemory))) {
      if (this.markers.outOfMemory === null) {
        this.markers.outOfMemory = record.line;
        const detail = [record.message, ...record.continuation].find((line) => /^\s*(Memory at failure|Fragmentation ratio):/.test(line));
        this.finding(
          "out_of_memory",
          "error",
          `the pipeline stopped on a CUDA out-of-memory error${detail ? ` (${detail.trim()})` : ""}`,
          record.line,
          ["timing", "correctness"]
        );
      }
    }
    if (!isError) return;
    if (record.envelope === "main" && record.continuation.some(isTracebackStart)) this.markers.errorTraceback = record.line;
    this.errorRecords++;
    if (this.errorRecords <= MAX_ERROR_FINDINGS) {
      const first = firstMeaningfulLine(record);
      const who = record.envelope === "worker" ? `worker ${record.worker} ` : "";
      this.finding("error_record", "error", `${who}${record.level} from ${record.logger}: ${first}`, record.line, ["correctness"]);
    }
  }

  private repeatedFinding(code: "stale_output_reused" | "cached_index", line: number): void {
    const seen = this.repeated.get(code);
    if (seen) seen.count++;
    else this.repeated.set(code, {first: line, count: 1});
  }

  private finding(code: string, severity: Finding["severity"], message: string, line: number | null, affects: string[]): void {
    this.findings.push({code, severity, message, line, affects});
  }

  private outcome(): Outcome {
    const markers = this.markers;
    if (markers.outOfMemory !== null) return "out_of_memory";
    if (markers.failed !== null) return "failed";
    if (markers.withFailures !== null) return "completed_with_failures";
    if (markers.success !== null) return "success";
    if (markers.alreadyComplete !== null) return "already_complete";
    // an uncaught exception prints its traceback unprefixed, so it ends up after the last record
    const last = this.lastRecord;
    if (markers.errorTraceback !== null || (last && last.envelope === "main" && last.continuation.some(isTracebackStart))) return "failed";
    return "unknown";
  }

  finish(): Omit<ConsoleLog, "lines" | "records"> {
    if (this.openSummary) this.closeSummary();
    const outcome = this.outcome();

    for (const [code, seen] of this.repeated) {
      const times = seen.count === 1 ? "once" : `${seen.count} times`;
      if (code === "stale_output_reused") {
        this.finding(
          code,
          "warning",
          `existing merged feature files were reused instead of recomputed (logged ${times}); --force deletes nothing`,
          seen.first,
          ["correctness", "timing"]
        );
      } else {
        this.finding(code, "info", `a cached sequence index was reused (logged ${times}): stage 6 skipped the index build`, seen.first, ["timing"]);
      }
    }
    if (this.errorRecords > MAX_ERROR_FINDINGS) {
      this.finding(
        "error_record",
        "error",
        `${this.errorRecords - MAX_ERROR_FINDINGS} further ERROR/CRITICAL records not listed individually`,
        null,
        ["correctness"]
      );
    }
    for (const stage of this.stages) {
      if (stage.startedAt !== null && stage.endedAt === null) {
        this.finding(
          "stage_not_completed",
          "warning",
          `stage '${stage.name}' started but has no 'completed in' line (run ${outcomeWords(outcome)})`,
          stage.line,
          ["timing"]
        );
      }
    }
    if (this.summary === null) {
      const expected = outcome === "already_complete" || outcome === "failed" || outcome === "out_of_memory";
      this.finding(
        "no_summary",
        expected ? "info" : "warning",
        `no PIPELINE SUMMARY in the log (run ${outcomeWords(outcome)}): stage times come from 'completed in' lines only`,
        null,
        ["timing"]
      );
    }

    const findings = this.findings
      .map((finding, index) => ({finding, index}))
      .sort((a, b) => (a.finding.line ?? Infinity) - (b.finding.line ?? Infinity) || a.index - b.index)
      .map(({finding}) => finding);

    return {
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      metadata: {...this.metadata, chunkedLengths: [...this.chunked].sort((a, b) => a - b)},
      stages: this.stages,
      summary: this.summary,
      dnabert: [...this.dnabert.values()].sort((a, b) => a.gpu - b.gpu),
      ioWarnings: this.ioWarnings,
      hdf5ConversionSeconds: this.hdf5ConversionSeconds,
      outcome,
      findings,
      workerRecords: this.workerRecords
    };
  }
}

function outcomeWords(outcome: Outcome): string {
  switch (outcome) {
    case "success":
      return "completed successfully";
    case "completed_with_failures":
      return "completed with failures";
    case "failed":
      return "failed";
    case "out_of_memory":
      return "ran out of GPU memory";
    case "already_complete":
      return "found all stages already complete";
    case "unknown":
      return "end not logged: truncated or killed";
  }
}

function mentionsOutOfMemory(text: string): boolean {
  return text.includes("OUT OF MEMORY ERROR");
}

function isTracebackStart(line: string): boolean {
  return line.startsWith("Traceback (most recent call last):");
}

function firstMeaningfulLine(record: LogRecord): string {
  const line = [record.message, ...record.continuation].map((text) => text.trim()).find((text) => text !== "" && !isRule(text)) ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function parseIntOrNull(value: string): number | null {
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** Does this main record open a new run in the capture? */
function startsNewRun(record: LogRecord, run: RunParser): boolean {
  if (record.envelope !== "main") return false;
  const text = record.message.trimEnd();
  if (text.startsWith("VirNucPro Prediction - Input: ")) return run.inputSeen || run.configSeen || run.stages.length > 0;
  if (text === "Configuration:") return run.configSeen || run.stages.length > 0;
  // stages restart after a finished summary: a re-run whose CLI lines were not captured
  if (run.summarised && parseStageBanner(record.message) !== null) return true;
  return false;
}

/** Unprefixed lines kept per record when streaming (a traceback is far shorter). */
const STREAM_MAX_CONTINUATION = 10_000;
/** NUL bytes this early mean a binary file, not a capture. */
const BINARY_PROBE_CHARS = 65536;

function binaryError(file: string | undefined): InputError {
  return new InputError("console log contains NUL bytes: this is a binary file", {
    file,
    expected: "the text capture of `virnucpro predict … 2>&1 | tee <file>`"
  });
}

/**
 * Incremental parser of one capture, for logs too large to hold as one string: feed the `\r`/`\n`-free
 * segments in file order with their 1-based physical line (artifacts.ts streamTextSegments produces
 * them), then finish with the number of physical lines. Gives the same result as parseConsoleLog on
 * the whole text, except that at most STREAM_MAX_CONTINUATION unprefixed lines are kept per record.
 */
export class ConsoleLogParser {
  private readonly stream: RecordStream;
  private readonly earlier: RunParser[] = [];
  private run = new RunParser(1);
  private records = 0;
  private probed = 0;

  constructor(private readonly options: ConsoleLogOptions = {}, streamOptions: {maxContinuation?: number} = {maxContinuation: STREAM_MAX_CONTINUATION}) {
    this.stream = new RecordStream(streamOptions);
  }

  pushSegment(text: string, line: number): void {
    if (this.probed < BINARY_PROBE_CHARS) {
      if (text.slice(0, BINARY_PROBE_CHARS - this.probed).includes("\0")) throw binaryError(this.options.file);
      this.probed += text.length + 1;
    }
    for (const record of this.stream.push(text, line)) this.pushRecord(record);
  }

  pushRecord(record: LogRecord): void {
    if (startsNewRun(record, this.run)) {
      this.earlier.push(this.run);
      this.run = new RunParser(record.line);
    }
    this.run.add(record);
    this.records++;
  }

  finish(lines: number): ConsoleLog {
    for (const record of this.stream.end()) this.pushRecord(record);
    const {earlier, run, options} = this;
    const result = run.finish();
    if (earlier.length > 0) {
      const ranges = earlier.map((previous) => `lines ${previous.firstLine}-${previous.lastLine}`).join(", ");
      result.findings.unshift({
        code: "multiple_runs",
        severity: "warning",
        message: `the log holds ${earlier.length + 1} runs (${ranges}, then line ${run.firstLine} onward); only the last run is parsed`,
        line: run.firstLine,
        affects: ["timing", "metadata", "correctness"]
      });
    }
    if (this.records === 0) {
      result.findings.unshift({
        code: "no_records",
        severity: "error",
        message: "no VirNucPro log record found (expected lines like 'YYYY-MM-DD HH:MM:SS - logger - LEVEL - message')",
        line: null,
        affects: ["timing", "metadata", "correctness"]
      });
    }

    const parsed = ConsoleLogSchema.safeParse({lines, records: this.records, ...result});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(`console log parsed into an invalid record at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "unknown"}`, {
        file: options.file,
        expected: "values within the documented VirNucPro log formats"
      });
    }
    return parsed.data;
  }
}

export function parseConsoleLog(text: string, options: ConsoleLogOptions = {}): ConsoleLog {
  if (text.slice(0, BINARY_PROBE_CHARS).includes("\0")) throw binaryError(options.file);
  const {records, lines} = splitRecords(text);
  const parser = new ConsoleLogParser(options);
  for (const record of records) parser.pushRecord(record);
  return parser.finish(lines);
}

/**
 * Streaming entry: physical lines (without their `\n`; `\r` inside a line still separates segments).
 * Ingest uses ConsoleLogParser with streamTextSegments directly; this form suits any line source.
 */
export async function parseConsoleLogLines(lines: AsyncIterable<string>, options: ConsoleLogOptions = {}): Promise<ConsoleLog> {
  const parser = new ConsoleLogParser(options);
  let line = 0;
  for await (const text of lines) {
    line++;
    const body = line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (!body.includes("\r")) parser.pushSegment(body, line);
    else for (const segment of body.split("\r")) parser.pushSegment(segment, line);
  }
  return parser.finish(line);
}
