import {readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {InputError} from "../../../engine/errors.ts";
import {parsePipelineState} from "../../../loaders/virnucpro/pipeline-state.ts";
import {FIXTURES} from "../../helpers/tmp.ts";

const real = (name: string) => readFileSync(path.join(FIXTURES, name, ".checkpoints/pipeline_state.json"), "utf8");
const ORFS = real("test_with_orfs_refactored");
const FIXED = real("test_fixed_500bp_refactored");

const STAGES = ["CHUNKING", "TRANSLATION", "NUCLEOTIDE_SPLITTING", "PROTEIN_SPLITTING", "NUCLEOTIDE_FEATURES", "PROTEIN_FEATURES", "FEATURE_MERGING", "PREDICTION", "CONSENSUS"];

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("no InputError");
}

describe("parsePipelineState: the real files from the VirNucPro test data", () => {
  it("test_with_orfs_refactored: model, length, created_at and every stage in file order", () => {
    const s = parsePipelineState(ORFS, {file: "pipeline_state.json"});
    expect([s.createdAt, s.modelPath, s.expectedLength, s.configHash]).toEqual(["2026-01-22T17:32:57.741463", "500_model.pth", 500, "9ef5f4afba5b7382465e7f0cbd603da777b15581827556a2c99215383e7fee61"]);
    expect(s.stages.map((x) => x.stage)).toEqual(STAGES);
    expect(s.stages.every((x) => x.status === "completed")).toBe(true);
    const byName = Object.fromEntries(s.stages.map((x) => [x.stage, x]));
    expect(byName.NUCLEOTIDE_FEATURES!.durationSeconds).toBe(1.648274);
    expect(byName.PROTEIN_FEATURES!.durationSeconds).toBe(14.936694);
    expect(byName.CHUNKING).toEqual({stage: "CHUNKING", status: "completed", startedAt: "2026-01-22T17:32:57.741521", completedAt: "2026-01-22T17:32:57.746605", durationSeconds: 0.005088});
  });

  it("test_fixed_500bp_refactored: the same model, its own durations", () => {
    const s = parsePipelineState(FIXED, {file: "pipeline_state.json"});
    expect([s.modelPath, s.expectedLength]).toEqual(["500_model.pth", 500]);
    const byName = Object.fromEntries(s.stages.map((x) => [x.stage, x.durationSeconds]));
    expect([byName.NUCLEOTIDE_FEATURES, byName.PROTEIN_FEATURES]).toEqual([1.586705, 15.132767]);
  });
});

describe("parsePipelineState: tolerant of missing fields, strict about JSON", () => {
  it("missing or ill-typed fields read as null; a stage without status is 'unknown'", () => {
    const s = parsePipelineState(
      JSON.stringify({
        pipeline_config: {expected_length: "300", model_path: 3},
        stages: {CHUNKING: {status: "in_progress", started_at: "2026-01-22T17:32:57", duration_seconds: -1}, TRANSLATION: {}, PREDICTION: "done"}
      }),
      {file: "p.json"}
    );
    expect([s.createdAt, s.modelPath, s.expectedLength, s.configHash]).toEqual([null, null, null, null]);
    expect(s.stages).toEqual([
      {stage: "CHUNKING", status: "in_progress", startedAt: "2026-01-22T17:32:57", completedAt: null, durationSeconds: null},
      {stage: "TRANSLATION", status: "unknown", startedAt: null, completedAt: null, durationSeconds: null},
      {stage: "PREDICTION", status: "unknown", startedAt: null, completedAt: null, durationSeconds: null}
    ]);
  });

  it("an object without stages has none", () => {
    expect(parsePipelineState("{}", {file: "p.json"}).stages).toEqual([]);
  });

  it("a file cut while being saved is an InputError at the line where the JSON broke", () => {
    const lines = ORFS.split("\n");
    const cut = lines.slice(0, 20).join("\n") + "\n";
    const e = inputError(() => parsePipelineState(cut, {file: "out/.checkpoints/pipeline_state.json"}));
    expect(e.file).toBe("out/.checkpoints/pipeline_state.json");
    expect(e.line).toBe(20);
    expect(e.message).toMatch(/^out\/\.checkpoints\/pipeline_state\.json:20: not valid JSON .*\(expected a JSON object \{created_at, pipeline_config/);
  });

  it("a syntax error mid-file points at its line", () => {
    const broken = ORFS.replace('"expected_length": 500,', '"expected_length": 500,,');
    expect(inputError(() => parsePipelineState(broken, {file: "p.json"})).line).toBe(5);
  });

  it("JSON that is not an object is an InputError at line 1", () => {
    for (const text of ["[]", "null", "42", '"x"']) {
      expect(inputError(() => parsePipelineState(text, {file: "p.json"})).message).toMatch(/^p\.json:1: top level is /);
    }
  });
});
