/**
 * Correctness against the reference at both levels, on a six-row fixture whose every figure is worked
 * out by hand below. Reference per-frame rows (others, virus):
 *   s1_chunk_1R1 virus  0.10 0.90     run: virus  0.10  0.90   diff 0
 *   s1_chunk_1R2 virus  0.20 0.80     run: virus  0.45  0.55   diff 0.25 (label agrees)
 *   s2_chunk_1R1 others 0.51 0.49     run: virus  0.49  0.51   diff 0.02, label mismatch
 *   s2_chunk_1R2 others 0.70 0.30     run: others 0.705 0.295  diff 0.005
 *   s3_chunk_1R1 virus  0.05 0.95     run: virus  0.05  0.95   diff 0
 *   s4_chunk_1R1 others 0.55 0.45     (missing from the run)
 *                                      run only: s5_chunk_1R1 virus 0.3 0.7 (extra)
 */
import {afterEach, describe, expect, it} from "vitest";
import {buildReport} from "../../../engine/report/report.ts";
import type {ReportCorrectness} from "../../../engine/report/types.ts";
import {consensus, fixtureDb, frame, referenceRun, release, run, type FixtureDb} from "../../helpers/fixture-db.ts";
import type {Row} from "../../../engine/db/writer.ts";

let db: FixtureDb | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

const REFERENCE_FRAMES: Row[] = [
  frame("reference", "s1_chunk_1R1", "virus", 0.1, 0.9),
  frame("reference", "s1_chunk_1R2", "virus", 0.2, 0.8),
  frame("reference", "s2_chunk_1R1", "others", 0.51, 0.49),
  frame("reference", "s2_chunk_1R2", "others", 0.7, 0.3),
  frame("reference", "s3_chunk_1R1", "virus", 0.05, 0.95),
  frame("reference", "s4_chunk_1R1", "others", 0.55, 0.45)
];

// deliberately not in the reference's order: the comparison must join on ID
const RUN_FRAMES: Row[] = [
  frame("r1", "s5_chunk_1R1", "virus", 0.3, 0.7),
  frame("r1", "s3_chunk_1R1", "virus", 0.05, 0.95),
  frame("r1", "s2_chunk_1R2", "others", 0.705, 0.295),
  frame("r1", "s1_chunk_1R1", "virus", 0.1, 0.9),
  frame("r1", "s2_chunk_1R1", "virus", 0.49, 0.51),
  frame("r1", "s1_chunk_1R2", "virus", 0.45, 0.55)
];

interface Setup {
  tolerance?: number;
  runOverrides?: Row;
  referenceConsensus?: Row[];
  runConsensus?: Row[];
  runFrames?: Row[];
}

async function study(setup: Setup = {}): Promise<FixtureDb> {
  db = await fixtureDb();
  await db.insert("releases", [release(setup.tolerance === undefined ? {} : {tolerance: setup.tolerance})]);
  await db.insert("runs", [referenceRun(), run("r1", 1, {total_seconds: 100, model_path: "300_model.pth", expected_length: 300, ...setup.runOverrides})]);
  await db.insert("predictions_frame", [...REFERENCE_FRAMES, ...(setup.runFrames ?? RUN_FRAMES)]);
  if (setup.referenceConsensus) await db.insert("predictions_consensus", setup.referenceConsensus);
  if (setup.runConsensus) await db.insert("predictions_consensus", setup.runConsensus);
  return db;
}

async function level(setup: Setup, name: "per_frame" | "consensus", options: {mismatchLimit?: number} = {}): Promise<ReportCorrectness> {
  const report = await buildReport((await study(setup)).connection, options);
  return report.correctness.find((c) => c.run === "r1" && c.level === name)!;
}

