/**
 * The section grammars of the console-log parser (loaders/virnucpro/console/), each on its own, then
 * the adversarial lines that cross sections through the whole parser: `\r` bar noise, a summary cut
 * off mid-block, a second run appended, an over-long line, worker lines interleaved with a block.
 */
import {describe, expect, it} from "vitest";
import {parseConsoleLog} from "../../../loaders/virnucpro/console-log.ts";
import {chunkedLengthsIn, ChunkedLengthsSection} from "../../../loaders/virnucpro/console/chunked-lengths.ts";
import {ConfigSection, interpretConfigEntry, isInputLine, parseConfigEntry, parseInputLine} from "../../../loaders/virnucpro/console/config.ts";
import {DevicesSection, parseDeviceLine} from "../../../loaders/virnucpro/console/devices.ts";
import {DnabertSection, isDnabertStage, parseDnabertLine} from "../../../loaders/virnucpro/console/dnabert.ts";
import {Findings} from "../../../loaders/virnucpro/console/findings.ts";
import {parseIoWarning} from "../../../loaders/virnucpro/console/io-warnings.ts";
import {OutcomeSection, parseOutcomeLine} from "../../../loaders/virnucpro/console/outcome.ts";
import {firstMeaningfulLine, MAX_ERROR_FINDINGS, outOfMemoryDetail, ProblemsSection} from "../../../loaders/virnucpro/console/problems.ts";
import {parseReuseLine, ReuseSection} from "../../../loaders/virnucpro/console/reuse.ts";
import {parseHdf5Conversion, parseUnknownStageEnd, StageEventsSection} from "../../../loaders/virnucpro/console/stage-events.ts";
import {parseSummaryLine, SummarySection} from "../../../loaders/virnucpro/console/summary.ts";
import type {LogRecord} from "../../../loaders/virnucpro/records.ts";

const AT = "2026-02-09 10:00:00.000";
const TELEMETRY = "virnucpro.pipeline.telemetry";

function record(message: string, line: number, more: Partial<LogRecord> = {}): LogRecord {
  return {line, at: AT, envelope: "main", worker: null, logger: TELEMETRY, level: "INFO", message, continuation: [], ...more};
}

function codes(findings: Findings): Array<[string, number | null]> {
  return findings.sorted().map((f) => [f.code, f.line]);
}

/** A main-process console line as the pipeline writes it. */
function main(time: string, logger: string, message: string, level = "INFO"): string {
  return `2026-02-09 10:${time} - ${logger} - ${level} - ${message}`;
}

function worker(time: string, rank: number, message: string): string {
  return `2026-02-09 10:${time},500 - Worker ${rank} - virnucpro.pipeline.async_inference - INFO - ${message}`;
}

const RULE = "=".repeat(80);
const CLI = "virnucpro.cli.predict";

/** One small whole run: CLI lines, config, one DNABERT-S stage, a complete summary, the outcome. */
function smallRun(minute: string, model: string, chunked: number): string[] {
  return [
    main(`${minute}:00`, CLI, "VirNucPro Prediction - Input: /data/in.fasta"),
    main(`${minute}:00`, CLI, "Configuration:"),
    main(`${minute}:00`, CLI, `  Model: ${model}`),
    main(`${minute}:00`, CLI, "  Expected length: 300bp"),
    main(`${minute}:01`, TELEMETRY, "=== Stage 1: DNABERT-S Feature Extraction ==="),
    main(`${minute}:01`, "virnucpro.pipeline.base_worker", "  Worker 0: 4 files, 40 sequences"),
    main(`${minute}:02`, "virnucpro.pipeline.prediction", `Reading /tmp/x_chunked${chunked}.fa`),
    main(`${minute}:09`, "virnucpro.pipeline.dashboard", "GPU 0: 4/4 files (100.0%)"),
    main(`${minute}:10`, TELEMETRY, "  DNABERT-S Feature Extraction completed in 9.0s [files: 4]"),
    main(`${minute}:10`, TELEMETRY, RULE),
    main(`${minute}:10`, TELEMETRY, "PIPELINE SUMMARY"),
    main(`${minute}:10`, TELEMETRY, RULE),
    main(`${minute}:10`, TELEMETRY, "Total wall time: 00:00:10 (10.0s)"),
    main(`${minute}:10`, TELEMETRY, "  1. DNABERT-S Feature Extraction ....  9.0s ( 90.0%)"),
    main(`${minute}:10`, TELEMETRY, "Key metrics:"),
    main(`${minute}:10`, TELEMETRY, "  Sequences processed: 40"),
    main(`${minute}:10`, TELEMETRY, RULE),
    main(`${minute}:11`, CLI, "Pipeline completed successfully!")
  ];
}

