/**
 * Deterministic generator of complete VirNucPro benchmark studies in the real artifact formats
 * (loaders/virnucpro/FORMATS.md): console capture, worker logs, gpu_metrics files, pipeline_state.json,
 * per-frame and consensus predictions, a reference, and the study YAML.
 *
 * Two scales, on purpose:
 * - the *embedding* scale (`embeddedSequences`): what the ESM-2 workers, the DNABERT-S files and the
 *   throughput lines describe. phase10Plan keeps it at 794,577 so the published Phase 10 figures
 *   (321.0 seq/s, ~2,780 batches, 358 % pack eff, ...) appear whatever the output size;
 * - the *output* scale (`perFrameRows`): rows of the prediction files and the stage extras that count
 *   them (`predictions`, `consensus_sequences`, `sequences_with_orfs`, chunking `sequences`).
 * At Phase 10 scale both are 794,577.
 */
import {createHash} from "node:crypto";
import {mkdir, open, writeFile} from "node:fs/promises";
import path from "node:path";
import {stringify} from "yaml";
import {STAGE_NAMES} from "../pipeline.ts";
import {Prng} from "./prng.ts";
import {
  asctime,
  asctimeMs,
  compactStamp,
  formatHms,
  isoformat,
  localMicros,
  pandasParseFloat,
  pyFixed,
  pyFixedThousands,
  pyFixedWidth,
  pyPercent,
  pyRepr,
  pyThousands,
  tqdmInterval
} from "./pyformat.ts";

// ---------------------------------------------------------------------------------------------------
// Plans

export interface WorkerPlan {
  /** sequences this ESM-2 worker embeds (stride split: counts differ by at most 1) */
  sequences: number;
  /** the `Async inference complete` rates, reproduced exactly */
  seqPerSec: number;
  tokensPerSec: number;
  /** DataLoader stats: max wait in ms (avg is ~0.1 ms) */
  maxWaitMs?: number;
}

export interface RunPlan {
  id: string;
  gpus: number;
  model: 300 | 500;
  /** telemetry stage name -> elapsed seconds. Printed with .1f; give more decimals to steer rounding of totals/percentages */
  stages: Record<string, number>;
  label?: string;
  /** per ESM-2 worker; default: embeddedSequences split by stride at ~321 seq/s each */
  workers?: WorkerPlan[];
  /** `Mild I/O bottleneck` lines over all workers, exactly (they follow from the 1 Hz samples) */
  ioWarnings?: number;
  /** HDF5-to-PT conversion inside the ESM-2 stage, seconds (default 80.0) */
  hdf5Seconds?: number;
  /** local wall time of the first stage banner, 'YYYY-MM-DD HH:MM:SS' */
  startLocal?: string;
  /** local = UTC + offset; -5 is America/New_York in February (default) */
  utcOffsetHours?: number;
  /** `-o` as given on the benchmark host (appears in log lines and pipeline_state.json) */
  outputDir?: string;
  /** pass `--gpus` explicitly (1-GPU Phase 10 run) instead of auto-detection */
  explicitGpus?: boolean;
  gpuName?: string;
  /** consensus label disagreement with the reference, as a fraction (exact count = round(rate * rows)) */
  mismatchRate?: number;
  /** keep only the first `truncateAt` characters of console.log (a killed capture) */
  truncateAt?: number;
}

export interface StudyPlan {
  release: string;
  title: string;
  seed: number;
  /** per-frame rows of every prediction file (= `predictions` extra) */
  perFrameRows: number;
  /** consensus rows (= `consensus_sequences` = `sequences_with_orfs`); default perFrameRows * 601257/794577 */
  consensusRows?: number;
  /** input FASTA records (= chunking `sequences`); default consensusRows / 0.601257 */
  inputSequences?: number;
  /** sequences embedded by ESM-2 / DNABERT-S (worker lines); default perFrameRows */
  embeddedSequences?: number;
  date?: string;
  input?: string;
  runs: RunPlan[];
  reference: {model: 300 | 500; label?: string};
  baseline?: {label: string; total_seconds: number};
  /** default consensus mismatch rate of runs that use the reference's model */
  mismatchRate?: number;
}

const PHASE10_PER_FRAME = 794_577;
const PHASE10_CONSENSUS = 601_257;
const PHASE10_INPUT = 1_000_000;
const ORF_FRACTION = PHASE10_CONSENSUS / PHASE10_INPUT;
const SEQUENCES_PER_FILE = 10_000;
const TOKEN_BUDGET = 16_384;
const PACK_SCALE = 4096;
const BUFFER_SIZE = 2000;
const GPU_TOTAL_MIB = 24_564;
const FRAMES = ["F1", "F2", "F3", "R1", "R2", "R3"] as const;
const DEFAULT_INPUT = "/data/virnucpro/USA-MA-Broad_MGH-22989-2024.lNDM_F11.HLWLWDRX5.1.hs_depleted.subset_1M.fasta";

/**
 * The Phase 10 study as published (FORMATS §11): the 1-GPU run with the 500 model (the trap), the
 * 2-GPU run with -m 300, the v1.0 reference with 300. Stage seconds carry a second decimal so that the
 * pipeline's own rounding reproduces every published figure (2-GPU: 2025.0 s but 00:33:44, merging 2.1 %).
 */
export function phase10Plan(options: {perFrameRows?: number; seed?: number} = {}): StudyPlan {
  const perFrameRows = options.perFrameRows ?? PHASE10_PER_FRAME;
  const scaled = perFrameRows !== PHASE10_PER_FRAME;
  const consensusRows = scaled ? Math.round((perFrameRows * PHASE10_CONSENSUS) / PHASE10_PER_FRAME) : PHASE10_CONSENSUS;
  return {
    release: "v2.0",
    title: scaled ? "VirNucPro v2.0 performance validation (1M subset, scaled-down outputs)" : "VirNucPro v2.0 performance validation (1M subset)",
    seed: options.seed ?? 10,
    perFrameRows,
    consensusRows,
    inputSequences: scaled ? Math.round(consensusRows / ORF_FRACTION) : PHASE10_INPUT,
    embeddedSequences: PHASE10_PER_FRAME,
    date: "2026-02-09",
    input: DEFAULT_INPUT,
    baseline: {label: "v1.0 on 2x RTX 4090", total_seconds: 12_600},
    reference: {model: 300, label: "v1.0"},
    mismatchRate: 762 / PHASE10_CONSENSUS,
    runs: [
      {
        id: "1gpu",
        gpus: 1,
        model: 500,
        label: "1x RTX 4090",
        explicitGpus: true,
        startLocal: "2026-02-08 18:33:07",
        outputDir: "/tmp/virnucpro_bench_1gpu",
        stages: stageSeconds([7.12, 8.38, 3.31, 3.09, 501.87, 2591.13, 34.71, 37.42, 13.59]),
        workers: [{sequences: 794_577, seqPerSec: 321.0, tokensPerSec: 16_474, maxWaitMs: 0.3}],
        ioWarnings: 54,
        hdf5Seconds: 77.9,
        mismatchRate: 41_554 / PHASE10_CONSENSUS
      },
      {
        id: "2gpu",
        gpus: 2,
        model: 300,
        label: "2x RTX 4090",
        startLocal: "2026-02-09 11:19:52",
        outputDir: "/tmp/virnucpro_bench_2gpu",
        stages: stageSeconds([7.31, 8.47, 4.28, 4.02, 523.47, 1383.18, 41.54, 39.08, 13.61]),
        workers: [
          {sequences: 397_289, seqPerSec: 315.7, tokensPerSec: 16_199, maxWaitMs: 0.6},
          {sequences: 397_288, seqPerSec: 313.5, tokensPerSec: 16_085, maxWaitMs: 0.4}
        ],
        ioWarnings: 41,
        hdf5Seconds: 80.0
      }
    ]
  };
}

/**
 * An earlier release for the archive/trend page: same v2.0 hybrid architecture, slower ESM-2 (a
 * release candidate before the packing fixes), both runs with the 300 model, no published source.
 */
export function releaseCandidatePlan(options: {perFrameRows?: number; seed?: number} = {}): StudyPlan {
  const perFrameRows = options.perFrameRows ?? 1000;
  const consensusRows = Math.round((perFrameRows * PHASE10_CONSENSUS) / PHASE10_PER_FRAME);
  return {
    release: "v2.0-rc1",
    title: "VirNucPro v2.0-rc1 validation (1M subset, scaled-down outputs)",
    seed: options.seed ?? 21,
    perFrameRows,
    consensusRows,
    inputSequences: Math.round(consensusRows / ORF_FRACTION),
    embeddedSequences: PHASE10_PER_FRAME,
    date: "2026-02-02",
    input: DEFAULT_INPUT,
    baseline: {label: "v1.0 on 2x RTX 4090", total_seconds: 12_600},
    reference: {model: 300, label: "v1.0"},
    mismatchRate: 0.0021,
    runs: [
      {
        id: "1gpu",
        gpus: 1,
        model: 300,
        label: "1x RTX 4090",
        explicitGpus: true,
        startLocal: "2026-02-02 20:05:41",
        outputDir: "/tmp/virnucpro_rc1_1gpu",
        stages: stageSeconds([7.42, 8.61, 3.38, 3.17, 505.33, 3195.62, 35.18, 37.87, 13.82]),
        workers: [{sequences: 794_577, seqPerSec: 258.4, tokensPerSec: 13_262, maxWaitMs: 0.4}],
        ioWarnings: 71,
        hdf5Seconds: 78.8
      },
      {
        id: "2gpu",
        gpus: 2,
        model: 300,
        label: "2x RTX 4090",
        startLocal: "2026-02-03 09:12:18",
        outputDir: "/tmp/virnucpro_rc1_2gpu",
        stages: stageSeconds([7.49, 8.66, 4.41, 4.08, 528.12, 1702.43, 41.96, 39.61, 13.74]),
        workers: [
          {sequences: 397_289, seqPerSec: 251.2, tokensPerSec: 12_893, maxWaitMs: 0.5},
          {sequences: 397_288, seqPerSec: 249.6, tokensPerSec: 12_808, maxWaitMs: 0.3}
        ],
        ioWarnings: 58,
        hdf5Seconds: 81.3
      }
    ]
  };
}

