/**
 * ESM-2 v2 worker log `esm_v2/logs/worker_N.log` (FORMATS.md §5, §6).
 *
 * The file is opened in append mode, so every run (and every respawn after a failure) adds a segment
 * starting with `Worker N logging initialized:`. Only the last segment describes the run that left the
 * outputs; earlier ones are counted and flagged, never mixed in.
 *
 * Parsers only parse: rates, counts and times are taken as logged; nothing is averaged here.
 */
import {splitRecords} from "./envelope.ts";
import {WorkerLogSchema, type Batch, type Finding, type IoWarning, type LogRecord, type WorkerLog} from "./records.ts";

export interface WorkerLogOptions {
  /** the file's path, for messages only */
  file?: string;
}

// Digit runs are bounded so that every parsed integer stays a safe integer (zod's int()).
const INT = String.raw`\d{1,15}`;
const SEP_INT = String.raw`\d{1,3}(?:,\d{3}){0,4}|\d{1,15}`;
const FLOAT = String.raw`\d{1,15}(?:\.\d{1,15})?`;

const INIT = /^Worker (\d{1,6}) logging initialized: /;
const STARTING = new RegExp(`^Worker (${INT})/(${INT}) starting$`);
const CUDA_DEVICE = /^CUDA device: (.+)$/;
const SHARD = new RegExp(`^Worker (${INT})/(${INT}): (${INT}) sequences, (${SEP_INT}) tokens$`);
const TOKEN_BUDGET = new RegExp(`^Token budget: (${INT}) \\(GPU \\d+: .*\\)$`);
const DYNAMIC_BUDGET = new RegExp(`^Dynamic token budget: (${INT})$`);
const OVERFLOW_BUDGET = new RegExp(`^Token budget overflow: .* budget (${INT})\\)$`);
const DATALOADER_BATCH = new RegExp(`^Batch (${INT}): wait=(${FLOAT})ms, seqs=(${INT}), tokens=(${INT}), queue_state=(\\w+)$`);
/** (B) async_inference.py:764-770: `{done}/{total} ({pct}%) | ` when the dataset length is known, `{done:,} sequences | ` otherwise */
const PROGRESS_BATCH = new RegExp(
  `^Batch (${INT}): (?:(${INT})/(${INT}) \\(${FLOAT}%\\)|(${SEP_INT}) sequences) \\| (${FLOAT})% pack eff, (${SEP_INT}) tok/s, (${FLOAT}) seq/s, ETA: (${FLOAT}[mh]|unknown)$`
);
const ASYNC_COMPLETE = new RegExp(`^Async inference complete: (${INT}) sequences, (${FLOAT}) seq/s, (${FLOAT}) tokens/s$`);
const DATALOADER_STATS = new RegExp(`^DataLoader stats: avg_wait=(${FLOAT})ms, max_wait=(${FLOAT})ms, packing_efficiency=(${FLOAT})%$`);
const IO_BOTTLENECK = new RegExp(`^(Mild|CRITICAL) I/O bottleneck: GPU utilization (${FLOAT})% \\(threshold: \\d+%\\)`);
const COMPLETED = /^Worker (\d{1,6}) completed successfully$/;
/** gpu_monitor.py:352-355, on the 4096 scale (§5.3): practically never fires */
const LOW_BATCH_PACKING = /^Low packing efficiency: .* at batch \d+$/;
/** packing.py: the genuine FFD efficiency against the real budget (WARNING 80-85 %, ERROR below 80 %) */
const LOW_BUFFER_PACKING = /^(?:Low packing efficiency: .* Consider increasing buffer_size\.|CRITICAL: Packing efficiency .* Packing may be broken or buffer_size too small\.)$/;
const RESUMED = /^(?:Resuming shard \d+: \d+ sequences from \d+ checkpoints|Rank \d+: Filtered index from \d+ to \d+ sequences \(\d+ already processed\))$/;