describe("configuration block (console/config.ts)", () => {
  it("reads the input line, entries, and interprets only documented values", () => {
    expect(parseInputLine("VirNucPro Prediction - Input: /data/a b.fasta  ")).toBe("/data/a b.fasta");
    expect(isInputLine("VirNucPro Prediction - Input: x")).toBe(true);
    expect(parseInputLine("VirNucPro Prediction - Input:")).toBeNull();
    expect(parseConfigEntry("  Expected length:  500bp ")).toEqual({key: "Expected length", value: "500bp"});
    expect(parseConfigEntry("Model: x.pth")).toBeNull();
    expect(parseConfigEntry(`  ${"k".repeat(81)}: v`)).toBeNull();
    expect(interpretConfigEntry("Expected length", "500 bp")).toEqual({expectedLength: 500});
    expect(interpretConfigEntry("Expected length", "0bp")).toEqual({expectedLength: null});
    expect(interpretConfigEntry("Batch size", "2,048")).toEqual({batchSize: null});
    expect(interpretConfigEntry("Parallel processing", "maybe")).toEqual({parallel: null});
    expect(interpretConfigEntry("Resume", "true")).toEqual({resume: null});
    expect(interpretConfigEntry("Workers", "4")).toEqual({});
  });

  it("ends the block at the first line that is not an entry; later indented lines are not config", () => {
    const findings = new Findings();
    const config = new ConfigSection(findings);
    expect(config.line(record("Configuration:", 1))).toBe(true);
    expect(config.line(record("  Model: 500_model.pth", 2))).toBe(true);
    expect(config.line(record("  Resume: True", 3))).toBe(true);
    expect(config.line(record("Architecture: v2.0 hybrid", 4))).toBe(false);
    expect(config.line(record("  Model: 300_model.pth", 5))).toBe(false);
    const fields = config.finish();
    expect(fields.modelPath).toBe("500_model.pth");
    expect(fields.modelLine).toBe(2);
    expect(fields.resume).toBe(true);
    expect(fields.config).toEqual({Model: "500_model.pth", Resume: "True"});
    expect(codes(findings)).toEqual([["resumed_run", 3]]);
    expect(config.blockSeen).toBe(true);
    expect(config.inputSeen).toBe(false);
  });
});