describe("per-frame comparison", () => {
  it("joins on ID: counts, missing and extra, label-only agreement", async () => {
    const c = await level({}, "per_frame");
    expect(c.reference_rows).toBe(6);
    expect(c.run_rows).toBe(6);
    expect(c.compared).toBe(5); // s1R1, s1R2, s2R1, s2R2, s3R1
    expect(c.missing).toBe(1); // s4R1
    expect(c.extra).toBe(1); // s5R1
    expect(c.label_mismatches).toBe(1); // s2R1
    expect(c.label_agreement).toBeCloseTo(0.8, 10); // (5 - 1) / 5
  });

  it("within tolerance 0.01 and joint label+score agreement", async () => {
    const c = await level({}, "per_frame");
    expect(c.tolerance).toBe(0.01);
    expect(c.scores_compared).toBe(true);
    expect(c.within_tolerance).toBe(3); // diffs 0, 0.005, 0 <= 0.01; 0.02 and 0.25 are not
    expect(c.within_tolerance_share).toBeCloseTo(0.6, 10); // 3 / 5
    expect(c.joint_agreement).toBeCloseTo(0.6, 10); // s1R1, s2R2, s3R1 / 5
    expect(c.mismatches_total).toBe(2); // s2R1 (label), s1R2 (0.25 > 0.01)
  });

  it("score-difference mean, median, p99 and max of the per-row largest |Δscore|", async () => {
    const d = (await level({}, "per_frame")).score_diff;
    // sorted diffs [0, 0, 0.005, 0.02, 0.25]
    expect(d.mean).toBeCloseTo(0.055, 8); // 0.275 / 5
    expect(d.median).toBeCloseTo(0.005, 8);
    // linear interpolation at position 0.99 x 4 = 3.96: 0.02 + 0.96 x (0.25 - 0.02) = 0.2408
    expect(d.p99).toBeCloseTo(0.2408, 8);
    expect(d.max).toBeCloseTo(0.25, 8);
  });

  it("confusion matrix: rows = reference label, columns = run label", async () => {
    const c = await level({}, "per_frame");
    expect(c.confusion).toEqual({virus_virus: 3, virus_others: 0, others_virus: 1, others_others: 1});
  });

  it("lists mismatches with both scores, label mismatches first even when smaller", async () => {
    const c = await level({}, "per_frame");
    expect(c.mismatches).toHaveLength(2);
    const [first, second] = c.mismatches;
    expect(first).toMatchObject({id: "s2_chunk_1R1", reference_label: "others", run_label: "virus"});
    expect(first!.reference_virus).toBeCloseTo(0.49, 10);
    expect(first!.run_virus).toBeCloseTo(0.51, 10);
    expect(first!.diff).toBeCloseTo(0.02, 10);
    expect(second).toMatchObject({id: "s1_chunk_1R2", reference_label: "virus", run_label: "virus"});
    expect(second!.diff).toBeCloseTo(0.25, 10);
  });

  it("mismatchLimit caps the list; mismatches_total still counts all", async () => {
    const c = await level({}, "per_frame", {mismatchLimit: 1});
    expect(c.mismatches.map((m) => m.id)).toEqual(["s2_chunk_1R1"]);
    expect(c.mismatches_total).toBe(2);
    const none = await level({}, "per_frame", {mismatchLimit: 0});
    expect(none.mismatches).toEqual([]);
    expect(none.mismatches_total).toBe(2);
  });

  it("row order does not matter: a reversed run file gives the same figures", async () => {
    const a = await level({}, "per_frame");
    db!.close();
    const b = await level({runFrames: [...RUN_FRAMES].reverse()}, "per_frame");
    expect(b).toEqual(a);
    expect(b.label_mismatches).toBe(1); // a positional join would have compared s5 with s1 and so on
  });

  it("the release tolerance is used (0.03: the 0.02 rows now lie within)", async () => {
    const c = await level({tolerance: 0.03}, "per_frame");
    expect(c.tolerance).toBe(0.03);
    expect(c.within_tolerance).toBe(4); // 0, 0.005, 0, 0.02
    expect(c.within_tolerance_share).toBeCloseTo(0.8, 10); // 4 / 5
    // s2R1 is within tolerance but its label differs: joint stays 3 / 5
    expect(c.joint_agreement).toBeCloseTo(0.6, 10);
    expect(c.mismatches_total).toBe(2);
    expect(c.label_agreement).toBeCloseTo(0.8, 10); // label-only agreement ignores tolerance
  });
});