/** A log records one error per failed metric collection (1 Hz): keep the first few as findings. */
const MAX_ERROR_FINDINGS = 20;

const num = (s: string) => Number(s.replace(/,/g, ""));
/** '392.2' -> 3.922 as the nearest double to the decimal, not 392.2 / 100 = 3.9219999999999997 */
const percentToFraction = (s: string) => Number(`${s}e-2`);

/**
 * Parses a worker_N.log. A last line without its newline was cut while being written (Python's
 * handler writes a record and its newline together): it is dropped with a finding rather than read as
 * a shorter number.
 */
export function parseWorkerLog(text: string, worker: number, options: WorkerLogOptions = {}): WorkerLog {
  const cut = text.length > 0 && !text.endsWith("\n") ? text.lastIndexOf("\n") + 1 : -1;
  const whole = cut >= 0 ? text.slice(0, cut) : text;
  const {records, lines} = splitRecords(whole);
  const log = parseWorkerRecords(records, worker, options);
  if (cut >= 0) {
    const line = lines + 1;
    log.findings.push(finding("truncated_line", "info", `last line ${line} has no newline (cut while being written): not read`, line, []));
  }
  return log;
}

/**
 * Parses one worker's records: a worker_N.log's, or the same worker's stderr lines in a console
 * capture (already filtered to that worker).
 */
