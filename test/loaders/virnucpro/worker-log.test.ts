import {readFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {describe, expect, it} from "vitest";
import {splitRecords} from "../../../loaders/virnucpro/envelope.ts";
import {WorkerLogSchema} from "../../../loaders/virnucpro/records.ts";
import {parseWorkerLog, parseWorkerRecords} from "../../../loaders/virnucpro/worker-log.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
/** worker_1.log of a 2-GPU run whose first attempt died of CUDA OOM; the re-run appended a second segment */
const RESUMED = readFileSync(path.join(here, "../../fixtures/worker/worker_1.log"), "utf8");
const lines = RESUMED.split("\n").slice(0, -1);

const W = (rank: number, time: string, logger: string, message: string, level = "INFO") => `2026-02-09 ${time} - Worker ${rank} - ${logger} - ${level} - ${message}`;
const ASYNC = "virnucpro.pipeline.async_inference";
const MONITOR = "virnucpro.utils.gpu_monitor";
const init = (rank: number) => W(rank, "11:29:08,124", "root", `Worker ${rank} logging initialized: /tmp/out/esm_v2/logs/worker_${rank}.log`);
const codes = (log: {findings: Array<{code: string}>}) => log.findings.map((f) => f.code).sort();

describe("parseWorkerLog: a worker log appended to by a re-run", () => {
  const log = parseWorkerLog(RESUMED, 1, {file: "worker_1.log"});

  it("counts both segments, reads only the last, and flags it at the last segment's first line", () => {
    expect(log.segments).toBe(2);
    expect(log.firstLine).toBe(12);
    const f = log.findings.find((x) => x.code === "multiple_segments")!;
    expect(f).toMatchObject({severity: "warning", line: 12, affects: ["timing", "throughput"]});
    expect(f.message).toContain("worker_1.log holds 2 run segments");
    // the first attempt's OOM and its 'Async inference complete: 0 sequences' are not this run's
    expect(codes(log)).toEqual(["low_packing_efficiency", "multiple_segments"]);
    expect(log.sequences).toBe(397_288);
    expect(WorkerLogSchema.safeParse(log).success).toBe(true);
  });

  it("reads the lifecycle times from the last segment's records", () => {
    expect(log).toMatchObject({
      worker: 1,
      worldSize: 2,
      deviceName: "NVIDIA GeForce RTX 4090",
      startedAt: "2026-02-09 11:29:08.924",
      modelLoadStartedAt: "2026-02-09 11:29:10.123",
      modelLoadedAt: "2026-02-09 11:29:24.395",
      inferenceStartedAt: "2026-02-09 11:29:25.588",
      firstBatchAt: "2026-02-09 11:29:28.130",
      inferenceCompletedAt: "2026-02-09 11:50:28.746",
      completedAt: "2026-02-09 11:50:32.814"
    });
  });

  it("reads assignment, final rates, token budget and DataLoader stats as logged", () => {
    expect(log).toMatchObject({
      assignedSequences: 397_288,
      assignedTokens: 19_587_421,
      sequences: 397_288,
      seqPerSec: 313.5,
      tokensPerSec: 16_085,
      tokenBudget: 16_384,
      avgWaitMs: 0.1,
      maxWaitMs: 52.3,
      loggedFinalPacking: 0
    });
  });

  it("reads both `Batch N:` formats: (A) DataLoader with wait=, (B) progress with pack eff on the 4096 scale", () => {
    expect(log.batches.map((b) => [b.kind, b.batch, b.line])).toEqual([
      ["dataloader", 0, 36],
      ["progress", 0, 37],
      ["progress", 1, 38],
      ["dataloader", 10, 39],
      ["progress", 10, 41],
      ["dataloader", 20, 42],
      ["progress", 20, 45],
      ["dataloader", 1380, 46]
    ]);
    expect(log.batches[3]).toEqual({
      batch: 10, kind: "dataloader", at: "2026-02-09 11:29:39.310", line: 39,
      waitMs: 52.3, sequences: 301, tokens: 15_990, queueState: "starved",
      done: null, total: null, loggedPackEff: null, tokensPerSec: null, seqPerSec: null, eta: null
    });
    expect(log.batches[1]).toEqual({
      batch: 0, kind: "progress", at: "2026-02-09 11:29:29.126", line: 37,
      waitMs: null, sequences: null, tokens: null, queueState: null,
      done: 296, total: 397_288, loggedPackEff: 3.93, tokensPerSec: 4550, seqPerSec: 83.7, eta: "1.3h"
    });
    expect(log.batches.filter((b) => b.kind === "progress").map((b) => [b.loggedPackEff, b.tokensPerSec, b.eta])).toEqual([
      [3.93, 4550, "1.3h"],
      [3.902, 8101, "44.0m"],
      [3.887, 12_034, "27.3m"],
      [3.879, 14_112, "23.3m"]
    ]);
  });

  it("keeps Mild (INFO) and CRITICAL (WARNING) I/O bottleneck lines, and the packer's low-efficiency line as info", () => {
    expect(log.ioWarnings).toEqual([
      {at: "2026-02-09 11:29:39.360", worker: 1, severity: "mild", utilization: 71.4, line: 40},
      {at: "2026-02-09 11:29:49.460", worker: 1, severity: "critical", utilization: 42, line: 43}
    ]);
    expect(log.findings.find((f) => f.code === "low_packing_efficiency")).toMatchObject({severity: "info", line: 44, affects: ["packing"]});
  });

  it("CRLF line ends and a BOM change nothing", () => {
    expect(parseWorkerLog("\ufeff" + RESUMED.replace(/\n/g, "\r\n"), 1, {file: "worker_1.log"})).toEqual(log);
  });
});

describe("parseWorkerLog: failed, cut and unusual logs", () => {
  it("the failed first attempt alone: figures as logged, the OOM as worker_error, no completion as worker_incomplete", () => {
    const log = parseWorkerLog(lines.slice(0, 10).join("\n") + "\n", 1, {file: "worker_1.log"});
    expect(log.segments).toBe(1);
    expect([log.sequences, log.seqPerSec, log.tokensPerSec, log.completedAt, log.tokenBudget]).toEqual([0, 0, 0, null, 16_384]);
    expect(log.findings.map((f) => [f.code, f.severity, f.line])).toEqual([
      ["worker_error", "error", 9],
      ["worker_incomplete", "warning", 9]
    ]);
    expect(log.findings[0]!.message).toBe("worker 1 ERROR: Rank 1: CUDA OOM error - CUDA out of memory. Tried to allocate 2.50 GiB. GPU 0 has a total capacity of 23.55 GiB of which 1.02 GiB is free.");
    expect(log.findings[1]!.message).toContain("(it logged errors)");
  });

  it("a last line cut mid-number is not read as a smaller number", () => {
    const at = RESUMED.indexOf("Async inference complete: 397288") + "Async inference complete: 3972".length;
    const log = parseWorkerLog(RESUMED.slice(0, at), 1, {file: "worker_1.log"});
    expect([log.sequences, log.seqPerSec, log.inferenceCompletedAt, log.completedAt]).toEqual([null, null, null, null]);
    expect(log.batches).toHaveLength(8);
    expect(log.findings.map((f) => [f.code, f.line])).toContainEqual(["truncated_line", 49]);
    expect(codes(log)).toContain("worker_incomplete");
  });

  it("a log without `logging initialized` (its head lost) is one unnamed segment, read whole", () => {
    const log = parseWorkerLog(lines.slice(12).join("\n") + "\n", 1, {file: "worker_1.log"});
    expect([log.segments, log.firstLine, log.sequences, log.startedAt]).toEqual([0, 1, 397_288, "2026-02-09 11:29:08.924"]);
    expect(codes(log)).toEqual(["low_packing_efficiency"]);
  });

  it("the `N sequences | ` progress form (dataset length unknown) and an `unknown` ETA", () => {
    const text = [init(0), W(0, "11:30:00,000", ASYNC, "Batch 5: 1,480 sequences | 380.0% pack eff, 9,001 tok/s, 170.0 seq/s, ETA: unknown")].join("\n") + "\n";
    const [b] = parseWorkerLog(text, 0, {file: "w.log"}).batches;
    expect(b).toMatchObject({kind: "progress", batch: 5, done: 1480, total: null, loggedPackEff: 3.8, tokensPerSec: 9001, seqPerSec: 170, eta: "unknown"});
  });

  it("token budget: the packer line wins, the DataLoader and overflow lines stand in, disagreement is flagged", () => {
    const budget = (...messages: string[]) => parseWorkerLog([init(0), ...messages.map((m, i) => W(0, `11:30:0${i},000`, "virnucpro.data.packing", m))].join("\n") + "\n", 0);
    expect(budget("Dynamic token budget: 12288").tokenBudget).toBe(12_288);
    expect(budget("Token budget overflow: 3 sequences returned to buffer (packed 280/283, budget 8192)").tokenBudget).toBe(8192);
    const conflict = budget("Dynamic token budget: 12288", "Token budget: 16384 (GPU 0: 24.0GB total, 17.0GB available for batching)");
    expect(conflict.tokenBudget).toBe(16_384);
    expect(conflict.findings.find((f) => f.code === "token_budget_conflict")).toMatchObject({severity: "warning", line: 3});
    expect(budget().tokenBudget).toBeNull();
  });

  it("the gpu_monitor `Low packing efficiency … at batch N` (4096 scale) is info, and an unknown `Batch N:` shape is reported, not guessed", () => {
    const text =
      [
        init(0),
        W(0, "11:30:00,000", MONITOR, "Low packing efficiency: 61.0% < 80% at batch 0", "WARNING"),
        W(0, "11:30:01,000", ASYNC, "Batch 3: 900/1000 (90.0%) | 350.0% pack eff, 10,000 tok/s, 200.0 seq/s, ETA: soon"),
        W(0, "11:30:02,000", ASYNC, "Batch 4: something new")
      ].join("\n") + "\n";
    const log = parseWorkerLog(text, 0, {file: "w.log"});
    expect(log.batches).toEqual([]);
    expect(log.findings.map((f) => [f.code, f.severity, f.line])).toEqual([
      ["low_batch_packing", "info", 2],
      ["unrecognized_line", "warning", 3],
      ["worker_incomplete", "warning", 4]
    ]);
    expect(log.findings[1]!.message).toMatch(/^2 'Batch N:' line/);
  });

  it("a resumed shard (checkpoints) is flagged: its rates exclude the resumed sequences", () => {
    const text = [init(0), W(0, "11:30:00,000", ASYNC, "Resuming shard 0: 1200 sequences from 3 checkpoints")].join("\n") + "\n";
    expect(parseWorkerLog(text, 0).findings.find((f) => f.code === "worker_resumed")).toMatchObject({severity: "warning", line: 2});
  });

  it("read under the wrong worker number: flagged, and another worker's completion does not count", () => {
    const log = parseWorkerLog(RESUMED, 0, {file: "worker_0.log"});
    expect(log.completedAt).toBeNull();
    expect(log.findings.find((f) => f.code === "worker_mismatch")).toMatchObject({line: 12});
    expect(codes(log)).toContain("worker_incomplete");
  });

  it("empty text: no figures, incomplete", () => {
    const log = parseWorkerLog("", 3);
    expect([log.segments, log.firstLine, log.sequences, log.batches.length]).toEqual([0, null, null, 0]);
    expect(codes(log)).toEqual(["worker_incomplete"]);
  });
});

describe("parseWorkerRecords: a worker's lines inside a console capture", () => {
  // tqdm bars refresh with \r and a worker's stderr line lands on the same physical line (FORMATS §1.4)
  const bar = (pct: number) => `ESM-2 extraction:  ${pct}%|████▏     | 34/80 [12:01<16:15, 21.21s/file]`;
  const consoleText =
    [
      "2026-02-09 11:29:05 - virnucpro.pipeline.telemetry - INFO - === Stage 6: ESM-2 Feature Extraction ===",
      init(0),
      init(1),
      W(1, "11:29:09,784", "gpu_worker_1", "Worker 1/2 starting"),
      `${bar(1)}\r${bar(2)}\r${W(0, "11:29:10,000", "gpu_worker_0", "Worker 0/2 starting")}`,
      `${bar(3)}\r${W(1, "11:29:28,130", MONITOR, "Batch 0: wait=0.1ms, seqs=296, tokens=16097, queue_state=full")}\r${bar(4)}`,
      W(0, "11:29:28,500", MONITOR, "Batch 0: wait=0.2ms, seqs=290, tokens=16001, queue_state=full"),
      W(1, "11:50:28,746", ASYNC, "Async inference complete: 397288 sequences, 313.5 seq/s, 16085 tokens/s"),
      W(1, "11:50:32,814", "gpu_worker_1", "Worker 1 completed successfully")
    ].join("\n") + "\n";

  it("reads only that worker's records, with console line numbers, through \\r progress bars", () => {
    const records = splitRecords(consoleText).records.filter((r) => r.worker === 1);
    const log = parseWorkerRecords(records, 1);
    expect(WorkerLogSchema.safeParse(log).success).toBe(true);
    expect([log.segments, log.firstLine, log.worldSize, log.startedAt, log.sequences, log.completedAt]).toEqual([1, 3, 2, "2026-02-09 11:29:09.784", 397_288, "2026-02-09 11:50:32.814"]);
    expect(log.batches.map((b) => [b.batch, b.sequences, b.line])).toEqual([[0, 296, 6]]);
    expect(log.findings).toEqual([]);
  });

  it("the other worker, without its completion line, is incomplete", () => {
    const log = parseWorkerRecords(splitRecords(consoleText).records.filter((r) => r.worker === 0), 0);
    expect([log.startedAt, log.batches.length]).toEqual(["2026-02-09 11:29:10.000", 1]);
    expect(codes(log)).toEqual(["worker_incomplete"]);
  });
});

describe("parseWorkerLog: error volume", () => {
  it("GPU-monitor collection errors are gpu warnings, not worker errors; past 20 of a kind they are summed up", () => {
    const text =
      [
        init(0),
        ...Array.from({length: 22}, (_, i) => W(0, `11:30:${String(i).padStart(2, "0")},000`, MONITOR, "Failed to collect nvitop metrics for GPU 0: NVML error", "ERROR")),
        W(0, "11:31:00,000", "gpu_worker_0", "Rank 0: CUDA runtime error - device-side assert triggered", "ERROR")
      ].join("\n") + "\n";
    const log = parseWorkerLog(text, 0);
    const count = (code: string) => log.findings.filter((f) => f.code === code).length;
    expect([count("gpu_monitor_error"), count("worker_error"), count("worker_incomplete")]).toEqual([21, 1, 1]);
    expect(log.findings.find((f) => f.code === "gpu_monitor_error" && f.line === null)!.message).toContain("2 more ERROR lines");
    expect(log.findings.find((f) => f.code === "worker_error")).toMatchObject({line: 24, severity: "error"});
  });
});