describe("device lines (console/devices.ts)", () => {
  it("parses each line kind and refuses lookalikes", () => {
    expect(parseDeviceLine("Detected 2 CUDA device(s)")).toEqual({kind: "cudaDeviceCount", count: 2});
    expect(parseDeviceLine("Detected 4 GPUs, enabling parallel processing")).toEqual({kind: "cudaDeviceCount", count: 4});
    expect(parseDeviceLine("Starting multi-GPU inference: 1 GPU")).toEqual({kind: "worldSize", worldSize: 1});
    expect(parseDeviceLine("GPU 1 (NVIDIA H200): Compute 9.0, BF16 enabled")).toEqual({
      kind: "gpu",
      gpu: {index: 1, name: "NVIDIA H200", compute: "9.0", bf16: true}
    });
    expect(parseDeviceLine("GPU 1 (NVIDIA H200): Compute 9.0, BF16 maybe")).toBeNull();
    expect(parseDeviceLine("  Architecture: v2")).toBeNull();
  });

  it("keeps one entry per GPU index (the last), sorted, and ignores a world size of 0", () => {
    const devices = new DevicesSection();
    devices.line(record("GPU 1 (A): Compute 8.9, BF16 enabled", 1));
    devices.line(record("GPU 0 (B): Compute 8.9, BF16 disabled", 1));
    devices.line(record("GPU 1 (C): Compute 9.0, BF16 enabled", 1));
    devices.line(record("Starting multi-GPU inference: 2 GPUs", 1));
    expect(devices.line(record("Starting multi-GPU inference: 0 GPUs", 1))).toBe(true);
    const fields = devices.finish();
    expect(fields.gpus.map((g) => [g.index, g.name])).toEqual([
      [0, "B"],
      [1, "C"]
    ]);
    expect(fields.worldSize).toBe(2);
  });
});

describe("stage events (console/stage-events.ts)", () => {
  it("pairs completed lines with the latest open stage of that name and reports the rest", () => {
    const findings = new Findings();
    const stages = new StageEventsSection(findings);
    stages.line(record("=== Stage 1: Sequence Chunking ===", 1));
    stages.line(record("=== Stage 2: Sequence Chunking ===", 2));
    expect(stages.openStage()).toBe("Sequence Chunking");
    stages.line(record("  Sequence Chunking completed in 3.0s [files: 1,024]", 3));
    stages.line(record("  Model Prediction completed in 2.0s", 4));
    expect(stages.line(record("  Thing completed in 2.0s", 5, {logger: "other.logger"}))).toBe(true);
    stages.line(record("end_stage called for unknown stage: Nope", 6));
    stages.line(record("HDF5-to-PT conversion: 80.0s for 80 files", 7));
    const {stages: events, hdf5ConversionSeconds} = stages.finish("failed");
    expect(events.map((s) => [s.name, s.order, s.line, s.completedLine, s.seconds])).toEqual([
      ["Sequence Chunking", 1, 1, null, null],
      ["Sequence Chunking", 2, 2, 3, 3],
      ["Model Prediction", null, 4, 4, 2]
    ]);
    expect(events[1]!.extras).toEqual({files: 1024});
    expect(hdf5ConversionSeconds).toBe(80);
    expect(codes(findings)).toEqual([
      ["stage_not_completed", 1],
      ["unknown_stage_end", 4],
      ["unknown_stage_end", 6]
    ]);
    expect(findings.sorted()[0]!.message).toContain("(run failed)");
    expect(parseUnknownStageEnd("end_stage called for unknown stage: ")).toBeNull();
    expect(parseHdf5Conversion("HDF5-to-PT conversion: 80.0s")).toBeNull();
  });
});

