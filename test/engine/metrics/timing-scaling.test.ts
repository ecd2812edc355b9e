/**
 * Timing, scaling, Amdahl and baseline figures against the published Phase 10 stage times
 * (FORMATS §11.2, §11.6.5). Every expected number is computed by hand from the table.
 */
import {afterEach, describe, expect, it} from "vitest";
import {buildReport} from "../../../engine/report/report.ts";
import type {Report} from "../../../engine/report/types.ts";
import {fixtureDb, phase10Timing, run, stageRows, type FixtureDb} from "../../helpers/fixture-db.ts";

let db: FixtureDb | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

async function phase10(options: Parameters<typeof phase10Timing>[1] = {}): Promise<Report> {
  db = await fixtureDb();
  await phase10Timing(db, options);
  return buildReport(db.connection);
}

const ESM = "ESM-2 Feature Extraction";
const DNABERT = "DNABERT-S Feature Extraction";

describe("timing of the Phase 10 runs", () => {
  it("stage sums match the summary totals and split into GPU and CPU stages", async () => {
    const report = await phase10();
    const [one, two] = report.runs;
    expect(one!.id).toBe("1gpu");
    // 7.1 + 8.4 + 3.3 + 3.1 + 501.9 + 2591.1 + 34.7 + 37.4 + 13.6 = 3200.6
    expect(one!.stage_sum_seconds).toBeCloseTo(3200.6, 6);
    // GPU: 501.9 + 2591.1 = 3093.0; CPU: 3200.6 - 3093.0 = 107.6
    expect(one!.gpu_stage_seconds).toBeCloseTo(3093.0, 6);
    expect(one!.cpu_stage_seconds).toBeCloseTo(107.6, 6);
    // 7.3 + 8.5 + 4.3 + 4.0 + 523.5 + 1383.2 + 41.5 + 39.1 + 13.6 = 2025.0; CPU = 2025.0 - 1906.7 = 118.3
    expect(two!.stage_sum_seconds).toBeCloseTo(2025.0, 6);
    expect(two!.cpu_stage_seconds).toBeCloseTo(118.3, 6);
    expect(one!.stage_sum_delta).toBeCloseTo(0, 6);
    expect(report.warnings.filter((w) => w.code === "stage_sum_mismatch")).toEqual([]);
  });

  it("stage share is seconds over the run's own summary total", async () => {
    const report = await phase10();
    const share = (run: number, stage: string) => report.runs[run]!.stages.find((s) => s.name === stage)!.share;
    expect(share(0, ESM)).toBeCloseTo(0.80957, 5); // 2591.1 / 3200.6
    expect(share(0, DNABERT)).toBeCloseTo(0.156815, 5); // 501.9 / 3200.6
    expect(share(1, ESM)).toBeCloseTo(0.683062, 5); // 1383.2 / 2025.0
    expect(share(1, DNABERT)).toBeCloseTo(0.258519, 5); // 523.5 / 2025.0
    expect(share(1, "Consensus Scoring")).toBeCloseTo(0.006716, 5); // 13.6 / 2025.0
    const total = report.runs[0]!.stages.reduce((a, s) => a + s.share!, 0);
    expect(total).toBeCloseTo(1, 6); // the stages add up to the total
    const view = await db!.query<{share: number}>(`SELECT share FROM v_stage_timing WHERE run_id = '2gpu' AND stage = '${ESM}'`);
    expect(view[0]!.share).toBeCloseTo(0.683062, 5);
  });
});

