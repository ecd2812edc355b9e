/**
 * The broken-input corpus, generated from code: every case starts from a real-format artifact made by
 * the study generator (loaders/virnucpro/example/generate.ts) and breaks it in one documented way. Nothing big is
 * committed; the 50 MB line is built in memory by the test that needs it.
 *
 * Each helper returns the broken text (or bytes) plus the facts a test needs to state the exact
 * outcome: which line a section starts on, where a cut falls.
 */
import {cp, writeFile} from "node:fs/promises";
import path from "node:path";
import {phase10Plan, renderRun, writeStudy, type RunPlan, type StudyPlan} from "../../loaders/virnucpro/example/generate.ts";

/** Small outputs keep every corpus study fast to write and ingest; logs keep their full Phase 10 shape. */
export const CORPUS_ROWS = 600;

export function corpusPlan(): StudyPlan {
  return phase10Plan({perFrameRows: CORPUS_ROWS});
}

export function runPlan(id: "1gpu" | "2gpu", plan: StudyPlan = corpusPlan()): RunPlan {
  const run = plan.runs.find((r) => r.id === id);
  if (!run) throw new Error(`no run ${id}`);
  return run;
}

/** The generated console capture of one Phase 10 run (LF, trailing newline). */
export function consoleLogOf(id: "1gpu" | "2gpu"): string {
  const plan = corpusPlan();
  return renderRun(runPlan(id, plan), plan).console;
}

export function workerLogsOf(id: "1gpu" | "2gpu"): string[] {
  const plan = corpusPlan();
  return renderRun(runPlan(id, plan), plan).workerLogs;
}

export function gpuMetricsOf(id: "1gpu" | "2gpu"): Array<{name: string; text: string}> {
  const plan = corpusPlan();
  return renderRun(runPlan(id, plan), plan).gpuMetrics;
}