describe("consensus comparison", () => {
  const refTwoColumn = [
    consensus("reference", "s1_chunk_1", true),
    consensus("reference", "s2_chunk_1", false),
    consensus("reference", "s3_chunk_1", true),
    consensus("reference", "s4_chunk_1", false)
  ];
  const runFourColumn = [
    consensus("r1", "s5_chunk_1", true, 0.3, 0.7),
    consensus("r1", "s2_chunk_1", false, 0.705, 0.51),
    consensus("r1", "s1_chunk_1", true, 0.45, 0.9),
    consensus("r1", "s3_chunk_1", true, 0.05, 0.95)
  ];

  it("a two-column consensus file gets its scores from the per-frame rows: max over frames per ID", async () => {
    const d = await study({referenceConsensus: refTwoColumn, runConsensus: runFourColumn});
    const rows = await d.query<{id: string; is_virus: boolean; score_others: number; score_virus: number; derived: boolean}>(
      "SELECT id, is_virus, score_others, score_virus, derived FROM v_predictions WHERE level = 'consensus' AND source = 'reference' ORDER BY id"
    );
    expect(rows).toEqual([
      // s1: max(0.10, 0.20) = 0.20, max(0.90, 0.80) = 0.90
      {id: "s1_chunk_1", is_virus: true, score_others: 0.2, score_virus: 0.9, derived: true},
      // s2: max(0.51, 0.70) = 0.70, max(0.49, 0.30) = 0.49; the file's own label is kept
      {id: "s2_chunk_1", is_virus: false, score_others: 0.7, score_virus: 0.49, derived: true},
      {id: "s3_chunk_1", is_virus: true, score_others: 0.05, score_virus: 0.95, derived: true},
      {id: "s4_chunk_1", is_virus: false, score_others: 0.55, score_virus: 0.45, derived: true}
    ]);
  });

  it("compares the derived reference consensus with the run's four-column file", async () => {
    const report = await buildReport((await study({referenceConsensus: refTwoColumn, runConsensus: runFourColumn})).connection);
    const c = report.correctness.find((x) => x.run === "r1" && x.level === "consensus")!;
    expect([c.compared, c.missing, c.extra, c.label_mismatches]).toEqual([3, 1, 1, 0]); // s1-s3; s4; s5
    expect(c.label_agreement).toBe(1);
    expect(c.derived_consensus).toEqual({run: false, reference: true});
    // s1: |0.20 - 0.45| = 0.25; s2: max(|0.70 - 0.705|, |0.49 - 0.51|) = 0.02; s3: 0
    expect(c.score_diff.max).toBeCloseTo(0.25, 10);
    expect(c.score_diff.mean).toBeCloseTo(0.09, 10); // (0.25 + 0.02 + 0) / 3
    expect(c.score_diff.median).toBeCloseTo(0.02, 10);
    expect(c.within_tolerance).toBe(1);
    expect(c.within_tolerance_share).toBeCloseTo(1 / 3, 10);
    expect(c.confusion).toEqual({virus_virus: 2, virus_others: 0, others_virus: 0, others_others: 1});
    const info = report.warnings.find((w) => w.code === "consensus_derived")!;
    expect(info.run).toBe("r1");
    expect(info.message).toContain("the reference");
  });

  it("a side without any consensus file gets label and scores from its frames", async () => {
    const report = await buildReport((await study({referenceConsensus: refTwoColumn})).connection);
    const c = report.correctness.find((x) => x.run === "r1" && x.level === "consensus")!;
    // run frames per ID: s1 (0.45, 0.90) virus; s2 (0.705, 0.51) others; s3 (0.05, 0.95) virus; s5 (0.3, 0.7) virus
    expect(c.derived_consensus).toEqual({run: true, reference: true});
    expect([c.compared, c.missing, c.extra, c.label_mismatches]).toEqual([3, 1, 1, 0]);
    expect(c.score_diff.max).toBeCloseTo(0.25, 10); // s1: |0.20 - 0.45|
  });

  it("both sides four-column: file scores are used as they are", async () => {
    const refFour = [
      consensus("reference", "s1_chunk_1", true, 0.2, 0.9),
      consensus("reference", "s2_chunk_1", true, 0.7, 0.75),
      consensus("reference", "s3_chunk_1", true, 0.05, 0.95)
    ];
    const report = await buildReport((await study({referenceConsensus: refFour, runConsensus: runFourColumn})).connection);
    const c = report.correctness.find((x) => x.run === "r1" && x.level === "consensus")!;
    expect(c.derived_consensus).toEqual({run: false, reference: false});
    expect([c.compared, c.missing, c.extra, c.label_mismatches]).toEqual([3, 0, 1, 1]); // s2 True vs False
    expect(c.label_agreement).toBeCloseTo(2 / 3, 10);
    // s2: max(|0.70 - 0.705|, |0.75 - 0.51|) = 0.24
    expect(c.mismatches.map((m) => [m.id, m.diff])).toEqual([
      ["s2_chunk_1", expect.closeTo(0.24, 10)],
      ["s1_chunk_1", expect.closeTo(0.25, 10)]
    ]);
    expect(report.warnings.some((w) => w.code === "consensus_derived")).toBe(false);
  });
});