describe("PIPELINE SUMMARY block (console/summary.ts)", () => {
  it("classifies block lines; an unindented unknown line is not part of the block", () => {
    expect(parseSummaryLine("Stages:")).toEqual({kind: "filler"});
    expect(parseSummaryLine(RULE)).toEqual({kind: "rule"});
    expect(parseSummaryLine("Total wall time: 12:00:01 (43201.0s)")).toEqual({kind: "total", hms: "12:00:01", seconds: 43201});
    expect(parseSummaryLine("  ESM-2 architecture: v2.0")).toEqual({kind: "architecture", architecture: "v2.0"});
    expect(parseSummaryLine("  Speedup: 2.1x")).toEqual({kind: "indented"});
    expect(parseSummaryLine("Pipeline completed successfully!")).toBeNull();
  });

  function feed(section: SummarySection, lines: string[], first: number, logger = TELEMETRY): void {
    lines.forEach((message, i) => {
      const r = record(message, first + i, {logger});
      if (!section.inBlock(r)) section.start(r);
    });
  }

  it("a block cut off before its closing rule is kept, incomplete, with a finding at its first line", () => {
    const findings = new Findings();
    const summary = new SummarySection(findings);
    feed(summary, ["PIPELINE SUMMARY", RULE, "Total wall time: 00:00:10 (10.0s)", "  1. Sequence Chunking ....  9.0s ( 90.0%)"], 10);
    const kept = summary.finish("unknown");
    expect(kept?.stages.map((s) => [s.name, s.line])).toEqual([["Sequence Chunking", 13]]);
    expect(kept?.complete).toBe(false);
    expect(kept?.totalLine).toBe(12);
    expect(codes(findings)).toEqual([["summary_truncated", 10]]);
  });

  it("a rule closes the block only after Key metrics; indented lines belong to it only after Key metrics", () => {
    const summary = new SummarySection(new Findings());
    feed(summary, ["PIPELINE SUMMARY", RULE], 1);
    expect(summary.inBlock(record("  Sequences processed: 40", 3))).toBe(false);
    feed(summary, ["Key metrics:", "  Sequences processed: 40", RULE], 4);
    // closed: the same lines are no longer claimed
    expect(summary.inBlock(record("Key metrics:", 7))).toBe(false);
    expect(summary.finish("success")?.complete).toBe(true);
  });

  it("lines of another logger do not enter the open block; a second summary replaces the first", () => {
    const findings = new Findings();
    const summary = new SummarySection(findings);
    feed(summary, ["PIPELINE SUMMARY", "Total wall time: 00:00:10 (10.0s)"], 1);
    expect(summary.inBlock(record("Total wall time: 00:00:99 (99.0s)", 3, {logger: CLI}))).toBe(false);
    feed(summary, ["PIPELINE SUMMARY", "Total wall time: 00:00:20 (20.0s)"], 4);
    const kept = summary.finish("success");
    expect([kept?.line, kept?.totalSeconds]).toEqual([4, 20]);
    expect(codes(findings)).toEqual([
      ["summary_truncated", 1],
      ["multiple_runs", 4],
      ["summary_truncated", 4]
    ]);
  });

  it("no summary is a warning unless the run was not meant to print one", () => {
    for (const [outcome, severity] of [
      ["unknown", "warning"],
      ["success", "warning"],
      ["failed", "info"],
      ["already_complete", "info"]
    ] as const) {
      const findings = new Findings();
      expect(new SummarySection(findings).finish(outcome)).toBeNull();
      expect(findings.sorted().map((f) => [f.code, f.severity])).toEqual([["no_summary", severity]]);
    }
  });
});

describe("DNABERT-S per-GPU lines (console/dnabert.ts)", () => {
  it("parses assignment and dashboard lines, refusing lookalikes", () => {
    expect(parseDnabertLine("  Worker 1: 40 files, 394577 sequences")).toEqual({kind: "assigned", gpu: 1, files: 40, sequences: 394577});
    expect(parseDnabertLine("  GPU 1: 40 files")).toEqual({kind: "assigned", gpu: 1, files: 40, sequences: null});
    expect(parseDnabertLine("GPU 1: 3/40 files (7.5%)")).toEqual({kind: "progress", gpu: 1, completedFiles: 3, totalFiles: 40});
    expect(parseDnabertLine("GPU 1: 3/40 files")).toBeNull();
    expect(parseDnabertLine("Worker 1: 40 files, 3 sequences")).toBeNull();
    expect(isDnabertStage(null)).toBe(true);
    expect(isDnabertStage("ESM-2 Feature Extraction")).toBe(false);
  });

  it("tallies per GPU, marks the finish at the all-done dashboard line, ignores lines of other stages", () => {
    const dnabert = new DnabertSection();
    dnabert.line(record("  Worker 1: 4 files, 40 sequences", 1), "DNABERT-S Feature Extraction");
    dnabert.line(record("  GPU 1: 5 files", 2), "DNABERT-S Feature Extraction");
    dnabert.line(record("GPU 0: 2/2 files (100.0%)", 3, {at: "2026-02-09 10:00:09.000"}), null);
    expect(dnabert.line(record("GPU 1: 1/1 files (100.0%)", 4), "ESM-2 Feature Extraction")).toBe(false);
    expect(dnabert.finish()).toEqual([
      {gpu: 0, files: null, sequences: null, completedFiles: 2, totalFiles: 2, finishedAt: "2026-02-09 10:00:09.000"},
      {gpu: 1, files: 5, sequences: 40, completedFiles: null, totalFiles: null, finishedAt: null}
    ]);
  });
});