export function linesOf(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** 1-based number of the first line containing `needle` (after line `after`). */
export function lineOf(text: string, needle: string, after = 0): number {
  const lines = linesOf(text);
  for (let i = after; i < lines.length; i++) if (lines[i]!.includes(needle)) return i + 1;
  throw new Error(`no line containing ${JSON.stringify(needle)} after line ${after}`);
}

/** The capture as a killed `tee` leaves it: the first `count` whole lines. */
export function keepLines(text: string, count: number): string {
  return linesOf(text).slice(0, count).join("\n") + "\n";
}

/** The first `count` whole lines plus the first `chars` characters of the next one, no newline at the end. */
export function cutMidLine(text: string, count: number, chars: number): string {
  const lines = linesOf(text);
  return [...lines.slice(0, count), lines[count]!.slice(0, chars)].join("\n");
}

/** Where each section of a console capture starts and ends (1-based lines). */
export interface Sections {
  banners: Map<string, number>;
  completed: Map<string, number>;
  /** the `PIPELINE SUMMARY` line */
  summary: number;
  /** the rule before `PIPELINE SUMMARY` */
  summaryOpeningRule: number;
  total: number;
  summaryStages: number[];
  bottlenecks: number;
  keyMetrics: number;
  closingRule: number;
  success: number;
  lastLine: number;
}

const TELEMETRY = " - virnucpro.pipeline.telemetry - INFO - ";

export function sectionsOf(text: string): Sections {
  const lines = linesOf(text);
  const banners = new Map<string, number>();
  const completed = new Map<string, number>();
  const summaryStages: number[] = [];
  let summary = 0;
  let total = 0;
  let bottlenecks = 0;
  let keyMetrics = 0;
  let closingRule = 0;
  let success = 0;
  lines.forEach((line, i) => {
    const n = i + 1;
    const at = line.indexOf(TELEMETRY);
    if (at >= 0) {
      const message = line.slice(at + TELEMETRY.length);
      let m: RegExpExecArray | null;
      if ((m = /^=== Stage \d+: (.+) ===$/.exec(message))) banners.set(m[1]!, n);
      else if ((m = /^ {2}(.+?) completed in /.exec(message))) completed.set(m[1]!, n);
      else if (message === "PIPELINE SUMMARY") summary = n;
      else if (message.startsWith("Total wall time")) total = n;
      else if (/^ {2}\d\. /.test(message)) summaryStages.push(n);
      else if (message.startsWith("Bottlenecks")) bottlenecks = n;
      else if (message === "Key metrics:") keyMetrics = n;
      else if (/^=+$/.test(message) && keyMetrics) closingRule ||= n;
    }
    if (line.includes("Pipeline completed successfully!")) success = n;
  });
  return {banners, completed, summary, summaryOpeningRule: summary - 1, total, summaryStages, bottlenecks, keyMetrics, closingRule, success, lastLine: lines.length};
}

/** Every line after which a truncation leaves a different section structure: both sides of each boundary. */
export function sectionBoundaries(s: Sections): number[] {
  const points = new Set<number>();
  const add = (n: number) => {
    for (const k of [n - 1, n]) if (k > 0 && k <= s.lastLine) points.add(k);
  };
  for (const n of s.banners.values()) add(n);
  for (const n of s.completed.values()) add(n);
  for (const n of [s.summaryOpeningRule, s.summary, s.total, ...s.summaryStages, s.bottlenecks, s.keyMetrics, s.closingRule, s.success, s.lastLine]) add(n);
  return [...points].sort((a, b) => a - b);
}

/**
 * The run ends in a CUDA out-of-memory error inside ESM-2 (exit code 4): the capture keeps everything up
 * to `keep` lines into stage 6, then the worker's OOM error, the coordinator's permanent failure, the
 * partial-failure warning and the pipeline's OUT OF MEMORY ERROR block (prediction.py:1119-1139).
 */
export function oomLog(text: string): {text: string; oomLine: number; workerErrorLine: number; coordinatorLine: number; partialLine: number; esmBanner: number} {
  const s = sectionsOf(text);
  const esmBanner = s.banners.get("ESM-2 Feature Extraction")!;
  const kept = linesOf(text).slice(0, esmBanner + 40);
  const tail = [
    "2026-02-09 11:33:02,551 - Worker 1 - gpu_worker_1 - ERROR - Rank 1: CUDA OOM error - CUDA out of memory. Tried to allocate 2.50 GiB. GPU 0 has a total capacity of 23.55 GiB of which 1.02 GiB is free.",
    "Memory: 21.84GB allocated, 22.10GB reserved",
    "2026-02-09 11:33:07 - virnucpro.pipeline.gpu_coordinator - ERROR - Rank 1: Permanent failure after retries (cuda_oom)",
    "2026-02-09 11:33:07 - virnucpro.pipeline.multi_gpu_inference - WARNING - Partial failure: 1/2 workers failed: [1]",
    "Successful workers: [0]",
    "2026-02-09 11:33:07 - virnucpro.pipeline.prediction - ERROR - ============================================================",
    "OUT OF MEMORY ERROR",
    "============================================================",
    "Memory at failure: 21.84GB allocated, 1.02GB free",
    "Fragmentation ratio: 0.07",
    "",
    "Suggestions:",
    "  - Reduce --esm-batch-size"
  ];
  const workerErrorLine = kept.length + 1;
  return {
    text: [...kept, ...tail].join("\n") + "\n",
    esmBanner,
    workerErrorLine,
    coordinatorLine: workerErrorLine + 2,
    partialLine: workerErrorLine + 3,
    oomLine: workerErrorLine + 5
  };
}

/**
 * A `--resume` re-run: the Configuration block says `Resume: True` and the DNABERT-S stage logs how many
 * checkpoints it found complete (prediction.py:517), so its time is not the full stage's.
 */
export function resumedLog(text: string): {text: string; resumeConfigLine: number; resumingLine: number} {
  const lines = linesOf(text);
  const resumeConfigLine = lines.findIndex((l) => l.endsWith("INFO -   Resume: False")) + 1;
  if (resumeConfigLine === 0) throw new Error("no Resume: line");
  lines[resumeConfigLine - 1] = lines[resumeConfigLine - 1]!.replace("Resume: False", "Resume: True");
  const banner = sectionsOf(text).banners.get("DNABERT-S Feature Extraction")!;
  const stamp = lines[banner - 1]!.slice(0, 19);
  lines.splice(banner, 0, `${stamp} - virnucpro.pipeline.prediction - INFO - Resuming: 40 DNABERT-S checkpoints complete, 40 to process`);
  return {text: lines.join("\n") + "\n", resumeConfigLine, resumingLine: banner + 1};
}

/** Two runs' captures in one file (`tee -a` into the same log). */
export function concatenatedLogs(first: string, second: string): {text: string; secondStartsAt: number} {
  const firstLines = linesOf(first);
  const secondLines = linesOf(second);
  const secondInput = secondLines.findIndex((l) => l.includes("VirNucPro Prediction - Input: "));
  return {text: [...firstLines, ...secondLines].join("\n") + "\n", secondStartsAt: firstLines.length + secondInput + 1};
}

/**
 * A worker log appended to by a second run (`worker_N.log` is opened in append mode): the second segment
 * starts with `=== Resume at … ===` and its own `logging initialized` line (worker_logging.py:65-68).
 */
export function workerLogWithSegments(first: string, second: string): {text: string; secondSegmentLine: number} {
  const firstLines = linesOf(first);
  const secondLines = linesOf(second);
  const stamp = secondLines[0]!.slice(0, 23);
  const rank = /Worker (\d+) - /.exec(secondLines[0]!)?.[1] ?? "0";
  const resume = `${stamp} - Worker ${rank} - root - INFO - === Resume at ${stamp.replace(" ", "T").replace(",", ".")}000 ===`;
  return {text: [...firstLines, resume, ...secondLines].join("\n") + "\n", secondSegmentLine: firstLines.length + 1};
}

export function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}

