/**
 * Key values the console-log parser reads from the captures committed in the repo: the real H200
 * capture of test/fixtures/slurm-h200 and the example study's generated Phase 10 logs (data/example).
 * They pin the composed parser end to end (every section of console/ contributes a value here), so a
 * change in how sections are combined shows as a changed figure, not only as a changed unit.
 */
import {readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {parseConsoleLog} from "../../../loaders/virnucpro/console-log.ts";
import {REPO} from "../../helpers/tmp.ts";

function parse(relative: string) {
  return parseConsoleLog(readFileSync(path.join(REPO, relative), "utf8"), {file: relative});
}

describe("real H200 capture (test/fixtures/slurm-h200)", () => {
  const log = parse("test/fixtures/slurm-h200/runs/h200_1gpu/console.log");

  it("reads the nine stages with their lines and the summary that closes the run", () => {
    expect([log.lines, log.records, log.outcome, log.firstAt, log.lastAt]).toEqual([175, 175, "success", "2026-12-01 08:29:59.000", "2026-12-01 08:30:59.000"]);
    expect(log.stages.map((s) => [s.name, s.seconds, s.line, s.completedLine])).toEqual([
      ["Sequence Chunking", 0.6, 5, 7],
      ["Six-Frame Translation", 0.6, 9, 11],
      ["Nucleotide File Splitting", 0.6, 13, 15],
      ["Protein File Splitting", 0.6, 17, 19],
      ["DNABERT-S Feature Extraction", 15, 21, 23],
      ["ESM-2 Feature Extraction", 36, 25, 137],
      ["Feature Merging", 1.8, 139, 141],
      ["Model Prediction", 3, 143, 145],
      ["Consensus Scoring", 1.8, 147, 149]
    ]);
    expect([log.summary?.line, log.summary?.totalSeconds, log.summary?.totalHms, log.summary?.totalLine, log.summary?.complete]).toEqual([153, 60.1, "00:01:00", 155, true]);
    expect(log.summary?.stages.map((s) => s.pct)).toEqual([1, 1, 1, 1, 25, 59.9, 3, 5, 3]);
    expect(log.summary?.bottlenecks.map((b) => b.pct)).toEqual([60, 25, 5]);
  });

  it("reads the CLI lines it has (no Configuration block: an indented entry outside one is not config)", () => {
    expect(log.metadata.input).toBe("../../input.fa");
    expect(log.metadata.outputDir).toBeNull();
    expect(log.metadata.config).toEqual({});
    expect([log.metadata.cudaDeviceCount, log.metadata.worldSize]).toEqual([1, 1]);
    expect(log.workerRecords).toHaveLength(109);
    expect(new Set(log.workerRecords.map((r) => r.worker))).toEqual(new Set([0]));
    expect(log.findings).toEqual([]);
  });
});

describe("the example study's generated logs (data/example)", () => {
  it("2-GPU run: config, devices, DNABERT-S per GPU, HDF5 conversion, I/O warnings, summary", () => {
    const log = parse("data/example/runs/2gpu/console.log");
    expect([log.lines, log.records, log.outcome, log.hdf5ConversionSeconds]).toEqual([705, 701, "success", 80]);
    const meta = log.metadata;
    expect([meta.modelPath, meta.expectedLength, meta.modelLine, meta.batchSize, meta.parallel, meta.resume]).toEqual(["300_model.pth", 300, 6, 256, true, false]);
    expect([meta.architecture, meta.cudaDeviceCount, meta.worldSize, meta.gpus.map((g) => g.index)]).toEqual(["v2.0 hybrid", 2, 2, [0, 1]]);
    expect(log.dnabert.map((g) => [g.gpu, g.files, g.sequences, g.completedFiles, g.finishedAt])).toEqual([
      [0, 40, 400000, 40, "2026-02-09 11:28:56.000"],
      [1, 40, 394577, 40, "2026-02-09 11:28:55.000"]
    ]);
    expect(log.ioWarnings).toHaveLength(41);
    expect(log.ioWarnings.slice(0, 2).map((w) => [w.line, w.worker, w.severity, w.utilization])).toEqual([
      [247, 0, "mild", 74.7],
      [252, 1, "mild", 79.4]
    ]);
    expect(log.stages.find((s) => s.name === "ESM-2 Feature Extraction")).toMatchObject({seconds: 1383.2, line: 158, completedLine: 651});
    expect([log.summary?.line, log.summary?.totalSeconds, log.summary?.complete, log.summary?.stages.length]).toEqual([681, 2025, true, 9]);
    expect(log.workerRecords).toHaveLength(463);
    expect(log.findings).toEqual([]);
  });

  it("1-GPU run: ESM-2 stage, summary total and I/O warnings of worker 0 only", () => {
    const log = parse("data/example/runs/1gpu/console.log");
    expect([log.lines, log.records, log.outcome, log.hdf5ConversionSeconds, log.metadata.worldSize]).toEqual([723, 716, "success", 77.9, 1]);
    expect(log.stages.find((s) => s.name === "ESM-2 Feature Extraction")).toMatchObject({seconds: 2591.1, line: 224, completedLine: 669});
    expect([log.summary?.line, log.summary?.totalSeconds, log.summary?.totalHms]).toEqual([699, 3200.6, "00:53:20"]);
    expect(log.ioWarnings).toHaveLength(54);
    expect(new Set(log.ioWarnings.map((w) => w.worker))).toEqual(new Set([0]));
    expect(log.dnabert).toEqual([]);
  });

  it("v1 reference capture, cut after the first banner: one open stage, no summary, outcome unknown", () => {
    const log = parse("data/example/reference/console.log");
    expect([log.lines, log.outcome, log.metadata.architecture, log.metadata.modelLine]).toEqual([
      18,
      "unknown",
      "v1.0 (--v1-fallback, all stages use legacy multi-worker)",
      4
    ]);
    expect(log.stages.map((s) => [s.name, s.line, s.endedAt])).toEqual([["Sequence Chunking", 18, null]]);
    expect(log.findings.map((f) => [f.code, f.severity, f.line])).toEqual([
      ["stage_not_completed", "warning", 18],
      ["no_summary", "warning", null]
    ]);
  });
});