describe("I/O warnings, chunked lengths, reuse lines", () => {
  it("reads an I/O bottleneck line with its worker, and nothing from a line that only mentions one", () => {
    const w = parseIoWarning(record("CRITICAL I/O bottleneck: GPU utilization 12.5% (10s mean)", 9, {worker: 1}));
    expect(w).toEqual({at: AT, worker: 1, severity: "critical", utilization: 12.5, line: 9});
    expect(parseIoWarning(record("no I/O bottleneck: GPU utilization 99%", 9))).toBeNull();
  });

  it("collects positive chunk lengths from messages and continuation lines, first line kept", () => {
    expect(chunkedLengthsIn("a_chunked500.fa b_chunked300.fa c_chunked0.fa d_chunked12345678.fa")).toEqual([500, 300]);
    const section = new ChunkedLengthsSection();
    section.record(record("nothing here", 1));
    section.record(record("Traceback", 2, {continuation: ['  File "x_chunked500.fa"', "y_chunked300.fa"]}));
    section.record(record("z_chunked300.fa", 3));
    expect(section.finish()).toEqual({chunkedLengths: [300, 500], chunkedLine: 2});
  });

  it("turns repeated reuse lines into one finding each, at the first line, with the count", () => {
    expect(parseReuseLine("Resuming: 4 checkpoints present")).toBeNull();
    const findings = new Findings();
    const reuse = new ReuseSection(findings);
    reuse.line(record("Skipping merge - output exists: a.pt", 5));
    reuse.line(record("Using cached index /x", 6));
    reuse.line(record("Skipping merge - output exists: b.pt", 7));
    reuse.line(record("Resuming: 4/9 checkpoints complete", 8));
    reuse.finish();
    expect(codes(findings)).toEqual([
      ["stale_output_reused", 5],
      ["cached_index", 6],
      ["resumed_run", 8]
    ]);
    expect(findings.sorted()[0]!.message).toContain("logged 2 times");
  });
});

