/**
 * GPU utilisation, I/O-bottleneck lines, ESM-2 throughput and packing efficiency on the Phase 10 timing
 * fixture plus phase10Telemetry (see its comment for the inputs). The ESM-2 windows follow from the
 * published stage times: 1gpu 23:00:00 + 523.8 s = 23:08:43.8 to + 2591.1 s = 23:51:54.9;
 * 2gpu 16:00:00 + 547.6 s = 16:09:07.6 to + 1383.2 s = 16:32:10.8.
 */
import {afterEach, describe, expect, it} from "vitest";
import {buildReport} from "../../../engine/report/report.ts";
import type {Report} from "../../../engine/report/types.ts";
import {fixtureDb, gpuSample, phase10Telemetry, phase10Timing, type FixtureDb} from "../../helpers/fixture-db.ts";

let db: FixtureDb | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

async function phase10(tweak?: (db: FixtureDb) => Promise<void>): Promise<Report> {
  db = await fixtureDb();
  await phase10Timing(db);
  await phase10Telemetry(db);
  if (tweak) await tweak(db);
  return buildReport(db.connection);
}

const perRunStatus = (report: Report, id: string, run: string) => report.criteria.find((c) => c.id === id)!.per_run!.find((p) => p.run === run)!.status;

describe("GPU utilisation during ESM-2", () => {
  it("only samples inside the ESM-2 stage window count", async () => {
    const report = await phase10();
    const g = report.gpu.find((x) => x.run === "1gpu" && x.device === 0)!;
    // the 0 % samples at 23:05 (DNABERT-S) and 23:55 (merging) are outside: 5 of 7 samples remain
    expect(g.samples).toBe(5);
    expect(g.window_start).toBe("2026-02-08 23:08:43.8");
    expect(g.window_end).toBe("2026-02-08 23:51:54.9");
    // [50, 70, 85, 90, 100] %
    expect(g.mean_utilization).toBeCloseTo(0.79, 10); // 395 / 5
    expect(g.median_utilization).toBeCloseTo(0.85, 10);
    expect(g.p10_utilization).toBeCloseTo(0.58, 10); // position 0.1 x 4 = 0.4: 50 + 0.4 x 20 = 58
    expect(g.share_at_or_above_80).toBeCloseTo(0.6, 10); // 85, 90, 100 of 5
    const run = report.gpu_runs.find((x) => x.run === "1gpu")!;
    expect([run.samples_total, run.samples, run.monitors, run.devices, run.duplicated, run.unmeasured_gpus]).toEqual([7, 5, 1, 1, false, 0]);
  });

  it("per device on a 2-GPU run, and pooled for the run", async () => {
    const report = await phase10();
    const dev = (d: number) => report.gpu.find((x) => x.run === "2gpu" && x.device === d)!;
    expect(dev(0).mean_utilization).toBeCloseTo(0.85, 10); // (80 + 90) / 2
    expect(dev(0).share_at_or_above_80).toBe(1); // 80 counts: at or above
    expect(dev(1).mean_utilization).toBeCloseTo(0.85, 10); // (60 + 100 + 95) / 3
    expect(dev(1).median_utilization).toBeCloseTo(0.95, 10);
    expect(dev(1).p10_utilization).toBeCloseTo(0.67, 10); // [60, 95, 100], position 0.2: 60 + 0.2 x 35
    expect(dev(1).share_at_or_above_80).toBeCloseTo(2 / 3, 10);
    const run = report.gpu_runs.find((x) => x.run === "2gpu")!;
    expect(run.mean_utilization).toBeCloseTo(0.85, 10); // 425 / 5
    expect(run.median_utilization).toBeCloseTo(0.9, 10); // [60, 80, 90, 95, 100]
    expect(run.share_at_or_above_80).toBeCloseTo(0.8, 10); // 4 / 5
    expect([run.devices, run.duplicated, run.unmeasured_gpus]).toEqual([2, false, 0]);
  });

  it("two monitors of a 2-GPU run that both sampled device 0: duplicated, warning, criterion invalid", async () => {
    const report = await phase10(async (d) => {
      await d.connection.run("UPDATE gpu_samples SET device = 0 WHERE run_id = '2gpu'");
    });
    const run = report.gpu_runs.find((x) => x.run === "2gpu")!;
    expect([run.monitors, run.devices, run.duplicated, run.unmeasured_gpus]).toEqual([2, 1, true, 1]);
    expect(report.gpu.filter((x) => x.run === "2gpu").map((x) => [x.device, x.monitor_count, x.duplicated])).toEqual([[0, 2, true]]);
    const w = report.warnings.find((x) => x.code === "gpu_monitor_duplicated")!;
    expect(w.run).toBe("2gpu");
    expect(w.message).toContain("all 2 GPU monitors of 2gpu sampled device 0");
    const c = report.criteria.find((x) => x.id === "gpu_utilization")!;
    const two = c.per_run!.find((p) => p.run === "2gpu")!;
    // the value (0.85) would pass; one measured device of two cannot
    expect(two.status).toBe("invalid");
    expect(two.value).toBeCloseTo(0.85, 10);
    expect(two.reason).toContain("1 GPU(s) unmeasured");
    expect(c.flags).toContain(w.ref);
  });

  it("the duplicated-monitor warning is not repeated when ingest already reported it; the criterion stays invalid", async () => {
    const report = await phase10(async (d) => {
      await d.connection.run("UPDATE gpu_samples SET device = 0 WHERE run_id = '2gpu'");
      await d.insert("findings", [{run_id: "2gpu", code: "gpu_monitors_same_device", severity: "warning", message: "both gpu_metrics files sampled device 0", file: "logs/gpu_metrics_m1.log", affects: "gpu"}]);
    });
    expect(report.warnings.filter((w) => w.run === "2gpu" && w.affects.includes("gpu")).map((w) => w.code)).toEqual(["gpu_monitors_same_device", "gpu_coverage_low"]);
    expect(perRunStatus(report, "gpu_utilization", "2gpu")).toBe("invalid");
  });

  it("one monitor on a 2-GPU run: the second GPU is unmeasured", async () => {
    const report = await phase10(async (d) => {
      await d.connection.run("DELETE FROM gpu_samples WHERE run_id = '2gpu' AND device = 1");
      await d.connection.run("DELETE FROM gpu_monitors WHERE run_id = '2gpu' AND devices = '[1]'");
    });
    const run = report.gpu_runs.find((x) => x.run === "2gpu")!;
    expect([run.monitors, run.devices, run.duplicated, run.unmeasured_gpus]).toEqual([1, 1, false, 1]);
    expect(report.warnings.find((w) => w.code === "gpu_unmeasured")!.run).toBe("2gpu");
    expect(perRunStatus(report, "gpu_utilization", "2gpu")).toBe("invalid");
  });

  it("a run without samples in the ESM-2 window has no utilisation", async () => {
    const report = await phase10(async (d) => {
      await d.connection.run("DELETE FROM gpu_samples WHERE run_id = '1gpu'");
      await d.insert("gpu_samples", [gpuSample("1gpu", "logs/gpu_metrics_m0.log", "2026-02-08 23:55:00", 0, 99)]);
    });
    expect(report.gpu.some((x) => x.run === "1gpu")).toBe(false);
    const run = report.gpu_runs.find((x) => x.run === "1gpu")!;
    expect([run.samples_total, run.samples, run.mean_utilization]).toEqual([1, 0, null]);
    const c = report.criteria.find((x) => x.id === "gpu_utilization")!.per_run!.find((p) => p.run === "1gpu")!;
    expect(c.status).toBe("no_data");
    expect(c.reason).toContain("inside the ESM-2 Feature Extraction window");
  });
});

