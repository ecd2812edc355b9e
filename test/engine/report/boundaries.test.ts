/**
 * Values exactly on a boundary, with binary-exact numbers so no rounding can decide the outcome:
 * prediction scores exactly the tolerance apart (0.25 with tolerance 0.25; 0.5 ± 0.25), and
 * criteria whose target equals the measured value for each of `>`, `>=`, `<`, `<=`. A `<=` turned
 * into `<` (or `>` into `>=`) anywhere between the SQL and the verdict moves one of these.
 */
import {afterEach, describe, expect, it} from "vitest";
import {buildReport} from "../../../engine/report/report.ts";
import type {Report} from "../../../engine/report/types.ts";
import type {CriterionSpec} from "../../../engine/study.ts";
import {batch, consensus, fixtureDb, frame, gpuSample, iso, referenceRun, release, run, stageRows, worker, type FixtureDb} from "../../helpers/fixture-db.ts";

let db: FixtureDb | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

const TOLERANCE = 0.25;

/**
 * Reference and run scores (others, virus) of four records:
 * - a: 0.5/0.5 vs 0.25/0.75, both differences exactly 0.25 (on the tolerance)
 * - b: 0.5/0.5 vs 0.75/0.25, likewise the other way
 * - c: identical
 * - d: 0/1 vs 0.5/0.5 with the other label: 0.5 apart and a label mismatch
 */
const RECORDS: Array<{id: string; ref: [number, number]; run: [number, number]; refVirus: boolean; runVirus: boolean}> = [
  {id: "a", ref: [0.5, 0.5], run: [0.25, 0.75], refVirus: true, runVirus: true},
  {id: "b", ref: [0.5, 0.5], run: [0.75, 0.25], refVirus: true, runVirus: true},
  {id: "c", ref: [0.25, 0.75], run: [0.25, 0.75], refVirus: true, runVirus: true},
  {id: "d", ref: [0, 1], run: [0.5, 0.5], refVirus: true, runVirus: false}
];

function predictionRows(source: string, side: "ref" | "run") {
  const label = (virus: boolean) => (virus ? "virus" : "others");
  return {
    frames: RECORDS.map((r) => frame(source, `${r.id}_chunk_1F1`, label(side === "ref" ? r.refVirus : r.runVirus), r[side][0], r[side][1])),
    consensus: RECORDS.map((r) => consensus(source, `${r.id}_chunk_1`, side === "ref" ? r.refVirus : r.runVirus, r[side][0], r[side][1]))
  };
}

/**
 * Two complete runs with binary-exact figures: totals 3000 s and 1500 s, every second of them in GPU
 * stages (speedup 2, efficiency 1, Karp-Flatt 0, exactly on the Amdahl ceiling of 2, which is possible),
 * baseline 6000 s (speedup 4 over the 2-GPU run), GPU samples every 2 s alternating 50 % and 100 % on
 * every device inside ESM-2 (mean 0.75, coverage of the window near 100 %), DataLoader batches of 12288 tokens against a 16384 budget and progress lines logging 3.0 on the 4096
 * scale (both 0.75),
 * and the four records above on both levels (agreement 3 / 4 = 0.75).
 */
