/**
 * Statistics over repeated executions: medians, spread and a seeded percentile bootstrap for the speedup
 * and parallel efficiency between two configurations.
 *
 * Medians and quartiles are also computed in SQL (engine/ingest/executions.ts, `execution_stats`) with DuckDB's
 * `quantile_cont`, which interpolates like `quantile()` here (Hyndman-Fan type 7), so both agree. The
 * bootstrap lives here rather than in SQL because DuckDB's `setseed()`/`random()` sequence depends on
 * how a query is parallelised: a reproducible interval needs a PRNG we control.
 */

/** Quantile of ascending-sorted values, linear interpolation between closest ranks (type 7). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of no values");
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile p=${p} outside [0, 1]`);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

export interface Spread {
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  iqr: number;
}

export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const q1 = quantile(s, 0.25);
  const q3 = quantile(s, 0.75);
  return {n: s.length, median: quantile(s, 0.5), min: s[0]!, max: s[s.length - 1]!, q1, q3, iqr: q3 - q1};
}

/** mulberry32: a small, well-mixed 32-bit PRNG; the same seed always gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  lo: number;
  hi: number;
}

export interface ScalingEstimate {
  /** median(from) / median(to) */
  speedup: number;
  /** speedup / (to GPUs / from GPUs) */
  efficiency: number;
  speedup_interval: Interval;
  efficiency_interval: Interval;
  level: number;
  iterations: number;
  seed: number;
}

export const DEFAULT_BOOTSTRAP = {iterations: 10_000, seed: 20_260_209, level: 0.95};

/**
 * Percentile bootstrap of the ratio of medians. Each configuration is resampled on its own (with
 * replacement, same size): the executions of the two configurations are independent measurements, so
 * pairing them by repeat index would invent a correlation. Needs at least two executions per side;
 * with fewer there is no spread to resample and the caller must say "no interval".
 */
export function bootstrapScaling(
  fromSeconds: readonly number[],
  toSeconds: readonly number[],
  gpuRatio: number,
  options: Partial<typeof DEFAULT_BOOTSTRAP> = {}
): ScalingEstimate | null {
  const {iterations, seed, level} = {...DEFAULT_BOOTSTRAP, ...options};
  if (fromSeconds.length < 2 || toSeconds.length < 2) return null;
  if (![...fromSeconds, ...toSeconds].every((v) => Number.isFinite(v) && v > 0)) {
    throw new RangeError("bootstrapScaling: every total must be a positive number of seconds");
  }
  const random = seededRandom(seed);
  const ratios = new Float64Array(iterations);
  const a = new Float64Array(fromSeconds.length);
  const b = new Float64Array(toSeconds.length);
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < a.length; j++) a[j] = fromSeconds[Math.floor(random() * fromSeconds.length)]!;
    for (let j = 0; j < b.length; j++) b[j] = toSeconds[Math.floor(random() * toSeconds.length)]!;
    ratios[i] = sortedMedian(a.sort()) / sortedMedian(b.sort());
  }
  ratios.sort();
  const sorted = Array.from(ratios);
  const alpha = (1 - level) / 2;
  const speedupInterval = {lo: quantile(sorted, alpha), hi: quantile(sorted, 1 - alpha)};
  const speedup = median(fromSeconds) / median(toSeconds);
  return {
    speedup,
    efficiency: speedup / gpuRatio,
    speedup_interval: speedupInterval,
    efficiency_interval: {lo: speedupInterval.lo / gpuRatio, hi: speedupInterval.hi / gpuRatio},
    level,
    iterations,
    seed
  };
}

function sortedMedian(s: Float64Array): number {
  const h = (s.length - 1) / 2;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}

export type Comparison = "<" | "<=" | ">" | ">=" | "==";
export type IntervalVerdict = "pass" | "fail" | "inconclusive";

/** Whether one value meets a criterion's target. */
export function meetsTarget(value: number, comparison: Comparison, target: number): boolean {
  switch (comparison) {
    case "<":
      return value < target;
    case "<=":
      return value <= target;
    case ">":
      return value > target;
    case ">=":
      return value >= target;
    case "==":
      return value === target;
  }
}

/**
 * A criterion judged on an interval: pass only when the whole interval meets the target, fail only when
 * none of it does; an interval straddling the target is inconclusive, never a clean pass or fail.
 */
export function intervalVerdict(interval: Interval, comparison: Comparison, target: number): IntervalVerdict {
  const meets = (v: number) => meetsTarget(v, comparison, target);
  if (comparison === "==") {
    if (interval.lo === target && interval.hi === target) return "pass";
    return target < interval.lo || target > interval.hi ? "fail" : "inconclusive";
  }
  const lo = meets(interval.lo);
  const hi = meets(interval.hi);
  if (lo && hi) return "pass";
  if (!lo && !hi) return "fail";
  return "inconclusive";
}