describe("scaling 1 -> 2 GPUs", () => {
  it("overall speedup 1.5805 and efficiency 0.790", async () => {
    const report = await phase10();
    expect(report.scaling).toHaveLength(1);
    const s = report.scaling[0]!;
    expect([s.from, s.to, s.gpus, s.from_gpus]).toEqual(["1gpu", "2gpu", 2, 1]);
    expect(s.speedup).toBeCloseTo(1.580543, 5); // 3200.6 / 2025.0
    expect(s.efficiency).toBeCloseTo(0.790272, 5); // 1.580543 / 2
  });

  it("per-stage: ESM-2 1.873x, DNABERT-S 0.959x, CPU stages slower", async () => {
    const s = (await phase10()).scaling[0]!;
    const stage = (name: string) => s.stages.find((x) => x.name === name)!;
    expect(s.stages).toHaveLength(9);
    expect(stage(ESM).speedup).toBeCloseTo(1.873265, 5); // 2591.1 / 1383.2
    expect(stage(ESM).efficiency).toBeCloseTo(0.936633, 5); // 1.873265 / 2
    expect(stage(DNABERT).speedup).toBeCloseTo(0.958739, 5); // 501.9 / 523.5
    expect(stage(DNABERT).delta_seconds).toBeCloseTo(21.6, 6); // 523.5 - 501.9: slower on 2 GPUs
    expect(stage("Feature Merging").speedup).toBeCloseTo(0.836145, 5); // 34.7 / 41.5
    expect(stage("Consensus Scoring").speedup).toBeCloseTo(1, 6); // 13.6 / 13.6
  });

  it("Amdahl uses the 1-GPU run's GPU share (0.9664 -> 1.935), not the 2-GPU run's (0.9416)", async () => {
    const a = (await phase10()).scaling[0]!.amdahl;
    // f = (501.9 + 2591.1) / 3200.6 = 3093.0 / 3200.6 = 0.966381
    expect(a.gpu_fraction).toBeCloseTo(0.966381, 5);
    // the 2-GPU share (523.5 + 1383.2) / 2025.0 = 0.941580 is the hand-made report's mistake
    expect(a.gpu_fraction).not.toBeCloseTo(0.94158, 3);
    // 1 / ((1 - 0.966381) + 0.966381 / 2) = 1 / 0.516809 = 1.934948
    expect(a.ceiling).toBeCloseTo(1.934948, 4);
    // ESM-2 only: f = 2591.1 / 3200.6 = 0.809567; 1 / (0.190433 + 0.404783) = 1 / 0.595217 = 1.680063
    expect(a.esm_only_fraction).toBeCloseTo(0.809567, 5);
    expect(a.esm_only_ceiling).toBeCloseTo(1.680063, 4);
    // Karp-Flatt with N = 2: (1/S - 1/2) / (1/2) = 2 x 2025.0 / 3200.6 - 1 = 1.265388 - 1
    expect(a.karp_flatt).toBeCloseTo(0.265388, 5);
  });

  it("what-ifs replace the 2-GPU DNABERT-S time with the 1-GPU time scaled: 1769.4 / 1836.1", async () => {
    const w = (await phase10()).scaling[0]!.what_if;
    const find = (label: string) => w.find((x) => x.label === label)!;
    // 2025.0 - 523.5 + 501.9 / 1.873265 = 1501.5 + 267.928 = 1769.428
    expect(find("DNABERT-S scaled like ESM-2").total_seconds).toBeCloseTo(1769.428, 2);
    // 2025.0 - 523.5 + 501.9 / 1.5 = 1501.5 + 334.6 = 1836.1
    expect(find("DNABERT-S scaled 1.5x").total_seconds).toBeCloseTo(1836.1, 6);
    // 2025.0 - 523.5 + 501.9 / 2 = 1752.45; speedup 3200.6 / 1752.45 = 1.826358
    expect(find("DNABERT-S scaled ideally").total_seconds).toBeCloseTo(1752.45, 6);
    expect(find("DNABERT-S scaled ideally").speedup).toBeCloseTo(1.826358, 5);
    // 3200.6 / 1769.428 = 1.808837; 3200.6 / 1836.1 = 1.743151
    expect(find("DNABERT-S scaled like ESM-2").speedup).toBeCloseTo(1.808837, 4);
    expect(find("DNABERT-S scaled 1.5x").speedup).toBeCloseTo(1.743151, 5);
    expect(find("DNABERT-S scaled 1.5x").formula).toBe("2025 - 523.5 + 501.9 / 1.5 = 1836.1 s");
  });

  it("an incomplete run takes no part in scaling", async () => {
    const report = await phase10({twoGpu: {status: "incomplete"}});
    expect(report.scaling).toEqual([]);
  });
});