async function boundaryStudy(criteria: CriterionSpec[]): Promise<Report> {
  db = await fixtureDb();
  await db.insert("releases", [release({tolerance: TOLERANCE, baseline_total_seconds: 6000})]);
  await db.insert("runs", [
    referenceRun(),
    run("1gpu", 1, {total_seconds: 3000, model_path: "300_model.pth", expected_length: 300}),
    run("2gpu", 2, {total_seconds: 1500, model_path: "300_model.pth", expected_length: 300})
  ]);
  await db.insert("stages", stageRows("1gpu", [["DNABERT-S Feature Extraction", 1500], ["ESM-2 Feature Extraction", 1500]], "2026-02-08 10:00:00"));
  await db.insert("stages", stageRows("2gpu", [["DNABERT-S Feature Extraction", 750], ["ESM-2 Feature Extraction", 750]], "2026-02-09 10:00:00"));
  // ESM-2 windows: 1gpu 10:25:00-10:50:00 (1500 s), 2gpu 10:12:30-10:25:00 (750 s)
  await db.insert("gpu_monitors", [
    {run_id: "1gpu", monitor: "m0", format: "gpu_metrics", devices: "[0]"},
    {run_id: "2gpu", monitor: "m0", format: "gpu_metrics", devices: "[0]"},
    {run_id: "2gpu", monitor: "m1", format: "gpu_metrics", devices: "[1]"}
  ]);
  // an even number of samples per device, alternating 50 and 100: mean and median 0.75, half at or above 80 %
  const every2s = (runId: string, monitor: string, device: number, start: string, count: number) =>
    Array.from({length: count}, (_, i) => gpuSample(runId, monitor, iso(Date.parse(`${start}Z`) + (1 + 2 * i) * 1000), device, i % 2 === device % 2 ? 50 : 100));
  await db.insert("gpu_samples", [
    ...every2s("1gpu", "m0", 0, "2026-02-08T10:25:00", 750),
    ...every2s("2gpu", "m0", 0, "2026-02-09T10:12:30", 374),
    ...every2s("2gpu", "m1", 1, "2026-02-09T10:12:30", 374)
  ]);
  await db.insert("workers", [worker("1gpu", 0, {token_budget: 16384}), worker("2gpu", 0, {world_size: 2, token_budget: 16384}), worker("2gpu", 1, {world_size: 2, token_budget: 16384})]);
  await db.insert("batches", [
    batch("1gpu", 0, 0, "dataloader", {tokens: 12288}),
    batch("1gpu", 0, 10, "dataloader", {tokens: 12288}),
    batch("2gpu", 0, 0, "dataloader", {tokens: 12288}),
    batch("2gpu", 1, 0, "dataloader", {tokens: 12288}),
    // the progress lines' running pack eff, on the pipeline's 4096 scale: 3 x 4096 / 16384 = 0.75 over every batch
    batch("1gpu", 0, 10, "progress", {logged_pack_eff: 3}),
    batch("2gpu", 0, 0, "progress", {logged_pack_eff: 3}),
    batch("2gpu", 1, 0, "progress", {logged_pack_eff: 3})
  ]);
  for (const [source, side] of [["reference", "ref"], ["1gpu", "run"], ["2gpu", "run"]] as const) {
    const rows = predictionRows(source, side);
    await db.insert("predictions_frame", rows.frames);
    await db.insert("predictions_consensus", rows.consensus);
  }
  return buildReport(db.connection, {criteria});
}

describe("prediction scores exactly on the tolerance", () => {
  it("a difference equal to the tolerance is within it (<=), at both levels; only the 0.5 difference is a mismatch", async () => {
    const report = await boundaryStudy([]);
    for (const runId of ["1gpu", "2gpu"]) {
      for (const level of ["per_frame", "consensus"] as const) {
        const c = report.correctness.find((x) => x.run === runId && x.level === level)!;
        expect(c.tolerance).toBe(TOLERANCE);
        expect([c.compared, c.label_mismatches, c.within_tolerance, c.mismatches_total], `${runId} ${level}`).toEqual([4, 1, 3, 1]);
        expect([c.label_agreement, c.within_tolerance_share, c.joint_agreement]).toEqual([0.75, 0.75, 0.75]);
        expect([c.score_diff.max, c.score_diff.median]).toEqual([0.5, 0.25]);
        // the mismatch list holds the one record beyond the tolerance, not the two on it
        expect(c.mismatches.map((m) => [m.id, m.diff])).toEqual([[level === "per_frame" ? "d_chunk_1F1" : "d_chunk_1", 0.5]]);
      }
    }
  });

  it("the row-level view agrees: max_diff is exactly the tolerance for a and b", async () => {
    await boundaryStudy([]);
    const rows = await db!.query<{id: string; max_diff: number}>("SELECT id, max_diff FROM v_correctness_rows WHERE run_id = '2gpu' AND level = 'consensus' ORDER BY id");
    expect(rows).toEqual([
      {id: "a_chunk_1", max_diff: 0.25},
      {id: "b_chunk_1", max_diff: 0.25},
      {id: "c_chunk_1", max_diff: 0},
      {id: "d_chunk_1", max_diff: 0.5}
    ]);
  });
});