function stageSeconds(values: number[]): Record<string, number> {
  return Object.fromEntries(STAGE_NAMES.map((s, i) => [s.name, values[i]!]));
}

interface Counts {
  inputSequences: number;
  consensusRows: number;
  perFrameRows: number;
  embedded: number;
  files: number;
  /** embedded sequences per split file */
  fileSequences: number[];
}

function countsOf(plan: StudyPlan): Counts {
  const perFrameRows = plan.perFrameRows;
  const consensusRows = plan.consensusRows ?? Math.max(1, Math.round((perFrameRows * PHASE10_CONSENSUS) / PHASE10_PER_FRAME));
  const inputSequences = plan.inputSequences ?? Math.round(consensusRows / ORF_FRACTION);
  const embedded = plan.embeddedSequences ?? perFrameRows;
  if (!(consensusRows <= perFrameRows && perFrameRows <= 6 * consensusRows)) throw new Error(`plan: need consensusRows <= perFrameRows <= 6 * consensusRows (got ${consensusRows}, ${perFrameRows})`);
  if (inputSequences < consensusRows) throw new Error(`plan: inputSequences (${inputSequences}) < consensusRows (${consensusRows})`);
  const files = Math.max(1, Math.ceil(embedded / SEQUENCES_PER_FILE));
  const fileSequences = Array.from({length: files}, (_, k) => Math.min(SEQUENCES_PER_FILE, embedded - k * SEQUENCES_PER_FILE));
  return {inputSequences, consensusRows, perFrameRows, embedded, files, fileSequences};
}

// ---------------------------------------------------------------------------------------------------
// Timeline: every line is an event on the run's local clock (integer microseconds). The console
// capture is all events in time order; a worker log is that worker's events.

interface Event {
  t: number;
  seq: number;
  text: string;
  worker: number | null;
}

class Timeline {
  readonly events: Event[] = [];
  private seq = 0;

  main(t: number, logger: string, level: string, message: string): void {
    this.push(t, `${asctime(t)} - ${logger} - ${level} - ${message}\n`, null);
  }

  worker(rank: number, t: number, logger: string, level: string, message: string): void {
    this.push(t, `${asctimeMs(t)} - Worker ${rank} - ${logger} - ${level} - ${message}\n`, rank);
  }

  /** unprefixed output (warnings, tqdm refreshes without newline) */
  raw(t: number, text: string): void {
    this.push(t, text, null);
  }

  private push(t: number, text: string, worker: number | null): void {
    this.events.push({t: Math.round(t), seq: this.seq++, text, worker});
  }

  sorted(): Event[] {
    return [...this.events].sort((a, b) => a.t - b.t || a.seq - b.seq);
  }
}

const SEC = 1_000_000;
const us = (seconds: number) => Math.round(seconds * SEC);

const L = {
  cli: "virnucpro.cli.predict",
  prediction: "virnucpro.pipeline.prediction",
  parallel: "virnucpro.pipeline.parallel",
  sequence: "virnucpro.utils.sequence",
  telemetry: "virnucpro.pipeline.telemetry",
  checkpoint: "virnucpro.checkpoint",
  features: "virnucpro.features",
  baseWorker: "virnucpro.pipeline.base_worker",
  workQueue: "virnucpro.pipeline.work_queue",
  dashboard: "virnucpro.pipeline.dashboard",
  multiGpu: "virnucpro.pipeline.multi_gpu_inference",
  coordinator: "virnucpro.pipeline.gpu_coordinator",
  shardIndex: "virnucpro.data.shard_index",
  aggregator: "virnucpro.pipeline.shard_aggregator",
  predictor: "virnucpro.pipeline.predictor",
  asyncInference: "virnucpro.pipeline.async_inference",
  gpuMonitor: "virnucpro.utils.gpu_monitor",
  dataloader: "virnucpro.dataloader",
  packing: "virnucpro.data.packing",
  collators: "virnucpro.data.collators"
} as const;

/** tqdm's text with ncols=100 and bar_format '{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}]' */
export function tqdmBar(desc: string, n: number, total: number, elapsed: number, unit: string): string {
  const frac = total ? n / total : 0;
  const rate = elapsed > 0 ? n / elapsed : 0;
  const remaining = rate > 0 ? tqdmInterval((total - n) / rate) : "?";
  const inv = rate > 0 ? 1 / rate : 0;
  const rateFmt = rate === 0 ? `?${unit}/s` : inv > 1 ? `${pyFixedWidth(inv, 5, 2)}s/${unit}` : `${pyFixedWidth(rate, 5, 2)}${unit}/s`;
  const lBar = `${desc}: ${pyFixedWidth(frac * 100, 3, 0)}%|`;
  const rBar = `| ${n}/${total} [${tqdmInterval(elapsed)}<${remaining}, ${rateFmt}]`;
  const width = Math.max(1, 100 - lBar.length - rBar.length);
  const blocks = " ▏▎▍▌▋▊▉█";
  const filled = frac * width;
  const full = Math.floor(filled);
  const bar = "█".repeat(full) + (full < width ? blocks[Math.floor((filled - full) * 8)]! : "");
  return lBar + bar.padEnd(width, " ") + rBar;
}

// ---------------------------------------------------------------------------------------------------
// ESM-2 worker simulation: packed batches, timing, GPU samples

interface Batch {
  seqs: number;
  tokens: number;
  waitMs: number;
  fetchAt: number;
  endAt: number;
}

interface WorkerSim {
  rank: number;
  plan: WorkerPlan;
  batches: Batch[];
  flushSeqs: number;
  flushTokens: number;
  flushBatches: number;
  recordedTokens: number;
  timerSeconds: number;
  bufferingSeconds: number;
  // clock (local µs)
  startAt: number;
  modelLoadAt: number;
  modelLoadedAt: number;
  dataloaderAt: number;
  monitorAt: number;
  timerAt: number;
  lastBatchEnd: number;
  monitorStopAt: number;
  doneAt: number;
  shardSavedAt: number;
  completedAt: number;
  samples: {t: number; util: number}[];
  checks: {batch: number; t: number}[];
}

function packWorker(rng: Prng, plan: WorkerPlan): Pick<WorkerSim, "batches" | "flushSeqs" | "flushTokens" | "flushBatches" | "recordedTokens" | "timerSeconds"> {
  const n = plan.sequences;
  const fullBuffers = Math.floor(n / BUFFER_SIZE);
  const flushSeqs = fullBuffers === 0 ? 0 : n % BUFFER_SIZE;
  const buffers = fullBuffers === 0 ? [n] : Array.from({length: fullBuffers}, () => BUFFER_SIZE);
  const recorded = n - flushSeqs;
  const timerSeconds = recorded / plan.seqPerSec;
  const recordedTokens = Math.round(plan.tokensPerSec * timerSeconds);
  const meanLen = recordedTokens / recorded;
  const batches: Batch[] = [];
  const remainderIdx: number[] = [];
  const nb = buffers.length;
  let plannedTokens = 0;
  buffers.forEach((size, b) => {
    // the index is sorted by length, descending: early buffers hold longer proteins
    const ramp = nb > 1 ? 1 - (2 * b) / (nb - 1) : 0;
    const mb = meanLen * (1 + 0.03 * ramp) * (1 + rng.uniform(-0.002, 0.002));
    let tokens = Math.round(size * mb);
    plannedTokens += tokens;
    let seqs = size;
    let j = 0;
    while (tokens > TOKEN_BUDGET) {
      const t = Math.floor(rng.uniform(0.955, 0.998) * TOKEN_BUDGET);
      const s = Math.max(1, Math.round(t / (mb * (1.03 - 0.01 * j))));
      if (s >= seqs) break;
      batches.push({seqs: s, tokens: t, waitMs: 0, fetchAt: 0, endAt: 0});
      tokens -= t;
      seqs -= s;
      j++;
    }
    remainderIdx.push(batches.length);
    batches.push({seqs, tokens, waitMs: 0, fetchAt: 0, endAt: 0});
  });
  // hit the token total exactly: spread the difference over the buffer-remainder batches
  let diff = recordedTokens - plannedTokens;
  for (let pass = 0; pass < 3 && diff !== 0; pass++) {
    const pool = pass === 0 ? remainderIdx : batches.map((_, i) => i);
    for (let k = 0; k < pool.length && diff !== 0; k++) {
      const batch = batches[pool[k]!]!;
      const share = Math.trunc(diff / (pool.length - k)) || Math.sign(diff);
      const next = Math.min(TOKEN_BUDGET, Math.max(3 * batch.seqs, batch.tokens + share));
      diff -= next - batch.tokens;
      batch.tokens = next;
    }
  }
  if (diff !== 0) throw new Error(`plan: cannot pack ${plan.sequences} sequences at ${plan.tokensPerSec} tokens/s into ${TOKEN_BUDGET}-token batches`);
  const flushTokens = Math.round(flushSeqs * meanLen * 0.97);
  const flushBatches = flushSeqs ? Math.ceil(flushTokens / (0.97 * TOKEN_BUDGET)) : 0;
  const maxWait = plan.maxWaitMs ?? 0.3;
  for (const batch of batches) batch.waitMs = rng.uniform(0.04, 0.14);
  batches[rng.int(1, Math.max(1, batches.length - 1)) % batches.length]!.waitMs = maxWait;
  return {batches, flushSeqs, flushTokens, flushBatches, recordedTokens, timerSeconds};
}