export function parseWorkerRecords(records: LogRecord[], worker: number, options: WorkerLogOptions = {}): WorkerLog {
  const where = options.file ?? `the worker ${worker} log`;
  const inits = records.flatMap((r, i) => (INIT.test(r.message) ? [i] : []));
  const segment = inits.length ? records.slice(inits.at(-1)) : records;
  const findings: Finding[] = [];
  if (inits.length > 1) {
    const line = records[inits.at(-1)!]!.line;
    findings.push(
      finding(
        "multiple_segments",
        "warning",
        `${where} holds ${inits.length} run segments (appended by a re-run or a worker respawn): only the last one, from line ${line}, is read`,
        line,
        ["timing", "throughput"]
      )
    );
  }

  const log: WorkerLog = {
    worker,
    worldSize: null,
    segments: inits.length,
    firstLine: segment[0]?.line ?? null,
    deviceName: null,
    startedAt: null,
    modelLoadStartedAt: null,
    modelLoadedAt: null,
    inferenceStartedAt: null,
    firstBatchAt: null,
    inferenceCompletedAt: null,
    completedAt: null,
    assignedSequences: null,
    assignedTokens: null,
    sequences: null,
    seqPerSec: null,
    tokensPerSec: null,
    tokenBudget: null,
    avgWaitMs: null,
    maxWaitMs: null,
    loggedFinalPacking: null,
    batches: [],
    ioWarnings: [],
    findings
  };

  // the packer's own budget line is the computed value; the others repeat or echo it
  const budgets: Array<{value: number; rank: number; line: number}> = [];
  let errors = 0;
  let monitorErrors = 0;
  let unrecognizedBatch: {count: number; line: number} | null = null;
  let foreignWorker: LogRecord | null = null;

  for (const r of segment) {
    if (r.worker !== null && r.worker !== worker && foreignWorker === null) foreignWorker = r;
    const message = r.message;
    let m: RegExpExecArray | null;

    if (r.level === "ERROR" || r.level === "CRITICAL") {
      if (LOW_BUFFER_PACKING.test(message)) {
        findings.push(finding("low_packing_efficiency", "warning", `packer: ${message}`, r.line, ["packing"]));
      } else if (r.logger === "virnucpro.utils.gpu_monitor") {
        // a failed 1 Hz metrics collection: the worker goes on, only its GPU samples are affected
        if (++monitorErrors <= MAX_ERROR_FINDINGS) findings.push(finding("gpu_monitor_error", "warning", `worker ${worker} GPU monitor: ${firstLine(message)}`, r.line, ["gpu"]));
      } else if (++errors <= MAX_ERROR_FINDINGS) {
        findings.push(finding("worker_error", "error", `worker ${worker} ${r.level}: ${firstLine(message)}`, r.line, ["throughput", "timing"]));
      }
      continue;
    }

    if (message.startsWith("Batch ")) {
      if ((m = DATALOADER_BATCH.exec(message))) {
        log.batches.push(batch(r, "dataloader", {batch: num(m[1]!), waitMs: num(m[2]!), sequences: num(m[3]!), tokens: num(m[4]!), queueState: m[5]!}));
      } else if ((m = PROGRESS_BATCH.exec(message))) {
        const known = m[2] !== undefined;
        log.batches.push(
          batch(r, "progress", {
            batch: num(m[1]!),
            done: known ? num(m[2]!) : num(m[4]!),
            total: known ? num(m[3]!) : null,
            // '358.1%' on the 4096 scale: stored as the fraction 3.581
            loggedPackEff: percentToFraction(m[5]!),
            tokensPerSec: num(m[6]!),
            seqPerSec: num(m[7]!),
            eta: m[8]!
          })
        );
      } else if (/^Batch \d+: /.test(message)) {
        unrecognizedBatch = unrecognizedBatch ? {count: unrecognizedBatch.count + 1, line: unrecognizedBatch.line} : {count: 1, line: r.line};
      }
      continue;
    }

    if ((m = IO_BOTTLENECK.exec(message))) {
      log.ioWarnings.push(ioWarning(r, m[1] === "Mild" ? "mild" : "critical", num(m[2]!)));
    } else if ((m = STARTING.exec(message))) {
      log.startedAt ??= r.at;
      log.worldSize = positive(num(m[2]!)) ?? log.worldSize;
      if (num(m[1]!) !== worker) foreignWorker ??= r;
    } else if ((m = CUDA_DEVICE.exec(message))) {
      log.deviceName ??= m[1]!.trim();
    } else if ((m = SHARD.exec(message))) {
      log.assignedSequences = num(m[3]!);
      log.assignedTokens = num(m[4]!);
      log.worldSize ??= positive(num(m[2]!));
    } else if (message.startsWith("Loading model: ")) {
      log.modelLoadStartedAt ??= r.at;
    } else if (message.startsWith("ESM-2 model loaded: ")) {
      log.modelLoadedAt ??= r.at;
    } else if (message === "Starting async inference loop" || message.startsWith("Starting inference on ") || message === "Starting inference (dataset size unknown)") {
      // the runner's timer starts with the loop line; the dataset line follows within milliseconds
      log.inferenceStartedAt ??= r.at;
    } else if (message.startsWith("First batch ready after ")) {
      log.firstBatchAt ??= r.at;
    } else if ((m = TOKEN_BUDGET.exec(message))) {
      budgets.push({value: num(m[1]!), rank: 0, line: r.line});
    } else if ((m = DYNAMIC_BUDGET.exec(message))) {
      budgets.push({value: num(m[1]!), rank: 1, line: r.line});
    } else if ((m = OVERFLOW_BUDGET.exec(message))) {
      budgets.push({value: num(m[1]!), rank: 2, line: r.line});
    } else if ((m = ASYNC_COMPLETE.exec(message))) {
      log.sequences = num(m[1]!);
      log.seqPerSec = num(m[2]!);
      log.tokensPerSec = num(m[3]!);
      log.inferenceCompletedAt = r.at;
    } else if ((m = DATALOADER_STATS.exec(message))) {
      log.avgWaitMs = num(m[1]!);
      log.maxWaitMs = num(m[2]!);
      log.loggedFinalPacking = percentToFraction(m[3]!);
    } else if ((m = COMPLETED.exec(message))) {
      if (num(m[1]!) === worker) log.completedAt = r.at;
      else foreignWorker ??= r;
    } else if (LOW_BATCH_PACKING.test(message)) {
      findings.push(finding("low_batch_packing", "info", `gpu_monitor (4096-token scale, not the real budget): ${message}`, r.line, ["packing"]));
    } else if (LOW_BUFFER_PACKING.test(message)) {
      findings.push(finding("low_packing_efficiency", "info", `packer: ${message}`, r.line, ["packing"]));
    } else if (RESUMED.test(message)) {
      findings.push(finding("worker_resumed", "warning", `worker ${worker} resumed from checkpoints (${message}): its rates exclude the resumed sequences`, r.line, ["throughput", "timing"]));
    }
  }

  const budget = pickBudget(budgets);
  log.tokenBudget = budget.value;
  if (budget.conflict) {
    findings.push(finding("token_budget_conflict", "warning", `worker ${worker} logs different token budgets (${budget.conflict}): the packer's 'Token budget:' line is used`, budget.line, ["packing"]));
  }
  if (errors > MAX_ERROR_FINDINGS) {
    findings.push(finding("worker_error", "error", `worker ${worker}: ${errors - MAX_ERROR_FINDINGS} more ERROR lines not listed`, null, ["throughput", "timing"]));
  }
  if (monitorErrors > MAX_ERROR_FINDINGS) {
    findings.push(finding("gpu_monitor_error", "warning", `worker ${worker} GPU monitor: ${monitorErrors - MAX_ERROR_FINDINGS} more ERROR lines not listed`, null, ["gpu"]));
  }
  if (unrecognizedBatch) {
    findings.push(finding("unrecognized_line", "warning", `${unrecognizedBatch.count} 'Batch N:' line(s) match neither known format (first at line ${unrecognizedBatch.line}): not read`, unrecognizedBatch.line, ["packing", "throughput"]));
  }
  if (foreignWorker) {
    findings.push(finding("worker_mismatch", "warning", `${where} is read as worker ${worker} but holds lines of another worker (line ${foreignWorker.line})`, foreignWorker.line, ["throughput"]));
  }
  if (log.completedAt === null) {
    const last = segment.at(-1)?.line ?? null;
    findings.push(
      finding("worker_incomplete", "warning", `worker ${worker} never logged 'Worker ${worker} completed successfully'${errors ? " (it logged errors)" : ""}: its run did not finish`, last, ["throughput", "timing", "packing"])
    );
  }
  return WorkerLogSchema.parse(log);
}