describe("a consensus derived from per-frame rows whose maxima tie", () => {
  it("is virus, as the pipeline's `max_score2 >= max_score1` decides", async () => {
    db = await fixtureDb();
    await db.insert("releases", [release({tolerance: TOLERANCE})]);
    await db.insert("runs", [referenceRun(), run("1gpu", 1, {total_seconds: 3000, model_path: "300_model.pth", expected_length: 300})]);
    await db.insert("predictions_consensus", [consensus("reference", "t_chunk_1", true, 0.5, 0.5), consensus("reference", "u_chunk_1", false, 0.75, 0.25)]);
    // the run has no consensus file: its consensus comes from these frames (max of each score per record)
    await db.insert("predictions_frame", [
      frame("1gpu", "t_chunk_1F1", "others", 0.5, 0.25),
      frame("1gpu", "t_chunk_1R2", "virus", 0.25, 0.5),
      frame("1gpu", "u_chunk_1F1", "others", 0.75, 0.25)
    ]);
    const report = await buildReport(db.connection);
    const c = report.correctness.find((x) => x.run === "1gpu" && x.level === "consensus")!;
    expect(c.derived_consensus).toEqual({run: true, reference: false});
    expect([c.compared, c.label_mismatches, c.within_tolerance]).toEqual([2, 0, 2]);
    expect(c.confusion).toEqual({virus_virus: 1, virus_others: 0, others_virus: 0, others_others: 1});
  });
});

/** A criterion per comparison, each with the target equal to the value. */
function onTarget(metric: string, value: number, run?: string): CriterionSpec[] {
  const name = metric.replaceAll(".", "_");
  return (
    [
      ["gt", ">"],
      ["ge", ">="],
      ["lt", "<"],
      ["le", "<="],
      ["eq", "=="]
    ] as const
  ).map(([suffix, comparison]) => ({id: `${name}_${suffix}`, label: `${metric} ${comparison} ${value}`, metric, comparison, target: value, ...(run ? {run} : {})}));
}

const EXACT: Array<[string, number, string?]> = [
  ["run.total_seconds", 1500, "2gpu"],
  ["scaling.speedup", 2],
  ["scaling.efficiency", 1],
  ["scaling.karp_flatt", 0],
  ["baseline.speedup", 4],
  ["correctness.consensus.label_agreement", 0.75],
  ["correctness.consensus.within_tolerance", 0.75],
  ["correctness.consensus.joint_agreement", 0.75],
  ["correctness.per_frame.label_agreement", 0.75],
  ["correctness.per_frame.within_tolerance", 0.75],
  ["gpu.mean_utilization", 0.75],
  ["gpu.median_utilization", 0.75],
  ["gpu.share_at_or_above_80", 0.5],
  ["packing.efficiency", 0.75]
];

