import {describe, expect, it} from "vitest";
import {bootstrapScaling, intervalVerdict, median, quantile, seededRandom, spread} from "../../../engine/metrics/stats.ts";

describe("spread", () => {
  it("odd count: median, quartiles and IQR as computed by hand (type 7 interpolation)", () => {
    // sorted 10 11 12 15 30: positions (n-1)p = 1, 2, 3
    expect(spread([10, 12, 11, 15, 30])).toEqual({n: 5, median: 12, min: 10, max: 30, q1: 11, q3: 15, iqr: 4});
  });

  it("even count interpolates between neighbours", () => {
    // sorted 1 2 3 4: q1 at 0.75 -> 1.75, median at 1.5 -> 2.5, q3 at 2.25 -> 3.25
    expect(spread([4, 1, 3, 2])).toEqual({n: 4, median: 2.5, min: 1, max: 4, q1: 1.75, q3: 3.25, iqr: 1.5});
  });

  it("no values is no spread, not zeros", () => {
    expect(spread([])).toBeNull();
    expect(() => median([])).toThrow(RangeError);
  });

  it("quantile rejects p outside [0, 1]", () => {
    expect(() => quantile([1, 2], 1.5)).toThrow(RangeError);
  });
});

describe("seededRandom", () => {
  it("is deterministic per seed and stays in [0, 1)", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({length: 1000}, () => a());
    expect(xs).toEqual(Array.from({length: 1000}, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(seededRandom(8)()).not.toBe(seededRandom(7)());
  });
});

describe("bootstrapScaling", () => {
  const oneGpu = [3200.6, 3150.2, 3260.9, 3199.0];
  const twoGpu = [2025.0, 1990.4, 2101.7, 2040.3];

  it("estimates the ratio of medians and pins the seeded 95 % interval", () => {
    const e = bootstrapScaling(oneGpu, twoGpu, 2, {iterations: 1000, seed: 1})!;
    // medians by hand: (3199.0 + 3200.6) / 2 = 3199.8 and (2025.0 + 2040.3) / 2 = 2032.65
    expect(e.speedup).toBeCloseTo(3199.8 / 2032.65, 12);
    expect(e.efficiency).toBeCloseTo(3199.8 / 2032.65 / 2, 12);
    expect(e.speedup_interval.lo).toBeCloseTo(1.522076150237488, 12);
    expect(e.speedup_interval.hi).toBeCloseTo(1.6091796583154854, 12);
    expect(e.efficiency_interval.lo).toBeCloseTo(1.522076150237488 / 2, 12);
    expect(e.efficiency_interval.hi).toBeCloseTo(1.6091796583154854 / 2, 12);
    expect({level: e.level, iterations: e.iterations, seed: e.seed}).toEqual({level: 0.95, iterations: 1000, seed: 1});
  });

  it("is reproducible with the same seed and moves with another seed", () => {
    const a = bootstrapScaling(oneGpu, twoGpu, 2, {iterations: 1000, seed: 1})!;
    expect(bootstrapScaling(oneGpu, twoGpu, 2, {iterations: 1000, seed: 1})).toEqual(a);
    expect(bootstrapScaling(oneGpu, twoGpu, 2, {iterations: 1000, seed: 2})!.speedup_interval).not.toEqual(a.speedup_interval);
  });

  it("keeps the interval within the ratios the samples can produce", () => {
    const e = bootstrapScaling([100, 104, 98, 102, 101], [55, 53, 57, 54, 56], 2)!;
    expect(e.speedup_interval.lo).toBeGreaterThanOrEqual(98 / 57);
    expect(e.speedup_interval.hi).toBeLessThanOrEqual(104 / 53);
    expect(e.speedup_interval.lo).toBeLessThanOrEqual(e.speedup);
    expect(e.speedup_interval.hi).toBeGreaterThanOrEqual(e.speedup);
  });

  it("gives no interval with fewer than two executions on a side", () => {
    expect(bootstrapScaling([100], [50, 52], 2)).toBeNull();
    expect(bootstrapScaling([100, 101], [], 2)).toBeNull();
  });

  it("refuses non-positive totals instead of producing a silently wrong ratio", () => {
    expect(() => bootstrapScaling([100, 0], [50, 52], 2)).toThrow(RangeError);
  });
});

describe("intervalVerdict", () => {
  it("passes or fails only when the whole interval is on one side of the target", () => {
    expect(intervalVerdict({lo: 1.91, hi: 1.97}, ">=", 1.9)).toBe("pass");
    expect(intervalVerdict({lo: 1.52, hi: 1.61}, ">=", 1.9)).toBe("fail");
    expect(intervalVerdict({lo: 1.85, hi: 1.95}, ">=", 1.9)).toBe("inconclusive");
    expect(intervalVerdict({lo: 1700, hi: 1790}, "<", 1800)).toBe("pass");
    expect(intervalVerdict({lo: 1790, hi: 1810}, "<", 1800)).toBe("inconclusive");
    expect(intervalVerdict({lo: 1800, hi: 1900}, "<", 1800)).toBe("fail");
    expect(intervalVerdict({lo: 0.8, hi: 0.9}, ">", 0.8)).toBe("inconclusive");
    expect(intervalVerdict({lo: 0.7, hi: 0.8}, "<=", 0.8)).toBe("pass");
    expect(intervalVerdict({lo: 1, hi: 1}, "==", 1)).toBe("pass");
    expect(intervalVerdict({lo: 0.9, hi: 1.1}, "==", 1)).toBe("inconclusive");
    expect(intervalVerdict({lo: 1.1, hi: 1.2}, "==", 1)).toBe("fail");
  });
});