/** when each batch was fetched and finished, proportional to its tokens */
function timeBatches(sim: WorkerSim): void {
  const span = sim.lastBatchEnd - (sim.timerAt + us(sim.bufferingSeconds));
  let cum = 0;
  let prevEnd = sim.timerAt + us(sim.bufferingSeconds);
  for (const batch of sim.batches) {
    batch.fetchAt = prevEnd + Math.round(batch.waitMs * 1000);
    cum += batch.tokens;
    batch.endAt = sim.timerAt + us(sim.bufferingSeconds) + Math.round((cum / sim.recordedTokens) * span);
    prevEnd = batch.endAt;
  }
  sim.checks = sim.batches.flatMap((b, i) => (i % 10 === 0 && i > 0 ? [{batch: i, t: b.fetchAt}] : []));
}

/**
 * GPU 0's utilisation, one integer per second from `origin`, shaped so that exactly `target`
 * bottleneck checks (10-sample means below 80 %) fire over all workers' monitors, with a mean in the
 * high 70s. Every worker's monitor reads GPU 0 (nvitop index bug), so all share this series.
 */
function gpuSeries(rng: Prng, sims: WorkerSim[], origin: number, target: number): Int16Array {
  const end = Math.max(...sims.map((s) => s.monitorStopAt));
  const length = Math.ceil((end - origin) / SEC) + 2;
  const u = new Int16Array(length);
  const first = Math.min(...sims.map((s) => s.timerAt));
  const busyFrom = Math.min(...sims.map((s) => s.timerAt + us(s.bufferingSeconds)));
  const busyTo = Math.max(...sims.map((s) => s.lastBatchEnd));
  const sec = (t: number) => Math.floor((t - origin) / SEC);
  for (let k = 0; k < length; k++) {
    const t = origin + k * SEC;
    if (t < first - 5 * SEC) u[k] = rng.int(0, 3);
    else if (t < busyFrom) u[k] = rng.int(8, 41);
    else if (t <= busyTo) u[k] = Math.min(92, Math.max(76, Math.round(rng.normal(80.2, 2.0))));
    else u[k] = rng.int(0, 12);
  }
  const steadyFrom = sec(busyFrom) + 12;
  const steadyTo = sec(busyTo) - 2;
  // each sample reads the second it falls in; the monitor samples every ~1.03 s
  for (const sim of sims) {
    sim.samples = [];
    for (let t = sim.monitorAt + us(0.28 + rng.uniform(0, 0.05)); t < sim.monitorStopAt; t += us(1.0 + rng.uniform(0.018, 0.041))) {
      sim.samples.push({t, util: 0});
    }
  }
  const windows = sims.flatMap((sim) =>
    sim.checks.map((check) => {
      let hi = sim.samples.findIndex((s) => s.t > check.t);
      if (hi < 0) hi = sim.samples.length;
      return sim.samples.slice(Math.max(0, hi - 10), hi).map((s) => sec(s.t));
    })
  );
  const mean = (w: number[]) => w.reduce((a, k) => a + u[k]!, 0) / w.length;
  const flagged = () => windows.reduce((n, w) => n + (w.length && mean(w) < 80 ? 1 : 0), 0);
  const steady = (k: number) => k >= steadyFrom && k <= steadyTo;
  // no accidental dips in steady state: raise the lowest samples of every low window
  for (const w of windows) {
    let guard = 0;
    while (w.length && mean(w) < 80.6 && guard++ < 100) {
      const candidates = w.filter(steady).filter((k) => u[k]! < 96);
      if (!candidates.length) break;
      const k = candidates.reduce((a, b) => (u[a]! <= u[b]! ? a : b));
      u[k] = u[k]! + 1;
    }
  }
  const order = rng.shuffle(windows.map((_, i) => i));
  let count = flagged();
  for (const i of order) {
    if (count >= target) break;
    const w = windows[i]!;
    if (!w.length || mean(w) < 80 || !w.every(steady)) continue;
    const saved = w.map((k) => u[k]!);
    const dipLength = rng.int(Math.min(7, w.length), Math.min(10, w.length));
    const depth = rng.uniform(53, 66);
    for (const k of w.slice(w.length - dipLength)) u[k] = Math.max(50, Math.min(79, Math.round(rng.normal(depth, 4))));
    const next = flagged();
    if (next > target || next === count) w.forEach((k, j) => (u[k] = saved[j]!));
    else count = next;
  }
  if (count !== target) throw new Error(`plan: could not place ${target} I/O bottleneck checks (got ${count} of ${windows.length} checks)`);
  for (const sim of sims) for (const s of sim.samples) s.util = u[sec(s.t)]!;
  return u;
}

// ---------------------------------------------------------------------------------------------------
// Rendering one run

export interface RenderedRun {
  console: string;
  workerLogs: string[];
  gpuMetrics: {name: string; text: string}[];
  pipelineState: string;
  /** figures the generator committed to, for tests */
  facts: {
    totalSeconds: number;
    stageSeconds: Record<string, number>;
    ioWarnings: number;
    batches: number[];
    modelPath: string;
  };
}