describe("I/O-bottleneck lines", () => {
  it("are counted against the checks (every 10th batch), not the batches", async () => {
    const report = await phase10();
    const one = report.io_warnings.find((x) => x.run === "1gpu")!;
    expect([one.mild, one.critical, one.checks]).toEqual([54, 0, 277]); // floor(2770 / 10)
    expect(one.share_of_checks).toBeCloseTo(0.194946, 5); // 54 / 277, not 54 / 2770
    const two = report.io_warnings.find((x) => x.run === "2gpu")!;
    expect([two.mild, two.checks]).toEqual([41, 275]); // floor(1380 / 10) + floor(1370 / 10) = 138 + 137
    expect(two.share_of_checks).toBeCloseTo(0.149091, 5); // 41 / 275
    expect(one.min_utilization).toBeCloseTo(0.6, 10); // utilization 60 + (i mod 20) %: 60 .. 79
    expect(one.max_utilization).toBeCloseTo(0.79, 10);
  });

  it("CRITICAL lines count as well", async () => {
    const report = await phase10(async (d) => {
      await d.insert("io_warnings", [{run_id: "1gpu", worker: 0, logged_at: "2026-02-08 23:45:00", severity: "critical", utilization: 42.5}]);
    });
    const one = report.io_warnings.find((x) => x.run === "1gpu")!;
    expect([one.mild, one.critical, one.checks]).toEqual([54, 1, 277]);
    expect(one.share_of_checks).toBeCloseTo(0.198556, 5); // (54 + 1) / 277
    expect(one.min_utilization).toBeCloseTo(0.425, 10);
  });
});