function pickBudget(budgets: Array<{value: number; rank: number; line: number}>): {value: number | null; conflict: string | null; line: number | null} {
  const valid = budgets.filter((b) => b.value > 0);
  if (valid.length === 0) return {value: null, conflict: null, line: null};
  const best = [...valid].sort((a, b) => a.rank - b.rank || a.line - b.line)[0]!;
  const values = [...new Set(valid.map((b) => b.value))];
  return {value: best.value, conflict: values.length > 1 ? values.join(" vs ") : null, line: best.line};
}

type BatchFields = Partial<Omit<Batch, "kind" | "at" | "line">> & {batch: number};

function batch(r: LogRecord, kind: Batch["kind"], fields: BatchFields): Batch {
  return {
    kind,
    at: r.at,
    line: r.line,
    waitMs: null,
    sequences: null,
    tokens: null,
    queueState: null,
    done: null,
    total: null,
    loggedPackEff: null,
    tokensPerSec: null,
    seqPerSec: null,
    eta: null,
    ...fields
  };
}

function ioWarning(r: LogRecord, severity: IoWarning["severity"], utilization: number): IoWarning {
  return {at: r.at, worker: r.worker, severity, utilization, line: r.line};
}

function finding(code: string, severity: Finding["severity"], message: string, line: number | null, affects: string[]): Finding {
  return {code, severity, message, line, affects};
}

function positive(n: number): number | null {
  return n > 0 ? n : null;
}

function firstLine(message: string): string {
  const text = message.split("\n", 1)[0]!;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