describe("three runs: 1, 2 and 4 GPUs", () => {
  // 4gpu stages: 7 + 8 + 4 + 4 + 520 (DNABERT-S) + 700 (ESM-2) + 40 + 39 + 13 = 1335.0 s
  const FOUR: Array<[string, number]> = [
    ["Sequence Chunking", 7], ["Six-Frame Translation", 8], ["Nucleotide File Splitting", 4], ["Protein File Splitting", 4],
    [DNABERT, 520], [ESM, 700], ["Feature Merging", 40], ["Model Prediction", 39], ["Consensus Scoring", 13]
  ];

  async function threeRuns(): Promise<Report> {
    db = await fixtureDb();
    await phase10Timing(db);
    await db.insert("runs", [run("4gpu", 4, {total_seconds: 1335.0, model_path: "300_model.pth", expected_length: 300})]);
    await db.insert("stages", stageRows("4gpu", FOUR, "2026-02-10 09:00:00"));
    return buildReport(db.connection);
  }

  it("every run scales from the 1-GPU run, N = 4 for the 4-GPU one", async () => {
    const report = await threeRuns();
    expect(report.scaling.map((s) => [s.from, s.to, s.gpus])).toEqual([["1gpu", "2gpu", 2], ["1gpu", "4gpu", 4]]);
    const s = report.scaling[1]!;
    expect([report.scaling[0]!.n, s.n]).toEqual([2, 4]);
    expect(s.speedup).toBeCloseTo(2.397453, 5); // 3200.6 / 1335.0
    expect(s.efficiency).toBeCloseTo(0.599363, 5); // 2.397453 / 4
    // the same 1-GPU fraction 0.966381: 1 / (0.033619 + 0.966381 / 4) = 3.633536
    expect(s.amdahl.gpu_fraction).toBeCloseTo(0.966381, 5);
    expect(s.amdahl.ceiling).toBeCloseTo(3.633536, 4);
    expect(s.amdahl.esm_only_ceiling).toBeCloseTo(2.545664, 4); // 1 / (0.190433 + 0.809567 / 4)
    expect(s.amdahl.karp_flatt).toBeCloseTo(0.222812, 5); // (1 / 2.397453 - 1/4) / (3/4)
    expect(s.stages.find((x) => x.name === ESM)!.speedup).toBeCloseTo(3.701571, 5); // 2591.1 / 700
    expect(s.stages.find((x) => x.name === ESM)!.efficiency).toBeCloseTo(0.925393, 5); // 3.701571 / 4
    const ideal = s.what_if.find((w) => w.label === "DNABERT-S scaled ideally")!;
    expect(ideal.total_seconds).toBeCloseTo(940.475, 6); // 1335.0 - 520 + 501.9 / 4
    expect(s.what_if.find((w) => w.label === "DNABERT-S scaled like ESM-2")!.total_seconds).toBeCloseTo(950.591, 2); // 815 + 501.9 / 3.701571
  });

  it("the headline (baseline and scaling criteria) is the 4-GPU run", async () => {
    const report = await threeRuns();
    expect(report.baseline!.run).toBe("4gpu");
    expect(report.baseline!.speedup).toBeCloseTo(9.438202, 5); // 12600 / 1335.0
    const scaling = report.criteria.find((c) => c.id === "scaling")!;
    expect(scaling.value).toBeCloseTo(2.397453, 5);
    expect(scaling.status).toBe("pass"); // >= 1.9
    expect(report.criteria.find((c) => c.id === "time_2gpu")!.status).toBe("fail"); // gpus=2 only: 2025.0
  });
});