function stemOf(input: string): string {
  const base = path.basename(input);
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

function workerPlans(plan: StudyPlan, run: RunPlan, counts: Counts): WorkerPlan[] {
  if (run.workers) {
    if (run.workers.length !== run.gpus) throw new Error(`run ${run.id}: ${run.workers.length} worker plans for ${run.gpus} GPUs`);
    return run.workers;
  }
  return Array.from({length: run.gpus}, (_, r) => {
    const sequences = Math.floor(counts.embedded / run.gpus) + (r < counts.embedded % run.gpus ? 1 : 0);
    const seqPerSec = Math.round(321 * (1 - 0.012 * r) * (run.gpus > 1 ? 0.98 : 1) * 10) / 10;
    return {sequences, seqPerSec, tokensPerSec: Math.round(seqPerSec * 51.32), maxWaitMs: 0.3};
  });
}

/** Render every text artifact of one run (predictions are written separately, streaming). */
export function renderRun(run: RunPlan, plan: StudyPlan): RenderedRun {
  const counts = countsOf(plan);
  const rng = new Prng(plan.seed, `run:${run.id}`);
  const tl = new Timeline();
  const offset = us((run.utcOffsetHours ?? -5) * 3600);
  const toUtc = (t: number) => t - offset;
  const t0 = localMicros(run.startLocal ?? "2026-02-09 09:00:00");
  const input = plan.input ?? DEFAULT_INPUT;
  const stem = stemOf(input);
  const out = run.outputDir ?? `/tmp/virnucpro_bench_${run.id}`;
  const modelPath = `${run.model}_model.pth`;
  const gpuName = run.gpuName ?? "NVIDIA GeForce RTX 4090";
  const W = run.gpus;
  const F = counts.files;
  const nucDir = `${out}/${stem}_nucleotide`;
  const protDir = `${out}/${stem}_protein`;
  const mergedDir = `${out}/${stem}_merged`;

  const elapsed = STAGE_NAMES.map(({name}) => {
    const v = run.stages[name];
    if (v === undefined || !(v > 0)) throw new Error(`run ${run.id}: stage '${name}' needs a positive number of seconds`);
    return us(v);
  });
  const starts: number[] = [];
  let clock = t0;
  for (const e of elapsed) {
    starts.push(clock);
    clock += e;
  }
  const ends = starts.map((s, i) => s + elapsed[i]!);
  const totalMicros = clock - t0;
  const totalSeconds = totalMicros / SEC;

  // ---- start-up (before the first stage) ----
  const pre = t0 - us(21.4);
  tl.raw(pre, "/opt/conda/lib/python3.11/site-packages/transformers/utils/generic.py:441: FutureWarning: `torch.utils._pytree._register_pytree_node` is deprecated. Please use `torch.utils._pytree.register_pytree_node` instead.\n  _torch_pytree._register_pytree_node(\n");
  const cli = (dt: number, msg: string) => tl.main(pre + us(dt), L.cli, "INFO", msg);
  cli(2.1, `VirNucPro Prediction - Input: ${input}`);
  if (run.explicitGpus) cli(2.1, `Using GPUs: ${Array.from({length: W}, (_, i) => i).join(",")}`);
  else if (W > 1) cli(2.2, `Detected ${W} GPUs, enabling parallel processing`);
  const config = [
    "Configuration:",
    `  Model: ${modelPath}`,
    `  Expected length: ${run.model}bp`,
    `  Output directory: ${out}`,
    "  Device: cuda:0",
    "  Batch size: 256",
    "  Workers: 4",
    "  DNABERT batch size: 256",
    "  Parallel processing: enabled",
    "  Resume: False",
    "  Cleanup intermediate files: False",
    "  Progress bars: enabled",
    "  Verbose mode: enabled",
    "  DataLoader workers: auto",
    "  Pin memory: auto",
    "  Cache clear interval: 100 batches",
    "  CUDA streams: enabled",
    "  Persistent models: disabled",
    "Architecture: v2.0 hybrid"
  ];
  for (const line of config) cli(2.3, line);
  tl.main(pre + us(19.8), L.parallel, "INFO", `Detected ${W} CUDA device(s)`);
  tl.main(pre + us(20.9), L.prediction, "INFO", `  Initial GPU memory: 0.00GB allocated, ${pyFixed(23.52 + rng.uniform(0, 0.1), 2)}GB free`);

  const extrasOf: Record<string, string>[] = [];
  const stage = (i: number, extras: Record<string, number | string>) => {
    const {name, enum: enumName} = STAGE_NAMES[i]!;
    tl.main(starts[i]!, L.telemetry, "INFO", `=== Stage ${i + 1}: ${name} ===`);
    tl.main(starts[i]! + 150, L.checkpoint, "INFO", `Stage started: ${enumName}`);
    const parts = Object.entries(extras).map(([k, v]) => (typeof v === "string" ? `${k}: ${v}` : Number.isInteger(v) ? `${k}: ${pyThousands(v)}` : `${k}: ${pyFixed(v, 1)}`));
    extrasOf.push(Object.fromEntries(Object.entries(extras).map(([k, v]) => [k, String(v)])));
    const e = elapsed[i]! / SEC;
    tl.main(ends[i]!, L.telemetry, "INFO", `  ${name} completed in ${pyFixed(e, 1)}s${parts.length ? ` [${parts.join(", ")}]` : ""}`);
    tl.main(ends[i]!, L.checkpoint, "INFO", `Stage completed: ${enumName}`);
    tl.main(ends[i]!, L.checkpoint, "INFO", `  Duration: ${pyFixed(e + 0.003, 1)}s`);
  };
  const at = (i: number, seconds: number) => starts[i]! + us(seconds);
  const beforeEnd = (i: number, seconds: number) => ends[i]! - us(seconds);
  const bar = (desc: string, unit: string, total: number, startT: number, steps: {t: number; n: number}[]) => {
    tl.raw(startT, `\r${tqdmBar(desc, 0, total, 0, unit)}`);
    for (const s of steps) tl.raw(s.t, `\r${tqdmBar(desc, s.n, total, (s.t - startT) / SEC, unit)}`);
    tl.raw(steps.at(-1)!.t + 1000, "\n");
  };

  // ---- 1 Sequence Chunking ----
  tl.main(beforeEnd(0, 0.3), L.sequence, "INFO", `Skipping chunking: ${counts.inputSequences} sequences, max length 151bp <= ${run.model}bp threshold`);
  stage(0, {sequences: counts.inputSequences});

  // ---- 2 Six-Frame Translation ----
  tl.main(at(1, 0.05), L.prediction, "INFO", "Using parallel translation with 16 workers");
  const trStart = at(1, 0.1);
  const trEnd = beforeEnd(1, 0.15);
  bar("Translating sequences", "seq", counts.inputSequences, trStart, Array.from({length: 8}, (_, k) => ({t: trStart + Math.round(((k + 1) / 8) * (trEnd - trStart)), n: Math.round(((k + 1) / 8) * counts.inputSequences)})));
  const trSeconds = (trEnd - trStart) / SEC;
  tl.main(trEnd + 5000, L.prediction, "INFO", `Translation complete: processed ${pyThousands(counts.inputSequences)} sequences in ${pyFixed(trSeconds, 1)}s (${pyFixedThousands(counts.inputSequences / trSeconds, 0)} seq/s)`);
  tl.main(trEnd + 6000, L.prediction, "INFO", `Found ${pyThousands(counts.consensusRows)} sequences with valid ORFs across 6 frames`);
  stage(1, {sequences: counts.inputSequences, sequences_with_orfs: counts.consensusRows, seq_per_sec: counts.inputSequences / (elapsed[1]! / SEC)});

  // ---- 3/4 splitting ----
  tl.main(at(2, 0.02), L.prediction, "INFO", `Splitting nucleotide sequences into batches of ${SEQUENCES_PER_FILE}`);
  stage(2, {files: F});
  tl.main(at(3, 0.02), L.prediction, "INFO", `Splitting protein sequences into batches of ${SEQUENCES_PER_FILE}`);
  stage(3, {files: F});

  // ---- 5 DNABERT-S ----
  for (let g = 0; g < W; g++) tl.main(at(4, 0.4 + 0.01 * g), L.prediction, "INFO", `GPU ${g} (${gpuName}): Compute 8.9, BF16 enabled`);
  tl.main(at(4, 0.42), L.prediction, "INFO", "BF16 mixed precision enabled, using batch size 256");
  const assignment = assignFiles(counts.fileSequences, W);
  if (W === 1) {
    tl.main(at(4, 0.43), L.prediction, "INFO", "Using single GPU for DNABERT-S extraction");
    const from = at(4, 0.5);
    const to = beforeEnd(4, 0.6);
    const weights = counts.fileSequences.map((s) => s * rng.uniform(0.97, 1.03) + 1500);
    const sum = weights.reduce((a, b) => a + b, 0);
    let t = from;
    tl.raw(from, `\r${tqdmBar("DNABERT-S extraction", 0, F, 0, "file")}`);
    for (let k = 0; k < F; k++) {
      tl.main(t + 2000, L.features, "INFO", `Extracting DNABERT-S features from ${nucDir}/output_${k + 1}.fa`);
      if (k === 0) tl.raw(t + 900_000, "/opt/conda/lib/python3.11/site-packages/torch/nn/modules/transformer.py:384: UserWarning: enable_nested_tensor is True, but self.use_nested_tensor is False because encoder_layer.self_attn.batch_first was not True\n  warnings.warn(\n");
      t += Math.round((weights[k]! / sum) * (to - from));
      tl.main(t - 3000, L.features, "INFO", `Saved DNABERT-S features to ${nucDir}/output_${k + 1}_DNABERT_S.pt (${counts.fileSequences[k]} sequences)`);
      tl.raw(t, `\r${tqdmBar("DNABERT-S extraction", k + 1, F, (t - from) / SEC, "file")}`);
    }
    tl.raw(t + 1000, "\n");
  } else {
    const m = (dt: number, logger: string, msg: string) => tl.main(at(4, dt), logger, "INFO", msg);
    m(0.43, L.prediction, `Using ${W} GPUs for DNABERT-S extraction`);
    m(0.45, L.baseWorker, `Assigned ${F} files to ${W} workers (bin-packing by sequences)`);
    assignment.forEach((files, w) => m(0.45, L.baseWorker, `  Worker ${w}: ${files.length} files, ${files.reduce((a, k) => a + counts.fileSequences[k]!, 0)} sequences`));
    m(0.46, L.dashboard, "Using simple logging mode (non-TTY or rich not available)");
    m(0.46, L.dashboard, `Started processing ${F} files across ${W} GPUs`);
    assignment.forEach((files, g) => m(0.46, L.dashboard, `  GPU ${g}: ${files.length} files`));
    m(0.48, L.workQueue, `Initialized BatchQueueManager with ${W} workers (spawn context, persistent_pool=disabled)`);
    m(0.48, L.workQueue, "Using standard worker pool for processing");
    m(0.49, L.workQueue, `Starting parallel processing with ${W} workers`);
    assignment.forEach((files, w) => m(0.49, L.workQueue, `  Worker ${w}: ${files.length} files assigned`));
    const poolStart = at(4, 0.5);
    let lastDone = poolStart;
    assignment.forEach((files, g) => {
      const from = poolStart + us(6.5 + rng.uniform(0, 1.5));
      const to = beforeEnd(4, 2.2 + g * 1.9 + rng.uniform(0, 0.8));
      const weights = files.map((k) => counts.fileSequences[k]! * rng.uniform(0.95, 1.05) + 800);
      const sum = weights.reduce((a, b) => a + b, 0);
      let t = from;
      files.forEach((_, i) => {
        t += Math.round((weights[i]! / sum) * (to - from));
        tl.main(t + us(rng.uniform(0.02, 0.45)), L.dashboard, "INFO", `GPU ${g}: ${i + 1}/${files.length} files (${pyFixed(((i + 1) / files.length) * 100, 1)}%)`);
      });
      lastDone = Math.max(lastDone, to + us(0.5));
    });
    const poolSeconds = (lastDone - poolStart) / SEC;
    assignment.forEach((files, w) => tl.main(lastDone + 2000, L.workQueue, "INFO", `Worker ${w} completed: ${files.length} processed, 0 failed`));
    tl.main(lastDone + 3000, L.workQueue, "INFO", `Parallel processing complete in ${pyFixed(poolSeconds, 1)}s: ${F} processed, 0 failed`);
    const dashSeconds = poolSeconds + 0.1;
    tl.main(lastDone + 4000, L.dashboard, "INFO", `Processing complete: ${F} files in ${pyFixed(dashSeconds, 1)}s (${pyFixed(F / dashSeconds, 2)} files/sec)`);
  }
  stage(4, {files: F});

  // ---- 6 ESM-2 (v2.0: spawned workers) ----
  const s6 = starts[5]!;
  const workersPlan = workerPlans(plan, run, counts);
  const sims: WorkerSim[] = workersPlan.map((wp, rank) => {
    const packed = packWorker(rng.fork(`pack${rank}`), wp);
    return {rank, plan: wp, ...packed, bufferingSeconds: 0, startAt: 0, modelLoadAt: 0, modelLoadedAt: 0, dataloaderAt: 0, monitorAt: 0, timerAt: 0, lastBatchEnd: 0, monitorStopAt: 0, doneAt: 0, shardSavedAt: 0, completedAt: 0, samples: [], checks: []};
  });
  const m6 = (t: number, logger: string, msg: string, level = "INFO") => tl.main(t, logger, level, msg);
  m6(s6 + 3000, L.prediction, "ESM-2: Using v2.0 async architecture");
  m6(s6 + 3100, L.prediction, "  Features: FP16, FlashAttention varlen, stride-based sharding");
  m6(s6 + 5000, L.multiGpu, `Starting multi-GPU inference: ${W} GPUs`);
  m6(s6 + 5100, L.multiGpu, "Creating sequence index...");
  m6(s6 + 5400, L.shardIndex, `Building sequence index for ${F} files`);
  const rawTokens = sims.map((s) => s.recordedTokens + s.flushTokens - 2 * s.plan.sequences);
  const indexTokens = rawTokens.reduce((a, b) => a + b, 0);
  const indexDone = s6 + us(6.2 + rng.uniform(0, 0.6));
  m6(indexDone, L.shardIndex, `Created index: ${counts.embedded} sequences, ${indexTokens} total tokens`);
  m6(indexDone + 900, L.multiGpu, `Index: ${counts.embedded} sequences, ${indexTokens} tokens`);
  m6(indexDone + 1200, L.multiGpu, "Spawning GPU workers...");
  m6(indexDone + 1500, L.coordinator, `GPUProcessCoordinator initialized: ${W} workers`);
  m6(indexDone + 1700, L.coordinator, "Signal handlers registered for graceful shutdown");
  let previousMonitorSecond = -1;
  for (const sim of sims) {
    const r = sim.rank;
    const spawned = indexDone + 2000 + us(0.05 * r);
    m6(spawned, L.coordinator, `Spawned worker ${r} (CUDA_VISIBLE_DEVICES=${r})`);
    sim.startAt = spawned + us(3.1 + rng.uniform(0, 0.4));
    sim.modelLoadAt = sim.startAt + us(0.3 + rng.uniform(0, 0.1));
    sim.modelLoadedAt = sim.modelLoadAt + us(13.6 + rng.uniform(0, 1.2));
    sim.dataloaderAt = sim.modelLoadedAt + us(0.02);
    sim.monitorAt = sim.dataloaderAt + us(0.9 + rng.uniform(0, 0.3));
    // two monitors started in the same second would share one gpu_metrics file (FORMATS §4.1 b)
    if (Math.floor(sim.monitorAt / SEC) <= previousMonitorSecond) {
      const shift = (previousMonitorSecond + 1) * SEC + us(0.2 + rng.uniform(0, 0.4)) - sim.monitorAt;
      for (const key of ["startAt", "modelLoadAt", "modelLoadedAt", "dataloaderAt", "monitorAt"] as const) sim[key] += shift;
    }
    previousMonitorSecond = Math.floor(sim.monitorAt / SEC);
    sim.timerAt = sim.monitorAt + us(0.06);
    sim.bufferingSeconds = 2.1 + rng.uniform(0, 0.5);
    const flushSeconds = sim.flushBatches * 0.35 + (sim.flushSeqs ? 0.2 : 0);
    sim.doneAt = sim.timerAt + us(sim.timerSeconds);
    sim.lastBatchEnd = sim.doneAt - us(flushSeconds + 1.05);
    sim.monitorStopAt = sim.doneAt - us(0.2);
    sim.shardSavedAt = sim.doneAt + us(3.6 + rng.uniform(0, 0.5));
    sim.completedAt = sim.shardSavedAt + us(0.04);
    timeBatches(sim);
  }
  const monitoringFrom = indexDone + 2000 + us(0.05 * W) + 500;
  m6(monitoringFrom, L.multiGpu, "Monitoring workers with async retry policies...");
  m6(monitoringFrom + 200, L.coordinator, `Monitoring ${W} workers with differentiated retry policies: spot=infinite, poison=2, transient=3`);
  const ioTarget = run.ioWarnings ?? 0;
  gpuSeries(rng.fork("gpu"), sims, s6, ioTarget);
  let ioLines = 0;
  for (const sim of sims) ioLines += renderWorker(tl, sim, {W, out, gpuName, counts});
  let lastPoll = 0;
  for (const sim of sims) {
    const poll = monitoringFrom + Math.ceil((sim.completedAt - monitoringFrom) / (5 * SEC)) * 5 * SEC;
    m6(poll, L.coordinator, `Rank ${sim.rank}: Completed successfully`);
    lastPoll = Math.max(lastPoll, poll);
  }
  const hdf5 = run.hdf5Seconds ?? 80.0;
  const conversionStart = ends[5]! - us(0.05) - us(hdf5);
  if (conversionStart - lastPoll < us(1)) {
    throw new Error(`run ${run.id}: the ESM-2 stage (${run.stages["ESM-2 Feature Extraction"]} s) is too short for the workers' throughput plus ${hdf5} s of HDF5-to-PT conversion`);
  }
  const aggregation = [
    [L.multiGpu, `Inference complete: ${W} successful, 0 failed`],
    [L.multiGpu, `Found ${W} shard files from successful workers`],
    [L.multiGpu, "Aggregating shards..."],
    [L.aggregator, `Analyzing ${W} shard files...`],
    [L.aggregator, `Total sequences: ${counts.embedded}, embedding_dim: 2560`],
    ...sims.map((s) => [L.aggregator, `Processing shard ${s.rank + 1}/${W}: ${out}/esm_v2/shard_${s.rank}.h5`]),
    [L.aggregator, `Aggregation complete: ${out}/esm_v2/embeddings.h5, ${counts.embedded} sequences`],
    [L.multiGpu, `Multi-GPU inference complete: ${out}/esm_v2/embeddings.h5`],
    [L.prediction, `v2.0 ESM-2 complete: ${F} feature files created`]
  ] as const;
  aggregation.forEach(([logger, msg], i) => m6(lastPoll + 1000 + Math.round(((conversionStart - lastPoll - 2000) * i) / (aggregation.length - 1)), logger, msg));
  m6(ends[5]! - us(0.04), L.prediction, `HDF5-to-PT conversion: ${pyFixed(hdf5, 1)}s for ${F} files`);
  if (hdf5 > 60) m6(ends[5]! - us(0.03), L.prediction, `HDF5-to-PT conversion took ${pyFixed(hdf5, 1)}s - consider Phase 10.2 merge stage HDF5 refactor`, "WARNING");
  stage(5, {files: F, architecture: "v2.0"});

  // ---- 7 Feature Merging ----
  tl.main(at(6, 0.05), L.prediction, "INFO", `Using parallel merge with 16 workers (${F} files to merge)`);
  const mgStart = at(6, 0.1);
  const mgEnd = beforeEnd(6, 0.2);
  const steps = Array.from({length: Math.min(F, 10)}, (_, k) => {
    const n = Math.round(((k + 1) / Math.min(F, 10)) * F);
    return {t: mgStart + Math.round((n / F) * (mgEnd - mgStart)), n};
  });
  bar("Merging features", "file", F, mgStart, steps);
  tl.main(mgEnd + 5000, L.prediction, "INFO", `Merged ${F} feature files`);
  stage(6, {files: F});

  // ---- 8 Model Prediction ----
  tl.main(at(7, 0.01), L.predictor, "INFO", `Loading model from ${modelPath}`);
  tl.main(at(7, 2.3), L.predictor, "INFO", `Running prediction on ${counts.perFrameRows} sequences`);
  tl.main(beforeEnd(7, 1.2), L.predictor, "INFO", `Prediction complete: ${counts.perFrameRows} sequences processed`);
  tl.main(beforeEnd(7, 1.1), L.prediction, "INFO", `Saving prediction results to ${mergedDir}/prediction_results.txt`);
  stage(7, {predictions: counts.perFrameRows});

  // ---- 9 Consensus Scoring ----
  tl.main(at(8, 0.01), L.predictor, "INFO", "Computing consensus predictions");
  tl.main(beforeEnd(8, 1.5), L.predictor, "INFO", `Consensus computed for ${counts.consensusRows} original sequences`);
  tl.main(beforeEnd(8, 1.4), L.prediction, "INFO", `Saving consensus results to ${mergedDir}/prediction_results_highestscore.csv`);
  stage(8, {consensus_sequences: counts.consensusRows});

  // ---- PIPELINE SUMMARY (every line its own record) ----
  const sumAt = ends[8]! + 900;
  const say = (msg: string) => tl.main(sumAt, L.telemetry, "INFO", msg);
  const rule = "=".repeat(80);
  say("");
  say(rule);
  say("PIPELINE SUMMARY");
  say(rule);
  say(`Total wall time: ${formatHms(totalSeconds)} (${pyFixed(totalSeconds, 1)}s)`);
  say("");
  say("Stages:");
  const maxLen = Math.max(...STAGE_NAMES.map((s) => s.name.length));
  const pcts = elapsed.map((e) => (e / SEC / totalSeconds) * 100);
  STAGE_NAMES.forEach(({name}, i) => say(`  ${i + 1}. ${name} ${".".repeat(maxLen - name.length + 4)}  ${pyFixedWidth(elapsed[i]! / SEC, 6, 1)}s (${pyFixedWidth(pcts[i]!, 5, 1)}%)`));
  say("");
  const top = STAGE_NAMES.map((s, i) => ({name: s.name, e: elapsed[i]!, pct: pcts[i]!}))
    .sort((a, b) => b.e - a.e)
    .slice(0, 3)
    .filter((s) => s.pct > 0);
  if (top.length) say(`Bottlenecks: ${top.map((s) => `${s.name} (${pyFixed(s.pct, 0)}%)`).join(", ")}`);
  say("");
  say("Key metrics:");
  say(`  Sequences processed: ${pyThousands(2 * counts.inputSequences)}`);
  say("  ESM-2 architecture: v2.0 (async DataLoader + FlashAttention)");
  say(rule);
  tl.main(sumAt + 1500, L.prediction, "INFO", "Cleaning up intermediate files...");
  tl.main(sumAt + 2600, L.prediction, "INFO", "Pipeline completed successfully!");
  tl.main(sumAt + us(0.4), L.cli, "INFO", "Prediction completed successfully!");
  tl.main(sumAt + us(0.4) + 200, L.cli, "INFO", `Results saved to: ${out}`);

  // ---- assemble ----
  let consoleText = tl
    .sorted()
    .map((e) => e.text)
    .join("");
  if (run.truncateAt !== undefined) consoleText = consoleText.slice(0, run.truncateAt);
  const workerLogs = sims.map((sim) =>
    tl.events
      .filter((e) => e.worker === sim.rank)
      .sort((a, b) => a.t - b.t || a.seq - b.seq)
      .map((e) => e.text)
      .join("")
  );
  const gpuMetrics = sims.map((sim) => renderGpuMetrics(sim, toUtc, rng.fork(`metrics${sim.rank}`)));
  const pipelineState = renderPipelineState({run, plan, starts, ends, toUtc, stem, out, modelPath, F, rng: rng.fork("state")});
  return {
    console: consoleText,
    workerLogs,
    gpuMetrics,
    pipelineState,
    facts: {
      totalSeconds,
      stageSeconds: Object.fromEntries(STAGE_NAMES.map((s, i) => [s.name, elapsed[i]! / SEC])),
      ioWarnings: ioLines,
      batches: sims.map((s) => s.batches.length),
      modelPath
    }
  };
}

/** The console capture of one run (see renderRun); tests truncate or edit it to make broken inputs. */
export function renderConsoleLog(run: RunPlan, plan: StudyPlan = phase10Plan({perFrameRows: 6000})): string {
  return renderRun(run, plan).console;
}

/** Bin-packing by sequences, largest first, to the least loaded worker (base_worker.py). */
function assignFiles(fileSequences: number[], workers: number): number[][] {
  const order = fileSequences.map((s, k) => ({s, k})).sort((a, b) => b.s - a.s || a.k - b.k);
  const bins = Array.from({length: workers}, () => ({load: 0, files: [] as number[]}));
  for (const {s, k} of order) {
    const bin = bins.reduce((a, b) => (b.load < a.load || (b.load === a.load && b.files.length < a.files.length) ? b : a));
    bin.load += s;
    bin.files.push(k);
  }
  return bins.map((b) => b.files.sort((x, y) => x - y));
}

function renderWorker(tl: Timeline, sim: WorkerSim, ctx: {W: number; out: string; gpuName: string; counts: Counts}): number {
  const r = sim.rank;
  const n = sim.plan.sequences;
  const logFile = `${ctx.out}/esm_v2/logs/worker_${r}.log`;
  const w = (t: number, logger: string, msg: string, level = "INFO") => tl.worker(r, t, logger, level, msg);
  const gw = `gpu_worker_${r}`;
  let t = sim.startAt;
  w(t, "root", `Worker ${r} logging initialized: ${logFile}`);
  w((t += 800), gw, `Worker ${r}/${ctx.W} starting`);
  w((t += 100), gw, `Log file: ${logFile}`);
  w((t += 90_000), gw, `CUDA device: ${ctx.gpuName}`);
  w((t += 300), gw, `Rank ${r}: Checkpointing enabled=False, base_dir=None, force_restart=False`);
  w((t += 200), gw, `Loading index: ${ctx.out}/esm_v2/sequence_index.json`);
  const rawTokens = sim.recordedTokens + sim.flushTokens - 2 * n;
  w(sim.modelLoadAt - 40_000, L.shardIndex, `Worker ${r}/${ctx.W}: ${n} sequences, ${pyThousands(rawTokens)} tokens`);
  w(sim.modelLoadAt - 30_000, gw, `Assigned ${n} sequences`);
  w(sim.modelLoadAt, gw, "Loading model: esm2");
  w(sim.modelLoadedAt, gw, "ESM-2 model loaded: esm2_t36_3B_UR50D");
  t = sim.dataloaderAt;
  w(t, gw, "Creating dataset and dataloader");
  w((t += 2000), L.dataloader, "Stateful collator detected (enable_packing=True): using passthrough collate_fn to prevent worker buffer data loss. Collator will run in main process via AsyncInferenceRunner.");
  w((t += 400), L.packing, `Token budget: ${TOKEN_BUDGET} (GPU 0: 24.0GB total, 17.0GB available for batching)`);
  w((t += 100), L.dataloader, `Dynamic token budget: ${TOKEN_BUDGET}`);
  w((t += 300), L.dataloader, "Creating async DataLoader: batch_size=None, num_workers=4, prefetch_factor=4, pin_memory=False, timeout=600.0s");
  w((t += 500), gw, `DataLoader created: ${n} sequences, token_budget=auto`);
  w((t += 200), gw, "Starting inference");
  w(sim.monitorAt - 300_000, L.asyncInference, "AsyncInferenceRunner initialized on cuda:0 (streams=enabled)");
  w(sim.monitorAt - 20_000, L.gpuMonitor, "Nvitop monitoring initialized for 1 GPUs");
  w(sim.monitorAt, L.gpuMonitor, "Started enhanced GPU monitoring for devices [0]");
  w(sim.monitorAt + 100, L.gpuMonitor, `Logging to: logs/gpu_metrics_${compactStamp(sim.monitorAt)}.log`);
  w(sim.monitorAt + 300, L.gpuMonitor, "GPU monitoring: entering stage 'inference'");
  w(sim.timerAt, L.asyncInference, "Starting async inference loop");
  w(sim.timerAt + 200, L.asyncInference, "Main-process collation enabled: raw items from DataLoader workers will be collated in main process to prevent buffer data loss");
  w(sim.timerAt + 400, L.asyncInference, `Starting inference on ${pyThousands(n)} sequences (buffer size: ${BUFFER_SIZE})`);
  const first = sim.batches[0]!;
  w(sim.timerAt + us(sim.bufferingSeconds), L.asyncInference, `First batch ready after ${pyFixed(sim.bufferingSeconds, 1)}s buffering (${first.seqs} sequences, ${first.tokens} tokens). Processing starting...`);
  let done = 0;
  let cumTokens = 0;
  let effSum = 0;
  let ioLines = 0;
  let checkIdx = 0;
  sim.batches.forEach((b, i) => {
    done += b.seqs;
    cumTokens += b.tokens;
    const eff = b.tokens / PACK_SCALE;
    effSum += eff;
    if (i % 10 === 0) {
      if (eff < 0.8 && i % 100 === 0) w(b.fetchAt, L.gpuMonitor, `Low packing efficiency: ${pyPercent(eff, 1)} < 80% at batch ${i}`, "WARNING");
      const state = b.waitMs < 1 ? "full" : b.waitMs > 50 ? "starved" : "normal";
      w(b.fetchAt, L.gpuMonitor, `Batch ${i}: wait=${pyFixed(b.waitMs, 1)}ms, seqs=${b.seqs}, tokens=${b.tokens}, queue_state=${state}`);
      if (i > 0) {
        const check = sim.checks[checkIdx++]!;
        const window = sim.samples.filter((s) => s.t <= check.t).slice(-10);
        if (window.length) {
          const avg = window.reduce((a, s) => a + s.util, 0) / window.length;
          if (avg < 50) {
            w(b.fetchAt + 50, L.gpuMonitor, `CRITICAL I/O bottleneck: GPU utilization ${pyFixed(avg, 1)}% (threshold: 50%). DataLoader is starving the GPU.`, "WARNING");
            ioLines++;
          } else if (avg < 80) {
            w(b.fetchAt + 50, L.gpuMonitor, `Mild I/O bottleneck: GPU utilization ${pyFixed(avg, 1)}% (threshold: 80%). Consider increasing batch size or prefetch_factor.`);
            ioLines++;
          }
        }
      }
    }
    const cadence = i < 10 || (i < 100 && i % 10 === 0) || i % 100 === 0;
    if (cadence) {
      const secs = (b.endAt - sim.timerAt) / SEC;
      const seqRate = done / secs;
      const tokRate = cumTokens / secs;
      const etaSeconds = seqRate > 0 ? (n - done) / seqRate : null;
      const eta = etaSeconds === null ? "unknown" : etaSeconds < 3600 ? `${pyFixed(etaSeconds / 60, 1)}m` : `${pyFixed(etaSeconds / 3600, 1)}h`;
      w(b.endAt, L.asyncInference, `Batch ${i}: ${done}/${n} (${pyFixed((done / n) * 100, 1)}%) | ${pyPercent(effSum / (i + 1), 1)} pack eff, ${pyFixedThousands(tokRate, 0)} tok/s, ${pyFixed(seqRate, 1)} seq/s, ETA: ${eta}`);
    }
  });
  t = sim.lastBatchEnd + 20_000;
  if (sim.flushSeqs) {
    const received = n;
    w(t, L.asyncInference, "Flushing collator buffer for remaining sequences");
    w(t + 100, L.collators, `Flush called: buffer has ${sim.flushSeqs} sequences, packed_queue has 0 batches, total received: ${received}, total returned so far: ${received - sim.flushSeqs}`);
    w(t + 200, L.collators, `Expected sequences remaining to flush: ${sim.flushSeqs}`);
    w(t + 300, L.collators, `Flush iteration 1: packing ${sim.flushSeqs} buffer sequences`);
    w(t + 9000, L.collators, `Flush complete: ${sim.flushBatches} batches, ${sim.flushSeqs} sequences flushed (started with ${sim.flushSeqs} buffer + 0 queue batches, 1 iteration(s))`);
    w(t + 9200, L.asyncInference, `Flush returned ${sim.flushBatches} batches`);
  }
  w(sim.monitorStopAt, L.gpuMonitor, "Stopped GPU monitoring");
  const seqRate = (n - sim.flushSeqs) / sim.timerSeconds;
  const tokRate = sim.recordedTokens / sim.timerSeconds;
  w(sim.doneAt, L.asyncInference, `Async inference complete: ${n} sequences, ${pyFixed(seqRate, 1)} seq/s, ${pyFixed(tokRate, 0)} tokens/s`);
  const waits = sim.batches.map((b) => b.waitMs);
  const avgWait = waits.reduce((a, b) => a + b, 0) / waits.length;
  w(sim.doneAt + 300, L.asyncInference, `DataLoader stats: avg_wait=${pyFixed(avgWait, 1)}ms, max_wait=${pyFixed(Math.max(...waits), 1)}ms, packing_efficiency=0.00%`);
  w(sim.doneAt + 2000, gw, `Inference complete: ${n} new sequences`);
  w(sim.doneAt + 2500, gw, `Final shard: ${n} total sequences`);
  w(sim.doneAt + 3000, gw, `Saving shard: ${ctx.out}/esm_v2/shard_${r}.h5`);
  w(sim.shardSavedAt, gw, `Shard saved: ${ctx.out}/esm_v2/shard_${r}.h5 (${n} sequences)`);
  w(sim.completedAt, gw, `Worker ${r} completed successfully`);
  return ioLines;
}

function renderGpuMetrics(sim: WorkerSim, toUtc: (t: number) => number, rng: Prng): {name: string; text: string} {
  const lines = ["# GPU Monitoring Log", `# Started: ${isoformat(sim.monitorAt)}`, "# Devices: [0]", "# Nvitop: available", "#", "# timestamp,device_id,gpu_util,mem_used_mb,mem_percent,temperature,power_draw,stage"];
  let temp = 44;
  let peak = 0;
  const peakShare = rng.uniform(0.8, 1);
  let utilSum = 0;
  for (const s of sim.samples) {
    const loaded = s.t >= sim.timerAt;
    const mem = loaded ? 19_200 + rng.uniform(0, 2300) * peakShare : 7_610 + rng.uniform(0, 40);
    peak = Math.max(peak, mem);
    const targetTemp = 40 + s.util * 0.31;
    temp += (targetTemp - temp) * 0.08;
    const power = Math.round(27_000 + s.util * 3_900 + rng.uniform(-9_000, 9_000));
    const memMib = Math.round(mem * 10) / 10;
    lines.push(`${pyFixed(toUtc(s.t) / SEC, 3)},0,${pyFixed(s.util, 1)},${pyFixed(memMib, 1)},${pyFixed((memMib / GPU_TOTAL_MIB) * 100, 1)},${Math.round(temp)},${power},inference`);
    utilSum += s.util;
  }
  const count = sim.samples.length;
  const avg = count ? utilSum / count : 0;
  const peakGiB = pyFixed(Math.round(peak * 10) / 10 / 1024, 2);
  lines.push("#", `# Monitoring Stopped: ${isoformat(sim.monitorStopAt)}`, "#", "# Summary:", "# GPU 0:", `#   Avg Utilization: ${pyFixed(avg, 1)}%`, `#   Peak Memory: ${peakGiB} GB`, `#   Samples: ${count}`, "#   By Stage:", `#     inference: ${pyFixed(avg, 1)}% util, ${peakGiB} GB peak, ${pyFixed((sim.monitorStopAt - sim.monitorAt) / SEC, 1)}s`);
  return {name: `gpu_metrics_${compactStamp(sim.monitorAt)}.log`, text: lines.join("\n") + "\n"};
}

function renderPipelineState(o: {run: RunPlan; plan: StudyPlan; starts: number[]; ends: number[]; toUtc: (t: number) => number; stem: string; out: string; modelPath: string; F: number; rng: Prng}): string {
  const {out, stem, F} = o;
  const files = (dir: string, suffix: string) => Array.from({length: F}, (_, k) => `${out}/${dir}/output_${k + 1}${suffix}`);
  const multi = o.run.gpus > 1;
  const outputs: Record<string, unknown>[] = [
    {files: [`${out}/${stem}_chunked${o.run.model}.fa`]},
    {nucleotide_file: `${out}/${stem}_nucleotide.fa`, protein_file: `${out}/${stem}_protein.faa`},
    {nucleotide_files: files(`${stem}_nucleotide`, ".fa")},
    {protein_files: files(`${stem}_protein`, ".fa")},
    {nucleotide_features: files(`${stem}_nucleotide`, multi ? "_DNABERT.pt" : "_DNABERT_S.pt")},
    {protein_features: files(`${stem}_protein`, multi ? "_DNABERT.pt" : "_ESM.pt")},
    {merged_files: files(`${stem}_merged`, multi ? "_DNABERT_merged.pt" : "_merged.pt")},
    {prediction_file: `${out}/${stem}_merged/prediction_results.txt`},
    {consensus_file: `${out}/${stem}_merged/prediction_results_highestscore.csv`}
  ];
  const stages: Record<string, unknown> = {};
  let last = 0;
  STAGE_NAMES.forEach(({enum: enumName}, i) => {
    const startedAt = o.toUtc(o.starts[i]!) + o.rng.int(120, 380);
    const completedAt = o.toUtc(o.ends[i]!) + o.rng.int(2500, 4800);
    last = completedAt;
    stages[enumName] = {
      status: "completed",
      started_at: isoformat(startedAt),
      completed_at: isoformat(completedAt),
      duration_seconds: Number(((completedAt - startedAt) / SEC).toFixed(6)),
      inputs: {},
      outputs: outputs[i],
      error: null
    };
  });
  const configHash = createHash("sha256").update(`${o.modelPath}|${o.run.model}|${o.plan.input ?? DEFAULT_INPUT}`).digest("hex");
  const state = {
    created_at: isoformat(o.toUtc(o.starts[0]!) - o.rng.int(40_000, 90_000)),
    pipeline_config: {config_hash: configHash, expected_length: o.run.model, model_path: o.modelPath},
    stages,
    updated_at: isoformat(last + 8)
  };
  // Python's json.dump(indent=2) writes floats with repr and no trailing newline
  return JSON.stringify(state, null, 2).replace(/"duration_seconds": (\d+)(,?)$/gm, '"duration_seconds": $1.0$2');
}

// ---------------------------------------------------------------------------------------------------
// Predictions

interface FrameSet {
  /** chunk -> index of its input record (0-based) */
  chunkRecord: Int32Array;
  /** chunk -> first frame index; chunkStart[C] = N */
  chunkStart: Int32Array;
  /** frame -> index into FRAMES */
  frameCode: Uint8Array;
  /** reference logit (class virus vs others) per frame */
  refLogit: Float64Array;
  /** embedding-file index of each frame (for merged-file row order) */
  frameFile: Int32Array;
}

function buildFrames(plan: StudyPlan, counts: Counts): FrameSet {
  const rng = new Prng(plan.seed, "frames");
  const C = counts.consensusRows;
  const N = counts.perFrameRows;
  const chunkRecord = new Int32Array(C);
  // selection sampling: exactly C of the input records have at least one stop-free frame
  let chosen = 0;
  for (let r = 0; r < counts.inputSequences && chosen < C; r++) {
    if (rng.next() * (counts.inputSequences - r) < C - chosen) chunkRecord[chosen++] = r;
  }
  const frameCount = new Uint8Array(C).fill(1);
  let extra = N - C;
  for (let c = 0; c < C && extra > 0; c++) {
    const mean = extra / (C - c);
    const q = mean / (1 + mean);
    let k = 0;
    while (k < 5 && k < extra && rng.next() < q) k++;
    frameCount[c] = 1 + k;
    extra -= k;
  }
  for (let c = C - 1; c >= 0 && extra > 0; c--) {
    const add = Math.min(6 - frameCount[c]!, extra);
    frameCount[c] = frameCount[c]! + add;
    extra -= add;
  }
  const chunkStart = new Int32Array(C + 1);
  const frameCode = new Uint8Array(N);
  const refLogit = new Float64Array(N);
  let f = 0;
  for (let c = 0; c < C; c++) {
    chunkStart[c] = f;
    const k = frameCount[c]!;
    const codes = rng.shuffle([0, 1, 2, 3, 4, 5]).slice(0, k).sort((a, b) => a - b);
    const virus = rng.chance(0.27);
    const centre = virus ? rng.normal(3.6, 2.4) : rng.normal(-5.4, 2.6);
    for (const code of codes) {
      frameCode[f] = code;
      refLogit[f] = centre + rng.normal(0, 1.3);
      f++;
    }
  }
  chunkStart[C] = N;
  const frameFile = new Int32Array(N);
  for (let i = 0; i < N; i++) frameFile[i] = Math.min(counts.files - 1, Math.floor((i * counts.files) / N));
  return {chunkRecord, chunkStart, frameCode, refLogit, frameFile};
}

/** Softmax in float32, widened to float64 as the refactored writer prints it. */
function scores(logit: number): [number, number] {
  return [Math.fround(1 / (1 + Math.exp(logit))), Math.fround(1 / (1 + Math.exp(-logit)))];
}

interface Consensus {
  isVirus: boolean;
  max0: number;
  max1: number;
}

/** predictor.compute_consensus on the values pandas reads back from the per-frame file */
function consensusOf(frames: FrameSet, logits: Float64Array, c: number): Consensus {
  let max0 = -Infinity;
  let max1 = -Infinity;
  for (let f = frames.chunkStart[c]!; f < frames.chunkStart[c + 1]!; f++) {
    const [s1, s2] = scores(logits[f]!);
    max0 = Math.max(max0, pandasParseFloat(pyRepr(s1)));
    max1 = Math.max(max1, pandasParseFloat(pyRepr(s2)));
  }
  return {isVirus: max1 >= max0, max0, max1};
}

/**
 * A run's logits: close to the reference for the same model (FP16 vs FP32 noise), far for another
 * model; then the consensus disagreement is steered to exactly round(rate * rows) chunks.
 */
function runLogits(frames: FrameSet, plan: StudyPlan, run: RunPlan, counts: Counts): Float64Array {
  const rng = new Prng(plan.seed, `logits:${run.id}`);
  const sameModel = run.model === plan.reference.model;
  const rate = run.mismatchRate ?? (sameModel ? (plan.mismatchRate ?? 0.0013) : 41_554 / PHASE10_CONSENSUS);
  const target = Math.round(rate * counts.consensusRows);
  const N = counts.perFrameRows;
  const C = counts.consensusRows;
  const ref = frames.refLogit;
  const z = new Float64Array(N);
  for (let f = 0; f < N; f++) {
    z[f] = sameModel ? ref[f]! + (rng.chance(0.03) ? rng.normal(0, 0.5) : rng.normal(0, 0.02)) : 0.85 * ref[f]! + 0.4 + rng.normal(0, 1.7);
  }
  const refCons = Array.from({length: C}, (_, c) => consensusOf(frames, ref, c).isVirus);
  const differs = new Uint8Array(C);
  let count = 0;
  for (let c = 0; c < C; c++) {
    differs[c] = consensusOf(frames, z, c).isVirus !== refCons[c] ? 1 : 0;
    count += differs[c]!;
  }
  const chunks = rng.shuffle(Array.from({length: C}, (_, c) => c));
  // too many: pull the run's logits towards the reference until the label agrees
  for (const c of chunks) {
    if (count <= target) break;
    if (!differs[c]) continue;
    for (let shrink = 0.5; ; shrink /= 2) {
      for (let f = frames.chunkStart[c]!; f < frames.chunkStart[c + 1]!; f++) z[f] = ref[f]! + (z[f]! - ref[f]!) * shrink;
      if (consensusOf(frames, z, c).isVirus === refCons[c]) break;
      if (shrink < 1e-9) {
        for (let f = frames.chunkStart[c]!; f < frames.chunkStart[c + 1]!; f++) z[f] = ref[f]!;
        break;
      }
    }
    differs[c] = 0;
    count--;
  }
  // too few: mirror the logits of chunks nearest the boundary (max p + min p crosses 1)
  if (count < target) {
    const spread = (c: number) => {
      let m = 0;
      for (let f = frames.chunkStart[c]!; f < frames.chunkStart[c + 1]!; f++) m = Math.max(m, Math.abs(ref[f]!));
      return m;
    };
    const candidates = chunks.filter((c) => !differs[c]).sort((a, b) => spread(a) - spread(b) || a - b);
    for (const c of candidates) {
      if (count >= target) break;
      for (let f = frames.chunkStart[c]!; f < frames.chunkStart[c + 1]!; f++) z[f] = -ref[f]! + rng.normal(0, 0.01);
      if (consensusOf(frames, z, c).isVirus !== refCons[c]) {
        differs[c] = 1;
        count++;
      } else {
        for (let f = frames.chunkStart[c]!; f < frames.chunkStart[c + 1]!; f++) z[f] = ref[f]!;
      }
    }
  }
  if (count !== target) throw new Error(`run ${run.id}: could not place ${target} consensus disagreements (got ${count})`);
  return z;
}

/** Buffered writes of a large text file in ~1 MiB chunks. */
class ChunkWriter {
  private parts: string[] = [];
  private size = 0;
  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  static async create(file: string): Promise<ChunkWriter> {
    await mkdir(path.dirname(file), {recursive: true});
    return new ChunkWriter(await open(file, "w"));
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.parts.length) return;
    await this.handle.write(this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }
}

function recordName(r: number): string {
  return `HLWLWDRX5.1.${r + 1}`;
}

/** per-frame + consensus files of one source, rows in merged-file order */
async function writePredictions(dir: string, frames: FrameSet, logits: Float64Array, fileOrder: number[]): Promise<void> {
  const N = logits.length;
  const C = frames.chunkRecord.length;
  const chunkOf = new Int32Array(N);
  for (let c = 0; c < C; c++) for (let f = frames.chunkStart[c]!; f < frames.chunkStart[c + 1]!; f++) chunkOf[f] = c;
  const filePos = new Int32Array(fileOrder.length);
  fileOrder.forEach((file, i) => (filePos[file] = i));
  const order = Array.from({length: N}, (_, f) => f).sort((a, b) => filePos[frames.frameFile[a]!]! - filePos[frames.frameFile[b]!]! || a - b);
  const perFrame = await ChunkWriter.create(path.join(dir, "prediction_results.txt"));
  await perFrame.write("Sequence_ID\tPrediction\tscore1\tscore2\n");
  const seen = new Uint8Array(C);
  const consensusOrder: number[] = [];
  const max0 = new Float64Array(C).fill(-Infinity);
  const max1 = new Float64Array(C).fill(-Infinity);
  let rows: string[] = [];
  for (const f of order) {
    const c = chunkOf[f]!;
    const [s1, s2] = scores(logits[f]!);
    const r1 = pyRepr(s1);
    const r2 = pyRepr(s2);
    rows.push(`${recordName(frames.chunkRecord[c]!)}_chunk_1${FRAMES[frames.frameCode[f]!]}\t${s2 > s1 ? "virus" : "others"}\t${r1}\t${r2}\n`);
    max0[c] = Math.max(max0[c]!, pandasParseFloat(r1));
    max1[c] = Math.max(max1[c]!, pandasParseFloat(r2));
    if (!seen[c]) {
      seen[c] = 1;
      consensusOrder.push(c);
    }
    if (rows.length >= 8192) {
      await perFrame.write(rows.join(""));
      rows = [];
    }
  }
  await perFrame.write(rows.join(""));
  await perFrame.close();
  const consensus = await ChunkWriter.create(path.join(dir, "prediction_results_highestscore.csv"));
  await consensus.write("Modified_ID\tIs_Virus\tmax_score_0\tmax_score_1\n");
  rows = [];
  for (const c of consensusOrder) {
    rows.push(`${recordName(frames.chunkRecord[c]!)}_chunk_1\t${max1[c]! >= max0[c]! ? "True" : "False"}\t${pyRepr(max0[c]!)}\t${pyRepr(max1[c]!)}\n`);
    if (rows.length >= 8192) {
      await consensus.write(rows.join(""));
      rows = [];
    }
  }
  await consensus.write(rows.join(""));
  await consensus.close();
}

/** merged-file order: `output_{k}` names sorted as strings (1 GPU, reference), or by DNABERT worker assignment */
function mergedFileOrder(files: number, assignment: number[][] | null): number[] {
  if (assignment) return assignment.flat();
  return Array.from({length: files}, (_, k) => k).sort((a, b) => (`output_${a + 1}` < `output_${b + 1}` ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------------
// Reference console excerpt and the study file

function renderReferenceConsole(plan: StudyPlan): string {
  const tl = new Timeline();
  const t = localMicros("2026-01-30 14:02:11");
  const input = plan.input ?? DEFAULT_INPUT;
  const model = plan.reference.model;
  const lines = [
    `VirNucPro Prediction - Input: ${input}`,
    "Detected 2 GPUs, enabling parallel processing",
    "Configuration:",
    `  Model: ${model}_model.pth`,
    `  Expected length: ${model}bp`,
    "  Output directory: /tmp/virnucpro_v1_reference",
    "  Device: cuda:0",
    "  Batch size: 256",
    "  Workers: 4",
    "  DNABERT batch size: 256",
    "  Parallel processing: enabled",
    "  Resume: False",
    "  Cleanup intermediate files: False",
    "  Progress bars: enabled",
    "  Verbose mode: enabled",
    "Architecture: v1.0 (--v1-fallback, all stages use legacy multi-worker)"
  ];
  lines.forEach((msg) => tl.main(t, L.cli, "INFO", msg));
  tl.main(t + us(18.2), L.parallel, "INFO", "Detected 2 CUDA device(s)");
  tl.main(t + us(19.0), L.telemetry, "INFO", "=== Stage 1: Sequence Chunking ===");
  return tl
    .sorted()
    .map((e) => e.text)
    .join("");
}

function studyYaml(plan: StudyPlan, rendered: Map<string, RenderedRun>): string {
  const input = plan.input ?? DEFAULT_INPUT;
  const study = {
    release: plan.release,
    title: plan.title,
    pipeline: "virnucpro",
    ...(plan.date ? {date: plan.date} : {}),
    ...(plan.baseline ? {baseline: {...plan.baseline, note: "known figure from earlier runs, not re-measured"}} : {}),
    reference: {
      label: plan.reference.label ?? "v1.0",
      outputs: "reference",
      log: "reference/console.log",
      model: `${plan.reference.model}_model.pth`,
      expected_length: plan.reference.model
    },
    tolerance: 0.01,
    runs: plan.runs.map((run) => ({
      id: run.id,
      gpus: run.gpus,
      ...(run.label ? {label: run.label} : {}),
      log: `runs/${run.id}/console.log`,
      outputs: `runs/${run.id}/out`,
      gpu_metrics: `runs/${run.id}/logs`,
      worker_logs: `runs/${run.id}/out/esm_v2/logs`,
      command: [
        "python", "-m", "virnucpro", "predict", input,
        "-o", run.outputDir ?? `/tmp/virnucpro_bench_${run.id}`,
        "--force", "--keep-intermediate", "--parallel",
        ...(run.explicitGpus ? ["--gpus", Array.from({length: run.gpus}, (_, i) => i).join(",")] : []),
        ...(run.model === 500 ? [] : ["-m", String(run.model)])
      ],
      ...(run.explicitGpus ? {env: {CUDA_VISIBLE_DEVICES: Array.from({length: run.gpus}, (_, i) => i).join(",")}} : {})
    }))
  };
  void rendered;
  return `# Generated by scripts/generate-example.ts (loaders/virnucpro/example/generate.ts, seed ${plan.seed}); do not edit by hand.\n${stringify(study, {lineWidth: 0})}`;
}

/**
 * Write a complete study into `dir`: study.yaml, runs/<id>/{console.log, logs/gpu_metrics_*.log,
 * out/esm_v2/logs/worker_N.log, out/.checkpoints/pipeline_state.json, out/<stem>_merged/prediction_*},
 * reference/{console.log, <stem>_merged/prediction_*}.
 */
export async function writeStudy(dir: string, plan: StudyPlan): Promise<{studyFile: string}> {
  const counts = countsOf(plan);
  const frames = buildFrames(plan, counts);
  const stem = stemOf(plan.input ?? DEFAULT_INPUT);
  const rendered = new Map<string, RenderedRun>();
  const put = async (file: string, text: string) => {
    await mkdir(path.dirname(file), {recursive: true});
    await writeFile(file, text);
  };
  for (const run of plan.runs) {
    const r = renderRun(run, plan);
    rendered.set(run.id, r);
    const runDir = path.join(dir, "runs", run.id);
    await put(path.join(runDir, "console.log"), r.console);
    for (const [rank, text] of r.workerLogs.entries()) await put(path.join(runDir, "out", "esm_v2", "logs", `worker_${rank}.log`), text);
    for (const m of r.gpuMetrics) await put(path.join(runDir, "logs", m.name), m.text);
    await put(path.join(runDir, "out", ".checkpoints", "pipeline_state.json"), r.pipelineState);
    const logits = runLogits(frames, plan, run, counts);
    const assignment = run.gpus > 1 ? assignFiles(counts.fileSequences, run.gpus) : null;
    await writePredictions(path.join(runDir, "out", `${stem}_merged`), frames, logits, mergedFileOrder(counts.files, assignment));
  }
  const refDir = path.join(dir, "reference");
  await put(path.join(refDir, "console.log"), renderReferenceConsole(plan));
  await writePredictions(path.join(refDir, `${stem}_merged`), frames, frames.refLogit, mergedFileOrder(counts.files, null));
  const studyFile = path.join(dir, "study.yaml");
  await put(studyFile, studyYaml(plan, rendered));
  return {studyFile};
}

/** exposed for tests */
export const internals = {countsOf, assignFiles, stemOf, DEFAULT_INPUT};