describe("ESM-2 throughput", () => {
  it("combined rate, finish skew and stage overhead of the 2-GPU run", async () => {
    const t = (await phase10()).throughput.find((x) => x.run === "2gpu")!;
    expect(t.workers.map((w) => w.worker)).toEqual([0, 1]);
    expect(t.combined_seq_per_sec).toBeCloseTo(629.2, 8); // 315.7 + 313.5
    expect(t.combined_tokens_per_sec).toBeCloseTo(32284, 8); // 16199 + 16085
    expect(t.finish_skew_seconds).toBeCloseTo(12.5, 8); // 16:30:17.5 - 16:30:05
    expect(t.inference_span_seconds).toBeCloseTo(1200, 8); // 16:10:00 (first start) to 16:30:00 (last end)
    expect(t.stage_seconds).toBeCloseTo(1383.2, 8);
    expect(t.overhead_seconds).toBeCloseTo(183.2, 8); // 1383.2 - 1200
    expect(t.workers[1]!.inference_seconds).toBeCloseTo(1188, 8); // 16:10:02 to 16:29:50
    expect(t.workers[1]!.batches).toBe(1371); // last index 1370 + 1
  });

  it("a single worker: no skew, overhead = 2591.1 - 2480", async () => {
    const t = (await phase10()).throughput.find((x) => x.run === "1gpu")!;
    expect(t.combined_seq_per_sec).toBeCloseTo(321.0, 8);
    expect(t.finish_skew_seconds).toBe(0);
    expect(t.inference_span_seconds).toBeCloseTo(2480, 8); // 23:09:30 to 23:50:50
    expect(t.overhead_seconds).toBeCloseTo(111.1, 8);
  });

  it("an unknown worker rate leaves the combined rate unknown, never a partial sum", async () => {
    const report = await phase10(async (d) => {
      await d.connection.run("UPDATE workers SET seq_per_sec = NULL WHERE run_id = '2gpu' AND worker = 1");
    });
    expect(report.throughput.find((x) => x.run === "2gpu")!.combined_seq_per_sec).toBeNull();
  });
});

