/**
 * Typed records produced by the VirNucPro parsers (one parser per artifact, FORMATS.md).
 * Parsers only parse: they never compute report figures. Every record is validated with these schemas.
 *
 * Timestamps are the log's own naive local time, as 'YYYY-MM-DD HH:MM:SS.mmm' strings (main-process
 * lines have no milliseconds: '.000'). Line numbers are 1-based physical lines of the source file
 * (after splitting on \n; a \r-separated segment keeps the line of its \n-line).
 */
import {z} from "zod";

export const LocalTime = z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
const int = z.number().int();
const nonneg = z.number().finite().nonnegative();

/** One log record after envelope matching; continuation lines are folded into `message`. */
export const LogRecordSchema = z.object({
  line: int.positive(),
  at: LocalTime,
  /** 'main' = main process or v1 pool worker envelope; 'worker' = v2 ESM-2 worker envelope */
  envelope: z.enum(["main", "worker"]),
  worker: int.nonnegative().nullable(),
  logger: z.string(),
  level: z.enum(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
  message: z.string(),
  /** unprefixed lines that followed the record (tracebacks, multi-line messages) */
  continuation: z.array(z.string())
});
export type LogRecord = z.infer<typeof LogRecordSchema>;

export const StageEventSchema = z.object({
  /** telemetry display name, e.g. 'ESM-2 Feature Extraction' */
  name: z.string(),
  /** number in the banner = start order, not the enum value */
  order: int.positive().nullable(),
  startedAt: LocalTime.nullable(),
  endedAt: LocalTime.nullable(),
  /** seconds from the `completed in` line */
  seconds: nonneg.nullable(),
  skipped: z.boolean(),
  /** bracket extras, ints without separators, floats as numbers, strings as strings */
  extras: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  line: int.positive(),
  /** line of the `completed in` record (null until the stage completes) */
  completedLine: int.positive().nullable()
});
export type StageEvent = z.infer<typeof StageEventSchema>;

export const SummarySchema = z.object({
  line: int.positive(),
  totalSeconds: nonneg.nullable(),
  totalHms: z.string().nullable(),
  /** line of `Total wall time` */
  totalLine: int.positive().nullable(),
  stages: z.array(
    z.object({
      order: int.positive(),
      name: z.string(),
      seconds: nonneg.nullable(),
      pct: nonneg.nullable(),
      skipped: z.boolean(),
      line: int.positive()
    })
  ),
  bottlenecks: z.array(z.object({name: z.string(), pct: nonneg})),
  architecture: z.string().nullable(),
  /** the closing '=====' line was seen: the block is whole */
  complete: z.boolean()
});
export type Summary = z.infer<typeof SummarySchema>;

export const FindingSchema = z.object({
  code: z.string(),
  severity: z.enum(["error", "warning", "info"]),
  message: z.string(),
  line: int.positive().nullable(),
  /** which report figures it affects: timing, correctness, gpu, packing, throughput, scaling, metadata */
  affects: z.array(z.string())
});
export type Finding = z.infer<typeof FindingSchema>;

export const IoWarningSchema = z.object({
  at: LocalTime,
  worker: int.nonnegative().nullable(),
  severity: z.enum(["mild", "critical"]),
  utilization: nonneg,
  line: int.positive()
});
export type IoWarning = z.infer<typeof IoWarningSchema>;

export const RunMetadataSchema = z.object({
  input: z.string().nullable(),
  /** Configuration block, key -> raw value as printed (e.g. 'Model' -> '300_model.pth') */
  config: z.record(z.string(), z.string()),
  modelPath: z.string().nullable(),
  expectedLength: int.positive().nullable(),
  batchSize: int.nullable(),
  dnabertBatchSize: int.nullable(),
  esmBatchSize: int.nullable(),
  parallel: z.boolean().nullable(),
  resume: z.boolean().nullable(),
  outputDir: z.string().nullable(),
  /** 'v2.0 hybrid', 'v1.0 (...)' from the Architecture: line */
  architecture: z.string().nullable(),
  cudaDeviceCount: int.nonnegative().nullable(),
  worldSize: int.positive().nullable(),
  usingGpus: z.string().nullable(),
  gpus: z.array(z.object({index: int.nonnegative(), name: z.string(), compute: z.string().nullable(), bf16: z.boolean().nullable()})),
  /** `_chunked{L}.fa` lengths seen in paths in the log */
  chunkedLengths: z.array(int.positive()),
  /** where the model evidence is: the `  Model:` / `  Expected length:` line, and the first `_chunked{L}.fa` line */
  modelLine: int.positive().nullable(),
  chunkedLine: int.positive().nullable()
});
export type RunMetadata = z.infer<typeof RunMetadataSchema>;

export const DnabertGpuSchema = z.object({
  gpu: int.nonnegative(),
  files: int.nonnegative().nullable(),
  sequences: int.nonnegative().nullable(),
  completedFiles: int.nonnegative().nullable(),
  totalFiles: int.nonnegative().nullable(),
  /** time of the dashboard line where completed == total */
  finishedAt: LocalTime.nullable()
});
export type DnabertGpu = z.infer<typeof DnabertGpuSchema>;

/** Everything the console-log parser extracts from a `2>&1 | tee` capture. */
export const ConsoleLogSchema = z.object({
  lines: int.nonnegative(),
  records: int.nonnegative(),
  firstAt: LocalTime.nullable(),
  lastAt: LocalTime.nullable(),
  metadata: RunMetadataSchema,
  stages: z.array(StageEventSchema),
  summary: SummarySchema.nullable(),
  dnabert: z.array(DnabertGpuSchema),
  ioWarnings: z.array(IoWarningSchema),
  /** 'HDF5-to-PT conversion: 80.0s for 80 files' */
  hdf5ConversionSeconds: nonneg.nullable(),
  /** how the run ended, from the closing lines */
  outcome: z.enum(["success", "completed_with_failures", "failed", "out_of_memory", "already_complete", "unknown"]),
  findings: z.array(FindingSchema),
  /** v2 worker records seen in the console (used when worker_N.log files are absent) */
  workerRecords: z.array(LogRecordSchema)
});
export type ConsoleLog = z.infer<typeof ConsoleLogSchema>;

export const BatchSchema = z.object({
  batch: int.nonnegative(),
  kind: z.enum(["dataloader", "progress"]),
  at: LocalTime,
  line: int.positive(),
  // dataloader line (A)
  waitMs: nonneg.nullable(),
  sequences: int.nonnegative().nullable(),
  tokens: int.nonnegative().nullable(),
  queueState: z.string().nullable(),
  // progress line (B)
  done: int.nonnegative().nullable(),
  total: int.nonnegative().nullable(),
  /** running mean `pack eff` as logged, a fraction on the 4096 scale (3.581 for '358.1%') */
  loggedPackEff: nonneg.nullable(),
  tokensPerSec: nonneg.nullable(),
  seqPerSec: nonneg.nullable(),
  eta: z.string().nullable()
});
export type Batch = z.infer<typeof BatchSchema>;

/** One ESM-2 worker's last log segment. */
export const WorkerLogSchema = z.object({
  worker: int.nonnegative(),
  worldSize: int.positive().nullable(),
  /** how many `logging initialized` segments the file holds; only the last is parsed */
  segments: int.nonnegative(),
  firstLine: int.positive().nullable(),
  deviceName: z.string().nullable(),
  startedAt: LocalTime.nullable(),
  modelLoadStartedAt: LocalTime.nullable(),
  modelLoadedAt: LocalTime.nullable(),
  inferenceStartedAt: LocalTime.nullable(),
  firstBatchAt: LocalTime.nullable(),
  inferenceCompletedAt: LocalTime.nullable(),
  completedAt: LocalTime.nullable(),
  assignedSequences: int.nonnegative().nullable(),
  assignedTokens: int.nonnegative().nullable(),
  sequences: int.nonnegative().nullable(),
  seqPerSec: nonneg.nullable(),
  tokensPerSec: nonneg.nullable(),
  tokenBudget: int.positive().nullable(),
  avgWaitMs: nonneg.nullable(),
  maxWaitMs: nonneg.nullable(),
  /** the final `DataLoader stats` packing figure as printed (always 0 because of a key-name bug) */
  loggedFinalPacking: nonneg.nullable(),
  batches: z.array(BatchSchema),
  ioWarnings: z.array(IoWarningSchema),
  findings: z.array(FindingSchema)
});
export type WorkerLog = z.infer<typeof WorkerLogSchema>;

export const GpuSampleSchema = z.object({
  /** Unix epoch seconds */
  epoch: z.number().finite(),
  device: int.nonnegative(),
  uuid: z.string().nullable(),
  utilization: z.number().finite().min(0).max(100),
  memoryMib: nonneg.nullable(),
  memoryPct: nonneg.nullable(),
  temperature: z.number().finite().nullable(),
  powerWatts: nonneg.nullable(),
  stage: z.string().nullable(),
  line: int.positive()
});
export type GpuSample = z.infer<typeof GpuSampleSchema>;

/** One gpu_metrics_*.log file (NvitopMonitor) or one nvidia-smi CSV capture. */
export const GpuMonitorSchema = z.object({
  format: z.enum(["gpu_metrics", "nvidia_smi"]),
  startedLocal: LocalTime.nullable(),
  stoppedLocal: LocalTime.nullable(),
  devices: z.array(int.nonnegative()),
  nvitop: z.string().nullable(),
  /** local minus UTC in seconds, from header vs first sample (rounded to 15 min); null if unknown */
  utcOffsetSeconds: int.nullable(),
  samples: z.array(GpuSampleSchema),
  findings: z.array(FindingSchema)
});
export type GpuMonitor = z.infer<typeof GpuMonitorSchema>;

/** `.checkpoints/pipeline_state.json` */
export const PipelineStateSchema = z.object({
  createdAt: z.string().nullable(),
  modelPath: z.string().nullable(),
  /** line of `model_path` (else `expected_length`) in the file */
  modelLine: int.positive().nullable(),
  expectedLength: int.positive().nullable(),
  configHash: z.string().nullable(),
  stages: z.array(
    z.object({
      stage: z.string(),
      status: z.string(),
      startedAt: z.string().nullable(),
      completedAt: z.string().nullable(),
      durationSeconds: nonneg.nullable()
    })
  )
});
export type PipelineState = z.infer<typeof PipelineStateSchema>;
