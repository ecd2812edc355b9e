import {readFileSync} from "node:fs";
import {fileURLToPath} from "node:url";
import {describe, expect, it} from "vitest";
import {parseConsoleLog} from "../../../loaders/virnucpro/console-log.ts";
import {parseExtras, parseSummaryStage} from "../../../loaders/virnucpro/stages.ts";
import {ConsoleLogSchema, type ConsoleLog} from "../../../loaders/virnucpro/records.ts";
import {InputError} from "../../../engine/errors.ts";

function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/console/${name}`, import.meta.url)), "utf8");
}

/** the first `count` physical lines, as a capture cut off at that point would hold */
function firstLines(text: string, count: number): string {
  return text.split("\n").slice(0, count).join("\n") + "\n";
}

function lineOf(text: string, needle: string): number {
  const index = text.split("\n").findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`fixture has no line containing ${needle}`);
  return index + 1;
}

function codes(log: ConsoleLog): string[] {
  return log.findings.map((finding) => finding.code);
}

const TELEMETRY = "2026-02-09 00:33:05 - virnucpro.pipeline.telemetry - INFO - ";

describe("Phase 10 1-GPU PIPELINE SUMMARY (FORMATS §2.3)", () => {
  const text = fixture("phase10-1gpu-summary.log");
  const log = parseConsoleLog(text, {file: "phase10-1gpu-summary.log"});

  it("reads the total wall time both ways", () => {
    expect(log.summary?.totalSeconds).toBe(3200.6);
    expect(log.summary?.totalHms).toBe("00:53:20");
    expect(log.summary?.line).toBe(3);
  });

  it("reads each of the nine stages by name, in order, with seconds and percent", () => {
    expect(log.summary?.stages.map((s) => [s.order, s.name, s.seconds, s.pct, s.skipped])).toEqual([
      [1, "Sequence Chunking", 7.1, 0.2, false],
      [2, "Six-Frame Translation", 8.4, 0.3, false],
      [3, "Nucleotide File Splitting", 3.3, 0.1, false],
      [4, "Protein File Splitting", 3.1, 0.1, false],
      [5, "DNABERT-S Feature Extraction", 501.9, 15.7, false],
      [6, "ESM-2 Feature Extraction", 2591.1, 81.0, false],
      [7, "Feature Merging", 34.7, 1.1, false],
      [8, "Model Prediction", 37.4, 1.2, false],
      [9, "Consensus Scoring", 13.6, 0.4, false]
    ]);
    expect(log.summary?.stages.map((s) => s.line)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it("reads bottlenecks, the ESM-2 architecture line, and sees the closing rule", () => {
    expect(log.summary?.bottlenecks).toEqual([
      {name: "ESM-2 Feature Extraction", pct: 81},
      {name: "DNABERT-S Feature Extraction", pct: 16},
      {name: "Model Prediction", pct: 1}
    ]);
    expect(log.summary?.architecture).toBe("v2.0 (async DataLoader + FlashAttention)");
    expect(log.summary?.complete).toBe(true);
  });

  it("finds the published stage times consistent with the total (no stage_sum_mismatch)", () => {
    expect(codes(log)).not.toContain("stage_sum_mismatch");
    expect(codes(log)).not.toContain("summary_truncated");
    expect(log.lines).toBe(23);
    expect(log.records).toBe(23);
  });

  it("keeps a stage list that does not add up as printed: the sum is checked once, in SQL (test/metrics/timing-scaling)", () => {
    const broken = parseConsoleLog(text.replace("2591.1s ( 81.0%)", "2491.1s ( 81.0%)"));
    // a parser finding here as well gave two stage_sum_mismatch warnings for one fault
    expect(codes(broken)).not.toContain("stage_sum_mismatch");
    expect(broken.summary?.stages.find((s) => s.name === "ESM-2 Feature Extraction")?.seconds).toBe(2491.1);
    expect(broken.summary?.totalSeconds).toBe(3200.6);
    expect(broken.summary?.line).toBe(3);
  });

  it("keeps the stages of a summary cut off mid-block, marked incomplete", () => {
    const cut = parseConsoleLog(firstLines(text, 12));
    expect(cut.summary?.complete).toBe(false);
    expect(cut.summary?.stages.map((s) => s.name)).toEqual([
      "Sequence Chunking",
      "Six-Frame Translation",
      "Nucleotide File Splitting",
      "Protein File Splitting",
      "DNABERT-S Feature Extraction"
    ]);
    expect(cut.findings.find((f) => f.code === "summary_truncated")).toMatchObject({line: 3, severity: "warning"});
    // a partial stage list cannot be checked against the total
    expect(codes(cut)).not.toContain("stage_sum_mismatch");
  });

  it("treats a summary that lost only its closing rule as incomplete", () => {
    const cut = parseConsoleLog(firstLines(text, 22).replace("2591.1s", "2000.0s"));
    expect(cut.summary?.complete).toBe(false);
    expect(cut.summary?.architecture).toBe("v2.0 (async DataLoader + FlashAttention)");
    expect(codes(cut)).toContain("summary_truncated");
  });

  it("parses the same block written with CRLF line ends and a BOM", () => {
    const crlf = parseConsoleLog("\uFEFF" + text.replaceAll("\n", "\r\n"));
    expect(crlf).toEqual(log);
  });
});

describe("a 2-GPU run with bars, glued records and interleaved workers", () => {
  const text = fixture("two-gpu-run.log");
  const log = parseConsoleLog(text, {file: "two-gpu-run.log"});

  it("validates against the schema and counts the file", () => {
    expect(ConsoleLogSchema.safeParse(log).success).toBe(true);
    expect(log.lines).toBe(135);
    expect(log.firstAt).toBe("2026-02-09 16:09:58.000");
    expect(log.lastAt).toBe("2026-02-09 16:43:48.000");
    expect(log.outcome).toBe("success");
  });

  it("reads run metadata from the CLI lines and the Configuration block", () => {
    const meta = log.metadata;
    expect(meta.input).toBe("/data/USA-MA-Broad_MGH-22989-2024.lNDM_F11.HLWLWDRX5.1.hs_depleted.subset_1M.fasta");
    expect(meta.modelPath).toBe("300_model.pth");
    expect(meta.expectedLength).toBe(300);
    expect(meta.batchSize).toBe(256);
    expect(meta.dnabertBatchSize).toBe(2048);
    expect(meta.esmBatchSize).toBeNull();
    expect(meta.parallel).toBe(true);
    expect(meta.resume).toBe(false);
    expect(meta.outputDir).toBe("/tmp/virnucpro_bench_2gpu");
    expect(meta.config).toMatchObject({Device: "cuda:0", Workers: "4", "Cleanup intermediate files": "False", "Verbose mode": "enabled"});
    expect(Object.keys(meta.config)).toHaveLength(12);
    expect(meta.architecture).toBe("v2.0 hybrid");
    expect(meta.cudaDeviceCount).toBe(2);
    expect(meta.worldSize).toBe(2);
    expect(meta.gpus).toEqual([
      {index: 0, name: "NVIDIA GeForce RTX 4090", compute: "8.9", bf16: true},
      {index: 1, name: "NVIDIA GeForce RTX 4090", compute: "8.9", bf16: true}
    ]);
    expect(meta.chunkedLengths).toEqual([300]);
  });

  it("reads stage events keyed by name with start, end, seconds and typed extras", () => {
    expect(log.stages.map((s) => [s.order, s.name, s.seconds])).toEqual([
      [1, "Sequence Chunking", 7.3],
      [2, "Six-Frame Translation", 8.5],
      [3, "Nucleotide File Splitting", 4.3],
      [4, "Protein File Splitting", 4.0],
      [5, "DNABERT-S Feature Extraction", 523.5],
      [6, "ESM-2 Feature Extraction", 1383.2],
      [7, "Feature Merging", 41.5],
      [8, "Model Prediction", 39.1],
      [9, "Consensus Scoring", 13.6]
    ]);
    const translation = log.stages[1]!;
    expect(translation).toMatchObject({
      startedAt: "2026-02-09 16:10:09.000",
      endedAt: "2026-02-09 16:10:18.000",
      skipped: false,
      line: lineOf(text, "=== Stage 2: Six-Frame Translation ===")
    });
    expect(translation.extras).toEqual({sequences: 1_000_000, sequences_with_orfs: 601_257, seq_per_sec: 117647.1});
    expect(log.stages[5]!.extras).toEqual({files: 80, architecture: "v2.0"});
    expect(log.stages[7]!.extras).toEqual({predictions: 794_577});
    // the Feature Merging completed line follows a record glued after a bar
    expect(log.stages[6]!.endedAt).toBe("2026-02-09 16:42:55.000");
  });

  it("reads the 2-GPU summary", () => {
    expect(log.summary).toMatchObject({totalSeconds: 2025.0, totalHms: "00:33:44", complete: true});
    expect(log.summary?.stages.find((s) => s.name === "ESM-2 Feature Extraction")?.seconds).toBe(1383.2);
    expect(log.findings).toEqual([]);
  });

  it("reads DNABERT-S per-GPU load and finish times from base_worker and dashboard lines", () => {
    expect(log.dnabert).toEqual([
      {gpu: 0, files: 40, sequences: 397289, completedFiles: 40, totalFiles: 40, finishedAt: "2026-02-09 16:19:08.000"},
      {gpu: 1, files: 40, sequences: 397288, completedFiles: 40, totalFiles: 40, finishedAt: "2026-02-09 16:19:02.000"}
    ]);
  });

  it("reads Mild (INFO) and CRITICAL (WARNING) I/O bottleneck lines with the worker rank", () => {
    expect(log.ioWarnings).toEqual([
      {at: "2026-02-09 16:20:31.554", worker: 1, severity: "mild", utilization: 71.4, line: lineOf(text, "Mild I/O bottleneck")},
      {at: "2026-02-09 16:20:33.090", worker: 0, severity: "critical", utilization: 46.2, line: lineOf(text, "CRITICAL I/O bottleneck")}
    ]);
  });

  it("reads the HDF5-to-PT conversion time, not the warning that repeats it", () => {
    expect(log.hdf5ConversionSeconds).toBe(80.0);
  });

  it("hands over every v2 worker record, interleaved ranks kept in log order", () => {
    expect(log.workerRecords).toHaveLength(22);
    expect(log.workerRecords.every((r) => r.envelope === "worker")).toBe(true);
    expect(log.workerRecords.slice(0, 4).map((r) => [r.worker, r.message])).toEqual([
      [0, "Worker 0 logging initialized: /tmp/virnucpro_bench_2gpu/esm_v2/logs/worker_0.log"],
      [1, "Worker 1 logging initialized: /tmp/virnucpro_bench_2gpu/esm_v2/logs/worker_1.log"],
      [0, "Worker 0/2 starting"],
      [1, "Worker 1/2 starting"]
    ]);
    expect(log.workerRecords.find((r) => r.message.startsWith("Async inference complete") && r.worker === 1)?.at).toBe(
      "2026-02-09 16:40:34.345"
    );
  });

  it("gives the same result for CRLF line ends and a BOM", () => {
    expect(parseConsoleLog("\uFEFF" + text.replaceAll("\n", "\r\n"))).toEqual(log);
  });

  it("reports a capture cut off mid-stage: stage without end, no summary, outcome unknown", () => {
    const cutAt = lineOf(text, "Batch 1300:");
    const cut = parseConsoleLog(firstLines(text, cutAt));
    expect(cut.outcome).toBe("unknown");
    expect(cut.summary).toBeNull();
    const esm = cut.stages.find((s) => s.name === "ESM-2 Feature Extraction");
    expect(esm).toMatchObject({startedAt: "2026-02-09 16:19:10.000", endedAt: null, seconds: null});
    expect(cut.findings.find((f) => f.code === "stage_not_completed")).toMatchObject({
      severity: "warning",
      line: lineOf(text, "=== Stage 6: ESM-2 Feature Extraction ===")
    });
    expect(cut.findings.find((f) => f.code === "no_summary")).toMatchObject({severity: "warning"});
    expect(cut.hdf5ConversionSeconds).toBeNull();
  });

  it("starts the second run where a second capture was appended, and reports only that run", () => {
    const oom = fixture("oom-run.log");
    const both = parseConsoleLog(oom + text);
    const secondStart = oom.split("\n").length; // oom has a trailing newline: its last split item is ''
    expect(both.findings[0]).toMatchObject({code: "multiple_runs", severity: "warning", line: secondStart});
    expect(both.findings[0]!.message).toContain("2 runs");
    expect(both.outcome).toBe("success");
    expect(both.metadata.modelPath).toBe("300_model.pth");
    expect(both.metadata.esmBatchSize).toBeNull();
    expect(both.stages).toHaveLength(9);
    expect(both.firstAt).toBe("2026-02-09 16:09:58.000");
    expect(both.summary?.line).toBe(log.summary!.line + secondStart - 1);
    // nothing of the first run leaks into the reported one
    expect(codes(both)).not.toContain("out_of_memory");
    expect(both.lines).toBe(oom.split("\n").length - 1 + 135);
  });
});

describe("a resumed run with renumbered and skipped stages", () => {
  const text = fixture("resume-run.log");
  const log = parseConsoleLog(text);

  it("keys stages by name whatever number the banner gives them", () => {
    expect(log.stages.map((s) => [s.order, s.name, s.seconds, s.skipped])).toEqual([
      [1, "Nucleotide File Splitting", 0.0, true],
      [2, "Protein File Splitting", 0.0, true],
      [3, "DNABERT-S Feature Extraction", 0.0, true],
      [4, "ESM-2 Feature Extraction", 83.4, false],
      [5, "Feature Merging", 0.6, false],
      [6, "Model Prediction", 2.1, false],
      [7, "Consensus Scoring", 0.4, false]
    ]);
    expect(log.stages[0]!.extras).toEqual({skipped: true, reason: "checkpoint"});
  });

  it("ignores a 'completed in' line of an unknown name from another logger", () => {
    expect(log.stages.some((s) => s.name === "Something else")).toBe(false);
    expect(codes(log)).not.toContain("unknown_stage_end");
  });

  it("reads skipped summary stages without seconds", () => {
    expect(log.summary?.stages.slice(0, 4)).toEqual([
      {order: 1, name: "Nucleotide File Splitting", seconds: null, pct: null, skipped: true, line: lineOf(text, "1. Nucleotide File Splitting")},
      {order: 2, name: "Protein File Splitting", seconds: null, pct: null, skipped: true, line: lineOf(text, "2. Protein File Splitting")},
      {order: 3, name: "DNABERT-S Feature Extraction", seconds: null, pct: null, skipped: true, line: lineOf(text, "3. DNABERT-S Feature")},
      {order: 4, name: "ESM-2 Feature Extraction", seconds: 83.4, pct: 96.4, skipped: false, line: lineOf(text, "4. ESM-2 Feature")}
    ]);
    expect(log.summary?.complete).toBe(true);
    expect(codes(log)).not.toContain("stage_sum_mismatch");
  });

  it("flags the resume, the reused merge outputs and the cached index", () => {
    expect(log.metadata.resume).toBe(true);
    expect(log.metadata.usingGpus).toBe("0");
    expect(log.metadata.expectedLength).toBe(500);
    expect(log.findings.map((f) => [f.code, f.line])).toEqual([
      ["resumed_run", lineOf(text, "  Resume: True")],
      ["resumed_run", lineOf(text, "Resuming: 1 ESM-2 checkpoints complete")],
      ["cached_index", lineOf(text, "Using cached index")],
      ["stale_output_reused", lineOf(text, "Skipping merge - output exists")]
    ]);
    expect(log.findings.find((f) => f.code === "stale_output_reused")?.message).toContain("2 times");
    expect(log.outcome).toBe("success");
  });

  it("reads a worker's Resume marker as a worker record, not a run boundary", () => {
    expect(log.workerRecords[0]!.message).toBe("=== Resume at 2026-02-10T09:00:03.411872 ===");
    expect(codes(log)).not.toContain("multiple_runs");
  });
});

describe("failed runs", () => {
  it("reads the multi-line OOM block, the partial failure and the unfinished stage", () => {
    const text = fixture("oom-run.log");
    const log = parseConsoleLog(text);
    expect(log.outcome).toBe("out_of_memory");
    const oom = log.findings.find((f) => f.code === "out_of_memory");
    expect(oom).toMatchObject({severity: "error", line: lineOf(text, "OUT OF MEMORY ERROR") - 1});
    expect(oom?.message).toContain("Memory at failure: 21.84GB allocated, 1.02GB free");
    expect(log.findings.find((f) => f.code === "partial_failure")?.message).toBe("Partial failure: 1/1 workers failed: [0]");
    expect(
      log.findings.filter((f) => f.code === "error_record").map((f) => [f.line, f.message])
    ).toEqual([
      [
        lineOf(text, "CUDA OOM error"),
        "worker 0 ERROR from gpu_worker_0: Rank 0: CUDA OOM error - CUDA out of memory. Tried to allocate 2.50 GiB. GPU 0 has a total capacity of 23.55 GiB of which 1.02 GiB is free."
      ],
      [lineOf(text, "Permanent failure"), "ERROR from virnucpro.pipeline.gpu_coordinator: Rank 0: Permanent failure after retries (cuda_oom)"],
      [lineOf(text, "OUT OF MEMORY ERROR") - 1, "ERROR from virnucpro.pipeline.prediction: OUT OF MEMORY ERROR"]
    ]);
    expect(log.stages.map((s) => [s.name, s.seconds])).toEqual([
      ["Sequence Chunking", 7.1],
      ["ESM-2 Feature Extraction", null]
    ]);
    expect(codes(log)).toContain("stage_not_completed");
    expect(log.findings.find((f) => f.code === "no_summary")?.severity).toBe("info");
    expect(log.workerRecords[0]!.continuation).toEqual(["Memory: 21.84GB allocated, 22.10GB reserved"]);
    expect(log.metadata.esmBatchSize).toBe(4096);
  });

  it("calls a run ending in an ERROR traceback failed, and finds the chunk length in the traceback", () => {
    const log = parseConsoleLog(fixture("traceback-run.log"));
    expect(log.outcome).toBe("failed");
    expect(log.metadata.chunkedLengths).toEqual([500]);
    expect(log.findings.find((f) => f.code === "error_record")?.message).toBe(
      "ERROR from virnucpro.parallel_translate: Error during parallel translation with progress"
    );
    expect(log.stages.find((s) => s.name === "Six-Frame Translation")?.endedAt).toBeNull();
  });

  it("calls an uncaught traceback after an INFO record failed, and a bare truncation unknown", () => {
    const head = [
      "2026-02-11 14:00:00 - virnucpro.cli.predict - INFO - VirNucPro Prediction - Input: /data/sample.fasta",
      "2026-02-11 14:00:01 - virnucpro.pipeline.telemetry - INFO - === Stage 1: Sequence Chunking ==="
    ];
    const crashed = [...head, "Traceback (most recent call last):", '  File "<string>", line 1, in <module>', "KeyboardInterrupt"].join("\n");
    expect(parseConsoleLog(crashed).outcome).toBe("failed");
    expect(parseConsoleLog(head.join("\n")).outcome).toBe("unknown");
  });

  it("reads the other closing lines", () => {
    const line = (msg: string, level = "INFO") => `2026-02-11 14:10:00 - virnucpro.pipeline.prediction - ${level} - ${msg}`;
    expect(parseConsoleLog(line("All stages already completed!")).outcome).toBe("already_complete");
    expect(parseConsoleLog(line("Prediction failed: [Errno 2] No such file or directory: 'x.fasta'", "ERROR")).outcome).toBe("failed");
    const withFailures = parseConsoleLog([line("Pipeline completed with 3 failures", "WARNING"), line("Prediction completed successfully!")].join("\n"));
    expect(withFailures.outcome).toBe("completed_with_failures");
    expect(withFailures.findings.find((f) => f.code === "partial_failure")?.message).toContain("3");
    expect(parseConsoleLog(line("Pipeline completed successfully!")).outcome).toBe("success");
  });
});

describe("stage and run edge cases", () => {
  it("records a completed line without a banner as an unknown stage end", () => {
    const log = parseConsoleLog(`${TELEMETRY}  Model Prediction completed in 37.4s [predictions: 794,577]\n`);
    expect(log.stages).toEqual([
      {
        name: "Model Prediction",
        order: null,
        startedAt: null,
        endedAt: "2026-02-09 00:33:05.000",
        seconds: 37.4,
        skipped: false,
        extras: {predictions: 794577},
        line: 1,
        completedLine: 1
      }
    ]);
    expect(codes(log)).toContain("unknown_stage_end");
  });

  it("leaves v1 ESM-2 fallback dashboard lines out of the DNABERT-S per-GPU figures", () => {
    const dashboard = "2026-02-09 17:00:00 - virnucpro.pipeline.dashboard - INFO - ";
    const log = parseConsoleLog(
      [
        `${TELEMETRY}=== Stage 5: DNABERT-S Feature Extraction ===`,
        `${dashboard}  GPU 0: 2 files`,
        `${dashboard}GPU 0: 2/2 files (100.0%)`,
        `${TELEMETRY}  DNABERT-S Feature Extraction completed in 20.0s [files: 2]`,
        `${TELEMETRY}=== Stage 6: ESM-2 Feature Extraction ===`,
        "2026-02-09 17:00:00 - virnucpro.pipeline.base_worker - INFO -   Worker 0: 5 files, 50000 sequences",
        `${dashboard}  GPU 0: 5 files`,
        `${dashboard}GPU 0: 5/5 files (100.0%)`
      ].join("\n")
    );
    expect(log.dnabert).toEqual([
      {gpu: 0, files: 2, sequences: null, completedFiles: 2, totalFiles: 2, finishedAt: "2026-02-09 17:00:00.000"}
    ]);
  });

  it("reports telemetry's own unknown-stage warning", () => {
    const log = parseConsoleLog("2026-02-09 00:33:05 - virnucpro.pipeline.telemetry - WARNING - end_stage called for unknown stage: Feature Merging\n");
    expect(log.findings.find((f) => f.code === "unknown_stage_end")).toMatchObject({line: 1});
  });

  it("splits runs at a second Configuration block and at stages restarting after a summary", () => {
    const summary = fixture("phase10-1gpu-summary.log");
    const config = (model: string) =>
      [
        "2026-02-12 08:00:00 - virnucpro.cli.predict - INFO - Configuration:",
        `2026-02-12 08:00:00 - virnucpro.cli.predict - INFO -   Model: ${model}`
      ].join("\n");
    const twoConfigs = parseConsoleLog(`${config("500_model.pth")}\n${config("300_model.pth")}\n`);
    expect(twoConfigs.metadata.modelPath).toBe("300_model.pth");
    expect(twoConfigs.findings[0]).toMatchObject({code: "multiple_runs", line: 3});

    const restarted = parseConsoleLog(`${summary}${TELEMETRY}=== Stage 1: Sequence Chunking ===\n`);
    expect(restarted.summary).toBeNull();
    expect(restarted.stages.map((s) => s.name)).toEqual(["Sequence Chunking"]);
    expect(restarted.findings[0]).toMatchObject({code: "multiple_runs", line: 24});
  });

  it("reports a file without any record, and refuses a binary file with its name", () => {
    const empty = parseConsoleLog("just some text\nwithout records\n");
    expect(empty.records).toBe(0);
    expect(empty.outcome).toBe("unknown");
    expect(codes(empty)).toEqual(["no_records", "no_summary"]);
    expect(() => parseConsoleLog("PK\u0003\u0004\u0000\u0000binary", {file: "run.zip"})).toThrow(InputError);
    expect(() => parseConsoleLog("\u0000", {file: "run.zip"})).toThrow(/run\.zip/);
  });

  it("lists the first 50 ERROR records one by one and summarises the rest", () => {
    const lines = Array.from(
      {length: 60},
      (_, i) => `2026-02-09 16:20:${String(i).padStart(2, "0")},000 - Worker 0 - virnucpro.utils.gpu_monitor - ERROR - Failed to collect nvitop metrics for GPU 0: timeout`
    );
    const log = parseConsoleLog(lines.join("\n"));
    const errors = log.findings.filter((f) => f.code === "error_record");
    expect(errors).toHaveLength(51);
    expect(errors[50]).toMatchObject({line: null});
    expect(errors[50]!.message).toMatch(/^10 further/);
  });
});

describe("size", () => {
  it("parses a 100k-line capture quickly", () => {
    const text = fixture("two-gpu-run.log");
    const lines = text.split("\n");
    const at = lines.findIndex((line) => line.includes("Batch 0: wait"));
    const batches = lines.slice(at, at + 6).join("\n");
    const big = [...lines.slice(0, at), ...Array.from({length: 16_700}, () => batches), ...lines.slice(at)].join("\n");
    const started = performance.now();
    const log = parseConsoleLog(big);
    const elapsed = performance.now() - started;
    expect(log.lines).toBeGreaterThan(100_000);
    expect(log.outcome).toBe("success");
    expect(log.ioWarnings).toHaveLength(2 * 16_700 + 2);
    // generous bound for a shared 2-core machine; quadratic work would take minutes
    expect(elapsed).toBeLessThan(5000);
  });
});

describe("stage line grammars", () => {
  it("parses bracket extras: separators, floats, strings, skipped", () => {
    expect(parseExtras("sequences: 1,000,000, sequences_with_orfs: 601,257, seq_per_sec: 119047.6")).toEqual({
      extras: {sequences: 1000000, sequences_with_orfs: 601257, seq_per_sec: 119047.6},
      skipped: false
    });
    expect(parseExtras("files: 80, architecture: v2.0")).toEqual({extras: {files: 80, architecture: "v2.0"}, skipped: false});
    expect(parseExtras("skipped (checkpoint), reason: checkpoint")).toEqual({extras: {skipped: true, reason: "checkpoint"}, skipped: true});
    expect(parseExtras("")).toEqual({extras: {}, skipped: false});
  });

  it("parses summary stage lines and rejects lookalikes", () => {
    expect(parseSummaryStage("  6. ESM-2 Feature Extraction ........  2591.1s ( 81.0%)")).toEqual({
      order: 6,
      name: "ESM-2 Feature Extraction",
      seconds: 2591.1,
      pct: 81.0,
      skipped: false
    });
    expect(parseSummaryStage("  12. Some Future Stage ....  12345.6s (100.0%)")).toMatchObject({order: 12, seconds: 12345.6, pct: 100});
    expect(parseSummaryStage("  3. Nucleotide File Splitting .......  skipped")).toMatchObject({skipped: true, seconds: null});
    expect(parseSummaryStage("  Sequences processed: 2,000,000")).toBeNull();
    expect(parseSummaryStage("  1. no dot leader  7.1s (  0.2%)")).toBeNull();
  });
});