describe("packing efficiency: population over every batch, the DataLoader sample as a cross-check", () => {
  const p = (report: Report, run: string, worker: number | null) => report.packing.find((x) => x.run === run && x.worker === worker)!;

  it("population = last progress line's running pack eff x 4096 / budget, batch-weighted over workers", async () => {
    const report = await phase10();
    // 1gpu: 3.58 x 4096 / 16384 = 0.895 over batches 0..2700
    expect(p(report, "1gpu", 0)).toMatchObject({method: "population", population_batches: 2701, token_budget: 16384});
    expect(p(report, "1gpu", 0).efficiency).toBeCloseTo(0.895, 10);
    expect(p(report, "1gpu", null).efficiency).toBeCloseTo(0.895, 10);
    // 2gpu: 3.0 x 0.25 = 0.75 and 3.5 x 0.25 = 0.875, 1301 batches each: (0.75 + 0.875) / 2 = 0.8125
    expect(p(report, "2gpu", 0).efficiency).toBeCloseTo(0.75, 10);
    expect(p(report, "2gpu", 1).efficiency).toBeCloseTo(0.875, 10);
    expect(p(report, "2gpu", null).efficiency).toBeCloseTo(0.8125, 10);
    expect(p(report, "2gpu", null).population_batches).toBe(2602);
  });

  it("the sample (every 10th batch) is kept as a cross-check with its difference, named as such", async () => {
    const report = await phase10();
    // 1gpu: (14000 + 15000 + 16000) / (3 x 16384) = 45000 / 49152
    expect(p(report, "1gpu", null)).toMatchObject({sampled_method: "sampled_every_10th", sampled_batches: 3, sampled_tokens: 45000});
    expect(p(report, "1gpu", null).sampled_efficiency).toBeCloseTo(0.915527, 5);
    expect(p(report, "1gpu", null).sampled_difference).toBeCloseTo(0.915527 - 0.895, 5);
    // 2gpu: token-weighted (25000 + 44100) / (5 x 16384)
    expect(p(report, "2gpu", 0).sampled_efficiency).toBeCloseTo(0.762939, 5);
    expect(p(report, "2gpu", 1).sampled_efficiency).toBeCloseTo(0.897217, 5);
    expect(p(report, "2gpu", null).sampled_efficiency).toBeCloseTo(0.843506, 5);
  });

  it("the criterion judges the population: a sample above 90 % cannot pass a run whose batches average 89.5 %", async () => {
    const report = await phase10();
    expect(p(report, "1gpu", null).sampled_efficiency).toBeGreaterThan(0.9);
    expect(perRunStatus(report, "packing_efficiency", "1gpu")).toBe("fail");
    const c = report.criteria.find((x) => x.id === "packing_efficiency")!;
    expect(c.per_run!.find((x) => x.run === "1gpu")!.value).toBeCloseTo(0.895, 10);
  });

  it("the text report says which figure is which", async () => {
    const {formatText} = await import("../../../engine/render/text.ts");
    const text = formatText(await phase10());
    expect(text).toMatch(/Efficiency is the mean over every batch/);
    expect(text).toContain("population (2,701 batches)");
    expect(text).toContain("sampled_every_10th (3 lines)");
  });

  it("flags the logged 4096-scaled figure against the population value", async () => {
    const report = await phase10();
    expect(p(report, "1gpu", 0).logged_efficiency).toBeCloseTo(3.58, 10); // last progress line (batch 2700), not batch 10's 3.2
    // 2gpu: batch-weighted (3.0 x 1301 + 3.5 x 1301) / 2602 = 3.25
    expect(p(report, "2gpu", null).logged_efficiency).toBeCloseTo(3.25, 10);
    const flagged = report.warnings.filter((w) => w.code === "packing_logged_differs");
    expect(flagged.map((w) => w.run)).toEqual(["1gpu", "2gpu"]);
    expect(flagged[0]!.message).toContain("358.0 %");
    expect(flagged[0]!.message).toContain("89.5 %");
  });

  it("no flag when the logged figure agrees with the population one", async () => {
    const report = await phase10(async (d) => {
      // a pipeline that divided by the real budget would log its own population figure
      await d.connection.run("UPDATE batches SET logged_pack_eff = 0.92 WHERE run_id = '1gpu'");
      await d.connection.run("UPDATE workers SET token_budget = 4096 WHERE run_id = '1gpu'");
    });
    expect(report.warnings.filter((w) => w.code === "packing_logged_differs").map((w) => w.run)).toEqual(["2gpu"]);
  });

  it("one worker of two without a budget: that worker and the run have no efficiency, the other worker does", async () => {
    const report = await phase10(async (d) => {
      await d.connection.run("UPDATE workers SET token_budget = NULL WHERE run_id = '2gpu' AND worker = 0");
    });
    expect(p(report, "2gpu", 0).efficiency).toBeNull();
    expect(p(report, "2gpu", 1).efficiency).toBeCloseTo(0.875, 10);
    expect([p(report, "2gpu", null).token_budget, p(report, "2gpu", null).efficiency, p(report, "2gpu", null).sampled_efficiency]).toEqual([null, null, null]);
    expect(perRunStatus(report, "packing_efficiency", "2gpu")).toBe("no_data");
  });

  it("no progress line: no population figure, and the sample does not stand in for it", async () => {
    const report = await phase10(async (d) => {
      await d.connection.run("DELETE FROM batches WHERE run_id = '1gpu' AND kind = 'progress'");
    });
    expect(p(report, "1gpu", null).efficiency).toBeNull();
    expect(p(report, "1gpu", null).sampled_efficiency).toBeCloseTo(0.915527, 5);
    const one = report.criteria.find((x) => x.id === "packing_efficiency")!.per_run!.find((x) => x.run === "1gpu")!;
    expect(one.status).toBe("no_data");
    expect(one.reason).toContain("progress line");
  });

  it("budget unknown: no efficiency, never 4096 assumed; criterion no_data", async () => {
    const report = await phase10(async (d) => {
      await d.connection.run("UPDATE workers SET token_budget = NULL WHERE run_id = '1gpu'");
    });
    const run = p(report, "1gpu", null);
    // with 4096 assumed it would read 3.58
    expect([run.token_budget, run.efficiency, run.sampled_efficiency]).toEqual([null, null, null]);
    expect(run.logged_efficiency).toBeCloseTo(3.58, 10);
    const w = report.warnings.find((x) => x.code === "packing_budget_unknown")!;
    expect(w.run).toBe("1gpu");
    const c = report.criteria.find((x) => x.id === "packing_efficiency")!;
    const one = c.per_run!.find((x) => x.run === "1gpu")!;
    expect(one.status).toBe("no_data");
    expect(one.reason).toContain("token budget");
    expect(c.status).not.toBe("pass");
  });
});