describe("criteria whose target equals the measured value", () => {
  it("> and < fail, >=, <= and == pass, for every metric family", async () => {
    const report = await boundaryStudy(EXACT.flatMap(([metric, value, runId]) => onTarget(metric, value, runId)));
    const byId = new Map(report.criteria.map((c) => [c.id, c]));
    for (const [metric, value] of EXACT) {
      const name = metric.replaceAll(".", "_");
      const statuses = ["gt", "ge", "lt", "le", "eq"].map((s) => byId.get(`${name}_${s}`)!.status);
      expect([byId.get(`${name}_ge`)!.value, ...statuses], metric).toEqual([value, "fail", "pass", "fail", "pass", "pass"]);
    }
    expect(report.summary).toEqual({met: 3 * EXACT.length, total: 5 * EXACT.length, overall: "fail"});
  });

  it("per run on `every`: each run sits on the target, so each is judged alone", async () => {
    const report = await boundaryStudy(onTarget("gpu.mean_utilization", 0.75, "every"));
    for (const c of report.criteria) {
      expect(c.per_run!.map((p) => [p.run, p.value]), c.id).toEqual([
        ["1gpu", 0.75],
        ["2gpu", 0.75]
      ]);
      const want = c.comparison === ">" || c.comparison === "<" ? "fail" : "pass";
      expect(c.per_run!.map((p) => p.status), c.id).toEqual([want, want]);
      expect(c.status, c.id).toBe(want);
    }
  });

  it("the study passes only when every criterion passes; one fail among passes fails it", async () => {
    const pass = await boundaryStudy([onTarget("packing.efficiency", 0.75)[1]!, onTarget("run.total_seconds", 1500, "2gpu")[3]!]);
    expect(pass.summary).toEqual({met: 2, total: 2, overall: "pass"});
    db!.close();
    const fail = await boundaryStudy([onTarget("packing.efficiency", 0.75)[1]!, onTarget("run.total_seconds", 1500, "2gpu")[2]!]);
    expect(fail.summary).toEqual({met: 1, total: 2, overall: "fail"});
  });
});

describe("one verdict from several runs: fail, then invalid, then no_data, then inconclusive, then pass", () => {
  const agreement = (target: number): CriterionSpec => ({id: "agreement", label: "agreement", metric: "correctness.consensus.label_agreement", comparison: ">=", target, run: "every"});

  /** The boundary study, then `sql` applied and the report built again with the criterion. */
  async function judged(target: number, ...sql: string[]) {
    await boundaryStudy([]);
    for (const s of sql) await db!.connection.run(s);
    const c = (await buildReport(db!.connection, {criteria: [agreement(target)]})).criteria[0]!;
    return {status: c.status, runs: c.per_run!.map((p) => [p.run, p.status])};
  }
  const MISMATCH = "UPDATE runs SET model_path = '500_model.pth', expected_length = 500 WHERE run_id = '1gpu'";
  const UNKNOWN = "UPDATE runs SET model_path = NULL, expected_length = NULL WHERE run_id = '1gpu'";
  // without its consensus file and frames, the 2-GPU run has no consensus predictions at all
  const NO_DATA = "DELETE FROM predictions_consensus WHERE source = '2gpu'; DELETE FROM predictions_frame WHERE source = '2gpu'";

  it("invalid and no_data: invalid", async () => {
    expect(await judged(0.75, MISMATCH, NO_DATA)).toEqual({status: "invalid", runs: [["1gpu", "invalid"], ["2gpu", "no_data"]]});
  });

  it("fail and no_data: fail", async () => {
    expect(await judged(0.8, NO_DATA)).toEqual({status: "fail", runs: [["1gpu", "fail"], ["2gpu", "no_data"]]});
  });

  it("fail and invalid: fail", async () => {
    expect(await judged(0.8, MISMATCH)).toEqual({status: "fail", runs: [["1gpu", "invalid"], ["2gpu", "fail"]]});
  });

  it("inconclusive and no_data: no_data; inconclusive and pass: inconclusive", async () => {
    expect(await judged(0.75, UNKNOWN, NO_DATA)).toEqual({status: "no_data", runs: [["1gpu", "inconclusive"], ["2gpu", "no_data"]]});
    db!.close();
    expect(await judged(0.75, UNKNOWN)).toEqual({status: "inconclusive", runs: [["1gpu", "inconclusive"], ["2gpu", "pass"]]});
  });
});