export function withBom(text: string): string {
  return `\ufeff${text}`;
}

/** The text as UTF-8 bytes with an invalid sequence (a lone 0xFF and a truncated 3-byte sequence) on `line`. */
export function withInvalidUtf8(text: string, line: number): Buffer {
  const lines = linesOf(text);
  const before = Buffer.from(lines.slice(0, line - 1).map((l) => `${l}\n`).join(""), "utf8");
  const target = lines[line - 1]!;
  const bad = Buffer.concat([Buffer.from(target.slice(0, 30), "utf8"), Buffer.from([0xff, 0xe2, 0x82]), Buffer.from(`${target.slice(30)}\n`, "utf8")]);
  const after = Buffer.from(lines.slice(line).map((l) => `${l}\n`).join(""), "utf8");
  return Buffer.concat([before, bad, after]);
}

/**
 * A runaway line: `bytes` of output with no newline (a tqdm bar redrawn without `\r`, a binary dump).
 * Dashes and digits make every position a date candidate for the envelope scan; no valid record hides in it.
 */
export function runawayLine(bytes: number): string {
  const unit = "2026-02-09 11:5 - x - NOTALEVEL - 99%|#### 1-2-3-4 ";
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

// ---------------------------------------------------------------------------------------------------
// gpu_metrics files

/** Header lines (`#` before the first row) removed: the header race of FORMATS §4.1 (c). */
export function gpuMetricsWithoutHeader(text: string): string {
  const lines = linesOf(text);
  const first = lines.findIndex((l) => !l.startsWith("#"));
  return lines.slice(first).join("\n") + "\n";
}

/** The last data row cut mid-way and nothing after it (the monitor was killed while writing). */
export function gpuMetricsTruncatedRow(text: string): {text: string; lastRowLine: number; rows: number} {
  const lines = linesOf(text);
  let last = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.startsWith("#")) {
      last = i;
      break;
    }
  }
  const row = lines[last]!;
  const rows = lines.slice(0, last).filter((l) => !l.startsWith("#") && l !== "").length;
  return {text: [...lines.slice(0, last), row.slice(0, row.indexOf(",", row.indexOf(",", row.indexOf(",") + 1) + 1) + 3)].join("\n"), lastRowLine: last + 1, rows};
}

// ---------------------------------------------------------------------------------------------------
// Prediction files

export const PER_FRAME_HEADER = "Sequence_ID\tPrediction\tscore1\tscore2";
export const CONSENSUS_HEADER = "Modified_ID\tIs_Virus\tmax_score_0\tmax_score_1";

export function perFrame(rows: Array<[string, string, string, string]>, header = PER_FRAME_HEADER): string {
  return [header, ...rows.map((r) => r.join("\t"))].join("\n") + "\n";
}

export function consensus(rows: Array<[string, string, string, string]>, header = CONSENSUS_HEADER): string {
  return [header, ...rows.map((r) => r.join("\t"))].join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------------
// Whole studies

/** The generated Phase 10 study (2 runs + reference, small outputs), written once and copied per case. */
export async function writeCorpusStudy(dir: string): Promise<{studyFile: string; dir: string}> {
  const {studyFile} = await writeStudy(dir, corpusPlan());
  return {studyFile, dir};
}

export async function copyStudy(from: string, to: string): Promise<string> {
  await cp(from, to, {recursive: true});
  return path.join(to, "study.yaml");
}

export async function replaceFile(file: string, content: string | Buffer): Promise<void> {
  await writeFile(file, content);
}
