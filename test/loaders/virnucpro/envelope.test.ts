import {describe, expect, it} from "vitest";
import {isProgressBarFragment, splitRecords} from "../../../loaders/virnucpro/envelope.ts";

const MAIN = "2026-02-09 00:33:05 - virnucpro.pipeline.telemetry - INFO - PIPELINE SUMMARY";
const WORKER =
  "2026-02-09 16:40:12,345 - Worker 1 - virnucpro.pipeline.async_inference - INFO - Async inference complete: 397288 sequences, 313.5 seq/s, 16085 tokens/s";

describe("splitRecords: envelopes", () => {
  it("reads the main envelope and pads the timestamp to milliseconds", () => {
    const {records, lines} = splitRecords(MAIN + "\n");
    expect(lines).toBe(1);
    expect(records).toEqual([
      {
        line: 1,
        at: "2026-02-09 00:33:05.000",
        envelope: "main",
        worker: null,
        logger: "virnucpro.pipeline.telemetry",
        level: "INFO",
        message: "PIPELINE SUMMARY",
        continuation: []
      }
    ]);
  });

  it("reads the v2 worker envelope with its rank and milliseconds", () => {
    const [record] = splitRecords(WORKER).records;
    expect(record).toMatchObject({
      at: "2026-02-09 16:40:12.345",
      envelope: "worker",
      worker: 1,
      logger: "virnucpro.pipeline.async_inference",
      level: "INFO",
      message: "Async inference complete: 397288 sequences, 313.5 seq/s, 16085 tokens/s"
    });
  });

  it("keeps a blank summary line (prefix with a trailing space, or trimmed) as an empty message", () => {
    const text = [
      "2026-02-09 00:33:05 - virnucpro.pipeline.telemetry - INFO - ",
      "2026-02-09 00:33:05 - virnucpro.pipeline.telemetry - INFO -",
      "2026-02-09 00:33:05 - virnucpro.pipeline.telemetry - INFO - Stages:"
    ].join("\n");
    expect(splitRecords(text).records.map((r) => r.message)).toEqual(["", "", "Stages:"]);
  });

  it("reads every level, and v1 pool-worker lines as the main envelope", () => {
    const text = [
      "2026-02-09 16:12:00 - virnucpro.parallel_dnabert - ERROR - Worker 1: OOM error on output_7.fa",
      "2026-02-09 16:12:01 - virnucpro.pipeline.gpu_coordinator - CRITICAL - boom",
      "2026-02-09 16:12:02 - virnucpro.core.logging_setup - DEBUG - dbg",
      "2026-02-09 16:12:03 - virnucpro.pipeline.prediction - WARNING - HDF5-to-PT conversion took 80.0s"
    ].join("\n");
    const records = splitRecords(text).records;
    expect(records.map((r) => [r.level, r.envelope, r.worker])).toEqual([
      ["ERROR", "main", null],
      ["CRITICAL", "main", null],
      ["DEBUG", "main", null],
      ["WARNING", "main", null]
    ]);
  });

  it("does not take a date inside a message for a record", () => {
    const text = "2026-02-10 09:00:03 - root - INFO - === Resume at 2026-02-10 09:00:03 - not a logger line ===";
    const records = splitRecords(text).records;
    expect(records).toHaveLength(1);
    expect(records[0]!.message).toBe("=== Resume at 2026-02-10 09:00:03 - not a logger line ===");
  });
});

