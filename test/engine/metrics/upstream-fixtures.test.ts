/**
 * End to end on the real upstream outputs (fixtures README): the refactored pipeline (4-column
 * consensus, pipeline_state.json with 500_model.pth / 500) against vanilla (2-column consensus, model
 * unknown unless the study declares it). Ingest, then buildReport.
 */
import {writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {openDatabase} from "../../../engine/db/duckdb.ts";
import {buildReport} from "../../../engine/report/report.ts";
import type {Report} from "../../../engine/report/types.ts";
import {FIXTURES, useTmp} from "../../helpers/tmp.ts";

const tmp = useTmp();

async function report(options: {reference?: string; tolerance?: number; pair?: "test_with_orfs" | "test_fixed_500bp"} = {}): Promise<Report> {
  const pair = options.pair ?? "test_with_orfs";
  const referenceDir = pair === "test_with_orfs" ? "reference_vanilla_output" : "test_fixed_500bp_merged";
  const dir = await tmp();
  const file = path.join(dir, "study.yaml");
  await writeFile(
    file,
    `release: fixtures
title: Refactored vs vanilla on the upstream test data
pipeline: virnucpro
${options.tolerance === undefined ? "" : `tolerance: ${options.tolerance}\n`}reference:
  label: vanilla
  outputs: ${path.join(FIXTURES, referenceDir)}
${options.reference ?? ""}runs:
  - id: refactored
    gpus: 1
    outputs: ${path.join(FIXTURES, `${pair}_refactored`)}
`
  );
  const {dbFile} = await ingestStudy(file);
  const db = await openDatabase(dbFile, {readOnly: true});
  try {
    return await buildReport(db.connection);
  } finally {
    db.close();
  }
}

describe("refactored vs vanilla (test_with_orfs)", () => {
  it("derives the vanilla consensus scores from its frames: max over frames per ID", async () => {
    const r = await report();
    const c = r.correctness.find((x) => x.level === "consensus")!;
    expect(c.derived_consensus).toEqual({run: false, reference: true});
    expect([c.reference_rows, c.run_rows, c.compared, c.missing, c.extra, c.label_mismatches]).toEqual([2, 2, 2, 0, 0, 0]);
    expect(c.label_agreement).toBe(1);
    expect(c.confusion).toEqual({virus_virus: 2, virus_others: 0, others_virus: 0, others_others: 0});
    // vanilla seq_2 derived: others max(0.5501341, 0.06045397) = 0.5501341 vs 0.5501205325126648 -> 1.356749e-5
    expect(c.score_diff.max).toBeCloseTo(1.356749e-5, 10);
    // seq_1: others max(0.12100612, 0.0011595711) = 0.12100612 vs 0.1210053041577339 -> 8.158423e-7;
    // virus max(0.8789939, 0.9988405) = 0.9988405 vs 0.9988405108451844 -> 1.1e-8; mean (1.356749e-5 + 8.158423e-7) / 2
    expect(c.score_diff.mean).toBeCloseTo(7.191665e-6, 11);
    expect(c.within_tolerance).toBe(2); // both under the default 0.01
    expect(c.tolerance).toBe(0.01);
    expect(r.warnings.find((w) => w.code === "consensus_derived")!.message).toContain("the reference");
  });

  it("per-frame: 4 rows compared on ID, largest difference on synthetic_seq_2_chunk_1R1", async () => {
    const c = (await report()).correctness.find((x) => x.level === "per_frame")!;
    expect([c.compared, c.missing, c.extra, c.label_mismatches, c.within_tolerance]).toEqual([4, 0, 0, 0, 4]);
    expect(c.score_diff.max).toBeCloseTo(1.356749e-5, 10);
    // diffs 8.158423e-7, 2.327186e-8, 1.356749e-5, 5.824585e-8: mean 1.446485e-5 / 4, median (5.824585e-8 + 8.158423e-7) / 2
    expect(c.score_diff.mean).toBeCloseTo(3.616212e-6, 11);
    expect(c.score_diff.median).toBeCloseTo(4.370441e-7, 12);
  });

  it("at the upstream script's tolerance of 1e-5, 3 of 4 frames match", async () => {
    const c = (await report({tolerance: 0.00001})).correctness.find((x) => x.level === "per_frame")!;
    expect(c.tolerance).toBe(0.00001);
    expect(c.within_tolerance).toBe(3);
    expect(c.joint_agreement).toBeCloseTo(0.75, 12);
    expect(c.label_agreement).toBe(1);
    expect(c.mismatches_total).toBe(1);
    expect(c.mismatches.map((m) => m.id)).toEqual(["synthetic_seq_2_chunk_1R1"]);
    expect(c.mismatches[0]!.reference_virus).toBeCloseTo(0.4498659, 12);
    expect(c.mismatches[0]!.run_virus).toBeCloseTo(0.44987940788269043, 12);
  });

  it("reads the run's model from pipeline_state.json; the vanilla model is unknown: no match claimed", async () => {
    const r = await report();
    const [run] = r.runs;
    expect([run!.model, run!.expected_length, run!.model_source, run!.status]).toEqual(["500_model.pth", 500, "pipeline_state", "no_log"]);
    const c = r.correctness.find((x) => x.level === "consensus")!;
    expect([c.model_match, c.run_model, c.run_expected_length, c.reference_model, c.reference_expected_length]).toEqual([null, "500_model.pth", 500, null, null]);
    expect(r.warnings.find((w) => w.code === "model_unknown")!.message).toContain("model of reference unknown");
    // no console log, but the outputs cover every reference ID: judged on them; the reference's model is
    // unknown, so a passing agreement is inconclusive (never a clean pass)
    const agreement = r.criteria.find((x) => x.id === "consensus_agreement")!;
    expect(c.missing).toBe(0);
    expect(agreement.status).toBe("inconclusive");
    expect(agreement.per_run![0]!.reason).toBe("model of reference unknown");
  });

  it("a reference declared as 300_model.pth / 300 is a model mismatch", async () => {
    const r = await report({reference: "  model: 300_model.pth\n  expected_length: 300\n"});
    const c = r.correctness.find((x) => x.level === "consensus")!;
    expect([c.model_match, c.reference_model, c.reference_expected_length]).toEqual([false, "300_model.pth", 300]);
    expect(r.correctness.find((x) => x.level === "per_frame")!.model_match).toBe(false);
    const w = r.warnings.find((x) => x.code === "model_mismatch")!;
    expect(w.message).toBe("model mismatch: run 500_model.pth (500 bp) vs reference 300_model.pth (300 bp, from study.yaml:7)");
    // the run's evidence: model_path in its pipeline_state.json
    expect(w.file).toBe(path.join(FIXTURES, "test_with_orfs_refactored/.checkpoints/pipeline_state.json"));
    expect(w.line).toBe(6);
  });

  it("a reference declared as 500_model.pth / 500 matches", async () => {
    const r = await report({reference: "  model: 500_model.pth\n  expected_length: 500\n"});
    expect(r.correctness.map((c) => c.model_match)).toEqual([true, true]);
    expect(r.warnings.some((w) => w.code === "model_mismatch" || w.code === "model_unknown")).toBe(false);
  });
});

describe("refactored vs vanilla (test_fixed_500bp)", () => {
  it("derived maxima are taken per score column: others from frame R3, virus from frame R1", async () => {
    const r = await report({pair: "test_fixed_500bp"});
    const c = r.correctness.find((x) => x.level === "consensus")!;
    expect(c.derived_consensus).toEqual({run: false, reference: true});
    expect([c.compared, c.missing, c.extra, c.label_mismatches]).toEqual([2, 0, 0, 0]);
    // seq1: others max(0.002076708, 0.21817714) = 0.21817714 (R3) vs 0.2181767076253891 -> 4.323746e-7;
    //       virus max(0.9979233, 0.7818229) = 0.9979233 (R1) vs 0.9979233145713806 -> 1.457e-8
    // seq2: others 0.22702886 vs 0.2270286232233047 -> 2.367767e-7; virus 0.9199237 vs 0.919924020767212 -> 3.207672e-7
    expect(c.score_diff.max).toBeCloseTo(4.323746e-7, 12);
    expect(c.score_diff.mean).toBeCloseTo(3.765709e-7, 12); // (4.323746e-7 + 3.207672e-7) / 2
    expect(c.run_model).toBe("500_model.pth");
  });
});