describe("problems and outcome (console/problems.ts, console/outcome.ts)", () => {
  it("lists error records up to the cap, then one summary finding without a line", () => {
    const findings = new Findings();
    const problems = new ProblemsSection(findings);
    for (let i = 1; i <= MAX_ERROR_FINDINGS + 3; i++) problems.record(record(`bad ${i}`, i, {level: i % 2 ? "ERROR" : "CRITICAL"}));
    problems.record(record("fine", 99, {level: "WARNING"}));
    problems.finish();
    const list = findings.sorted();
    expect(list).toHaveLength(MAX_ERROR_FINDINGS + 1);
    expect(list.at(-1)).toMatchObject({code: "error_record", line: null, message: "3 further ERROR/CRITICAL records not listed individually"});
  });

  it("reports the first out-of-memory block once, with its memory detail; worker OOM text is not the run's", () => {
    const findings = new Findings();
    const problems = new ProblemsSection(findings);
    problems.record(record("OUT OF MEMORY ERROR", 3, {envelope: "worker", worker: 1}));
    problems.record(record("=".repeat(40), 4, {level: "ERROR", continuation: ["OUT OF MEMORY ERROR", "  Memory at failure: 23.5 GB "]}));
    problems.record(record("OUT OF MEMORY ERROR again", 5));
    expect(problems.stops()).toEqual({outOfMemory: true, errorTraceback: false});
    expect(findings.sorted().map((f) => [f.code, f.line, f.message])).toEqual([
      ["out_of_memory", 4, "the pipeline stopped on a CUDA out-of-memory error (Memory at failure: 23.5 GB)"],
      ["error_record", 4, `ERROR from ${TELEMETRY}: OUT OF MEMORY ERROR`]
    ]);
    expect(outOfMemoryDetail(record("x", 1))).toBeNull();
  });

  it("a traceback under a main-process error is a stop; under a worker error or an INFO record it is not", () => {
    const traceback = {continuation: ["Traceback (most recent call last):", '  File "x.py", line 1']};
    const stops = (...records: LogRecord[]) => {
      const problems = new ProblemsSection(new Findings());
      for (const r of records) problems.record(r);
      return problems.stops();
    };
    expect(stops(record("boom", 1, {level: "ERROR", ...traceback}))).toEqual({outOfMemory: false, errorTraceback: true});
    expect(stops(record("boom", 1, {level: "ERROR", envelope: "worker", worker: 0, ...traceback}))).toEqual({outOfMemory: false, errorTraceback: false});
    expect(stops(record("boom", 1, {level: "INFO", ...traceback}))).toEqual({outOfMemory: false, errorTraceback: false});
    expect(firstMeaningfulLine(record("  ", 1, {continuation: ["", "x".repeat(400)]}))).toHaveLength(301);
  });

  it("decides the outcome: OOM, then failed, failures, success, already complete, then a traceback", () => {
    expect(parseOutcomeLine("Pipeline completed with 3 failures")).toEqual({kind: "withFailures", failures: "3"});
    expect(parseOutcomeLine("Partial failure: 2 files")).toEqual({kind: "partialFailure", text: "Partial failure: 2 files"});
    const outcome = (lines: string[], stops = {outOfMemory: false, errorTraceback: false}, last?: LogRecord) => {
      const section = new OutcomeSection(new Findings());
      lines.forEach((line, i) => section.line(record(line, i + 1)));
      if (last) section.record(last);
      return section.finish(stops);
    };
    expect(outcome(["Pipeline completed successfully!", "Prediction failed: x"])).toBe("failed");
    expect(outcome(["Pipeline completed successfully!"], {outOfMemory: true, errorTraceback: false})).toBe("out_of_memory");
    expect(outcome(["All stages already completed!", "Pipeline completed with 1 failure"])).toBe("completed_with_failures");
    expect(outcome(["Pipeline completed successfully!"], {outOfMemory: false, errorTraceback: true})).toBe("success");
    expect(outcome([], {outOfMemory: false, errorTraceback: true})).toBe("failed");
    expect(outcome([], undefined, record("x", 9, {continuation: ["Traceback (most recent call last):"]}))).toBe("failed");
    expect(outcome([], undefined, record("x", 9, {envelope: "worker", worker: 0, continuation: ["Traceback (most recent call last):"]}))).toBe("unknown");
  });
});