describe("splitRecords: noise", () => {
  it("finds a record glued after tqdm bar refreshes on one physical line and drops the bars", () => {
    const bar1 = "Translating sequences:  12%|#2        | 120000/1000000 [00:01<00:08, 110344.83seq/s]";
    const bar2 = "Translating sequences: 100%|##########| 1000000/1000000 [00:08<00:00, 119047.62seq/s]";
    const text = [
      "2026-02-09 16:10:09 - virnucpro.pipeline.telemetry - INFO - === Stage 2: Six-Frame Translation ===",
      `${bar1}\r${bar2}2026-02-09 16:10:18 - virnucpro.parallel_translate - INFO - Translation complete: 1000000 sequences processed, 601257 with valid ORFs`,
      "2026-02-09 16:10:18 - virnucpro.pipeline.telemetry - INFO -   Six-Frame Translation completed in 8.5s"
    ].join("\n");
    const {records, unprefixedBefore} = splitRecords(text);
    expect(records.map((r) => [r.line, r.message])).toEqual([
      [1, "=== Stage 2: Six-Frame Translation ==="],
      [2, "Translation complete: 1000000 sequences processed, 601257 with valid ORFs"],
      [3, "  Six-Frame Translation completed in 8.5s"]
    ]);
    expect(records.every((r) => r.continuation.length === 0)).toBe(true);
    expect(unprefixedBefore).toEqual([]);
  });

  it("splits two records written on one segment (stdout and stderr without a newline between)", () => {
    const text = `${MAIN}${WORKER}\n`;
    const records = splitRecords(text).records;
    expect(records.map((r) => [r.line, r.envelope, r.message])).toEqual([
      [1, "main", "PIPELINE SUMMARY"],
      [1, "worker", "Async inference complete: 397288 sequences, 313.5 seq/s, 16085 tokens/s"]
    ]);
  });

  it("attaches tracebacks and multi-line messages to the previous record, in order", () => {
    const text = [
      "2026-02-08 22:11:07 - virnucpro.pipeline.multi_gpu_inference - WARNING - Partial failure: 1/2 workers failed: [1]",
      "Successful workers: [0]",
      "2026-02-11 14:00:02 - virnucpro.parallel_translate - ERROR - Error during parallel translation",
      "Traceback (most recent call last):",
      '  File "/opt/virnucpro/virnucpro/pipeline/parallel_translate.py", line 312, in parallel_translate_with_progress',
      "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/run/sample_chunked500.fa'"
    ].join("\n");
    const records = splitRecords(text).records;
    expect(records).toHaveLength(2);
    expect(records[0]!.continuation).toEqual(["Successful workers: [0]"]);
    expect(records[1]!.continuation).toEqual([
      "Traceback (most recent call last):",
      '  File "/opt/virnucpro/virnucpro/pipeline/parallel_translate.py", line 312, in parallel_translate_with_progress',
      "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/run/sample_chunked500.fa'"
    ]);
  });

  it("keeps unprefixed text before the first record apart, without bars", () => {
    const text = [
      "/opt/conda/lib/python3.11/site-packages/transformers/utils/generic.py:441: FutureWarning: deprecated.",
      "Chunking sequences: 100%|##########| 1000/1000 [00:00<00:00, 14084.07seq/s]",
      MAIN
    ].join("\n");
    const {records, unprefixedBefore} = splitRecords(text);
    expect(unprefixedBefore).toEqual(["/opt/conda/lib/python3.11/site-packages/transformers/utils/generic.py:441: FutureWarning: deprecated."]);
    expect(records).toHaveLength(1);
    expect(records[0]!.line).toBe(3);
  });

  it("treats CRLF and a UTF-8 BOM like LF: same records, no phantom empty records", () => {
    const lf = [MAIN, "2026-02-09 00:33:05 - virnucpro.pipeline.telemetry - INFO - ", WORKER, "Traceback (most recent call last):", ""].join("\n");
    const crlf = "\uFEFF" + lf.replaceAll("\n", "\r\n");
    const a = splitRecords(lf);
    const b = splitRecords(crlf);
    expect(b.records).toEqual(a.records);
    expect(b.lines).toBe(4);
    expect(b.records).toHaveLength(3);
    expect(b.records[0]!.at).toBe("2026-02-09 00:33:05.000");
  });

  it("does not keep the BOM in front of the first unprefixed text", () => {
    expect(splitRecords("\uFEFFVirNucPro banner\n" + MAIN).unprefixedBefore).toEqual(["VirNucPro banner"]);
  });

  it("counts physical lines, a trailing newline not opening another", () => {
    expect(splitRecords("").lines).toBe(0);
    expect(splitRecords("a\nb").lines).toBe(2);
    expect(splitRecords("a\nb\n").lines).toBe(2);
    expect(splitRecords("a\n\nb\n").lines).toBe(3);
  });
});

describe("isProgressBarFragment", () => {
  it.each([
    "ESM-2 extraction:  45%|####5     | 36/80 [00:10<00:12,  3.20file/s]",
    "DNABERT-S extraction:   0%|          | 0/80 [00:00<?, ?file/s]",
    "Merging features: 100%|##########| 80/80 [00:41<00:00,  1.93file/s]",
    "Chunking sequences: 1000000seq [00:07, 140845.07seq/s]"
  ])("recognises %s", (bar) => {
    expect(isProgressBarFragment(bar)).toBe(true);
  });

  it.each(["Successful workers: [0]", "Traceback (most recent call last):", "  Memory at failure: 21.84GB allocated, 1.02GB free"])(
    "keeps %s",
    (line) => {
      expect(isProgressBarFragment(line)).toBe(false);
    }
  );
});

describe("splitRecords: size", () => {
  it("splits 100k lines quickly", () => {
    const block = [
      "2026-02-09 16:20:31,554 - Worker 1 - virnucpro.utils.gpu_monitor - INFO - Batch 120: wait=0.1ms, seqs=321, tokens=16371, queue_state=full",
      "2026-02-09 16:20:31 - virnucpro.pipeline.dashboard - INFO - GPU 0: 1/40 files (2.5%)",
      "ESM-2 extraction:  45%|####5     | 36/80 [00:10<00:12,  3.20file/s]\r2026-02-09 16:20:32 - virnucpro.features - INFO - Merged 80 feature files",
      "  File \"/opt/virnucpro/x.py\", line 1, in f"
    ].join("\n");
    const text = Array.from({length: 25_000}, () => block).join("\n");
    const started = performance.now();
    const {records, lines} = splitRecords(text);
    const elapsed = performance.now() - started;
    expect(lines).toBe(100_000);
    expect(records).toHaveLength(75_000);
    // generous bound for a shared 2-core machine; a quadratic split would take minutes
    expect(elapsed).toBeLessThan(3000);
  });

  it("does not blow up on a multi-megabyte line without newline full of near-miss dates", () => {
    const chunk = "2026-02-09 16:20:31 - not a logger! 45%|### 2026-02-09 16:20:31,5 - Worker x ";
    const line = chunk.repeat(Math.ceil(8_000_000 / chunk.length));
    const started = performance.now();
    const {records, unprefixedBefore} = splitRecords(line + "\n" + MAIN);
    const elapsed = performance.now() - started;
    expect(records).toHaveLength(1);
    // too long to be a bar: kept as unprefixed text, not silently dropped
    expect(unprefixedBefore).toHaveLength(1);
    expect(unprefixedBefore[0] === line.trimEnd()).toBe(true);
    expect(elapsed).toBeLessThan(3000);
  });
});