describe("speedup over the external baseline (12600 s)", () => {
  it("headline = the run with the most GPUs: 6.22x; the 1-GPU run gives 3.94x", async () => {
    const b = (await phase10()).baseline!;
    expect([b.label, b.total_seconds, b.external, b.run]).toEqual(["v1.0", 12600, true, "2gpu"]);
    expect(b.speedup).toBeCloseTo(6.222222, 5); // 12600 / 2025.0
    expect(b.runs.find((r) => r.run === "1gpu")!.speedup).toBeCloseTo(3.936762, 5); // 12600 / 3200.6
  });

  it("is labelled as an external figure", async () => {
    const report = await phase10();
    const info = report.warnings.find((w) => w.code === "baseline_external")!;
    expect(info.severity).toBe("info");
    expect(info.message).toContain("v1.0");
    expect(info.message).toContain("12600.0 s");
  });

  it("an incomplete headline run gives no headline figure rather than the smaller run's", async () => {
    const b = (await phase10({twoGpu: {status: "incomplete"}})).baseline!;
    expect(b.run).toBe("2gpu");
    expect(b.speedup).toBeNull();
    expect(b.runs.find((r) => r.run === "1gpu")!.speedup).toBeCloseTo(3.936762, 5);
  });
});

describe("stage-sum cross-check", () => {
  it("rounding drift within 0.1 s per stage is tolerated", async () => {
    // 9 stages -> tolerance 0.9 s; 2025.0 - 2025.6 = -0.6 s
    const report = await phase10({twoGpu: {total_seconds: 2025.6}});
    expect(report.runs[1]!.stage_sum_delta).toBeCloseTo(-0.6, 6);
    expect(report.warnings.some((w) => w.code === "stage_sum_mismatch")).toBe(false);
  });

  it("stages that do not add up raise a warning that invalidates the run's timing criteria", async () => {
    // stages add up to 2025.0 but the summary says 1700.0
    const report = await phase10({twoGpu: {total_seconds: 1700}});
    const two = report.runs[1]!;
    expect(two.stage_sum_delta).toBeCloseTo(325, 6); // 2025.0 - 1700.0
    const w = report.warnings.find((x) => x.code === "stage_sum_mismatch")!;
    expect(w.run).toBe("2gpu");
    expect(w.message).toContain("2025.0 s");
    expect(w.message).toContain("1700.0 s");
    expect(two.flags.map((f) => f.code)).toContain("stage_sum_mismatch");
    const status = Object.fromEntries(report.criteria.map((c) => [c.id, c.status]));
    // 1700 < 1800 would pass, 3200.6 / 1700 = 1.88 would still fail: both are invalid, never judged
    expect(status.time_2gpu).toBe("invalid");
    expect(status.scaling).toBe("invalid");
    expect(status.baseline_speedup).toBe("invalid");
    expect(report.criteria.find((c) => c.id === "time_2gpu")!.value).toBe(1700);
    // the clean 1-GPU run is unaffected
    expect(status.time_1gpu).toBe("pass");
  });

  it("a contaminated 1-GPU run invalidates the scaling it is the base of, not the 2-GPU run's own figures", async () => {
    db = await fixtureDb();
    await phase10Timing(db);
    // the stages of 1gpu add up to 3200.6 but its summary says 3000.0
    await db.connection.run("UPDATE runs SET total_seconds = 3000 WHERE run_id = '1gpu'");
    const report = await buildReport(db.connection);
    expect(report.scaling[0]!.speedup).toBeCloseTo(1.481481, 5); // 3000.0 / 2025.0, still shown
    const status = Object.fromEntries(report.criteria.map((c) => [c.id, c.status]));
    expect(status.time_1gpu).toBe("invalid");
    expect(status.scaling).toBe("invalid");
    // the total contradicts its own H:M:S (00:53:20) too: that error is named first, the sum mismatch is flagged as well
    expect(report.criteria.find((c) => c.id === "scaling")!.reason).toContain("1gpu is contaminated (summary_contradicts_log");
    expect(report.runs[0]!.flags.map((f) => f.code)).toEqual(expect.arrayContaining(["summary_contradicts_log", "stage_sum_mismatch"]));
    expect(status.time_2gpu).toBe("fail"); // 2025.0 >= 1800, judged: 2gpu is clean
    expect(status.baseline_speedup).toBe("pass"); // 12600 / 2025.0 on the clean headline run
  });
});