describe("adversarial lines through the whole parser", () => {
  const log = (lines: string[]) => parseConsoleLog(lines.join("\n") + "\n");

  it("\\r bar noise between config entries and around a dashboard line changes nothing", () => {
    const clean = log(smallRun("00", "300_model.pth", 300));
    const lines = smallRun("00", "300_model.pth", 300);
    lines[2] = `Loading:  50%|#####     | 1/2 [00:01<00:01,  1.00it/s]\r${lines[2]}\rLoading: 100%|##########| 2/2 [00:02<00:00,  1.00it/s]`;
    lines[7] = `DNABERT-S:  25%|##5       | 1/4 [00:01<00:03,  1.00file/s]\r${lines[7]}`;
    const noisy = log(lines);
    expect(noisy.metadata).toEqual(clean.metadata);
    expect(noisy.dnabert).toEqual(clean.dnabert);
    expect(noisy.summary).toEqual(clean.summary);
    expect(noisy.findings).toEqual(clean.findings);
    expect(noisy.metadata.modelLine).toBe(3);
  });

  it("a summary cut off mid-block, then the file ends: the stages so far are kept, incomplete, outcome unknown", () => {
    const lines = smallRun("00", "300_model.pth", 300).slice(0, 14);
    const cut = log(lines);
    expect(cut.summary?.stages).toHaveLength(1);
    expect(cut.summary?.complete).toBe(false);
    expect(cut.outcome).toBe("unknown");
    expect(cut.findings.map((f) => [f.code, f.line])).toEqual([["summary_truncated", 11]]);
  });

  it("a second run appended: nothing of the first (config, chunk lengths, DNABERT tallies, findings) leaks into it", () => {
    const first = smallRun("00", "500_model.pth", 500);
    first.splice(4, 0, main("00:00", CLI, "  Resume: True"));
    const second = smallRun("05", "300_model.pth", 300).filter((line) => !line.includes("Worker 0: 4 files"));
    const both = log([...first, ...second]);
    const start = first.length + 1;
    expect(both.metadata.modelPath).toBe("300_model.pth");
    expect(both.metadata.modelLine).toBe(start + 2);
    expect(both.metadata.resume).toBeNull();
    expect(both.metadata.chunkedLengths).toEqual([300]);
    expect(both.dnabert).toEqual([{gpu: 0, files: null, sequences: null, completedFiles: 4, totalFiles: 4, finishedAt: "2026-02-09 10:05:09.000"}]);
    // the second run lacks its Worker line: its summary is its tenth line
    expect(both.summary?.line).toBe(start + 9);
    expect(both.findings.map((f) => [f.code, f.line])).toEqual([["multiple_runs", start]]);
    expect(both.findings[0]!.message).toContain(`lines 1-${first.length}`);
  });

  it("an over-long line is no metadata, summary or stage line, but its chunk lengths still count", () => {
    const lines = smallRun("00", "300_model.pth", 300);
    const pad = " ".repeat(2001);
    lines.splice(3, 0, main("00:00", CLI, `  Expected length: 500bp${pad}`));
    lines.splice(11, 0, main("00:10", TELEMETRY, `PIPELINE SUMMARY${pad}`));
    lines.push(main("00:12", CLI, `Architecture: v9${pad}`), main("00:12", CLI, `path /x_chunked500.fa ${"y".repeat(3000)}`));
    const parsed = log(lines);
    expect(parsed.metadata.expectedLength).toBe(300);
    expect(parsed.metadata.architecture).toBeNull();
    expect(parsed.summary?.line).toBe(13);
    expect(parsed.summary?.complete).toBe(true);
    expect(parsed.metadata.chunkedLengths).toEqual([300, 500]);
    expect(parsed.findings).toEqual([]);
  });

  it("worker lines interleaved with the config block, the DNABERT stage and the summary do not break them", () => {
    const lines = smallRun("00", "300_model.pth", 300);
    for (const at of [16, 14, 12, 7, 6, 3]) lines.splice(at, 0, worker("00:05", at % 2, `Batch ${at}: 1/9 (11.1%) | 50.0% pack eff, 1 tok/s, 1 seq/s, ETA: 1m`));
    const parsed = log(lines);
    const clean = log(smallRun("00", "300_model.pth", 300));
    expect(parsed.metadata.config).toEqual(clean.metadata.config);
    expect(parsed.metadata.expectedLength).toBe(300);
    expect(parsed.dnabert).toEqual(clean.dnabert);
    expect(parsed.summary?.complete).toBe(true);
    expect(parsed.summary?.stages.map((s) => s.seconds)).toEqual([9]);
    expect(parsed.workerRecords.map((r) => [r.line, r.worker])).toEqual([
      [4, 1],
      [8, 0],
      [10, 1],
      [16, 0],
      [19, 0],
      [22, 0]
    ]);
    expect(parsed.outcome).toBe("success");
    expect(parsed.findings).toEqual([]);
  });
});
