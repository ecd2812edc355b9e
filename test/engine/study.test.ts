import {mkdir, symlink, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {InputError} from "../../engine/errors.ts";
import {checkInsideStudy, loadStudy, parseStudy, resolveStudyPath} from "../../engine/study.ts";
import {useTmp} from "../helpers/tmp.ts";

const valid = `release: v2.0
title: VirNucPro v2.0
pipeline: virnucpro
baseline:
  label: v1.0 on 2x RTX 4090
  total_seconds: 12600
reference:
  label: v1.0
  outputs: reference
runs:
  - id: 1gpu
    gpus: 1
    log: runs/1gpu/console.log
  - id: 2gpu
    gpus: 2
    outputs: runs/2gpu/out
`;

function errorOf(text: string): InputError {
  try {
    parseStudy(text, "/s/study.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected an InputError");
}

describe("study files", () => {
  it("parses a valid study with defaults and keeps its text", () => {
    const study = parseStudy(valid, "/s/study.yaml");
    expect(study.release).toBe("v2.0");
    expect(study.tolerance).toBe(0.01);
    expect(study.runs.map((r) => r.id)).toEqual(["1gpu", "2gpu"]);
    expect(study.dir).toBe("/s");
    expect(study.text).toBe(valid);
  });

  it("names a misspelt field, its line and the field it probably meant", () => {
    const e = errorOf(valid.replace("    log: runs/1gpu/console.log", "    logg: runs/1gpu/console.log"));
    expect(e.file).toBe("/s/study.yaml");
    expect(e.message).toContain("'logg' (did you mean 'log'?)");
    expect(e.line).toBe(13);
  });

  it("says what type was expected and what it got", () => {
    const e = errorOf(valid.replace("gpus: 2", "gpus: two"));
    expect(e.message).toContain("runs[1].gpus");
    expect(e.message).toContain("expected number");
    expect(e.message).toContain('"two"');
    expect(e.line).toBe(15);
  });

  it("reports a missing required field", () => {
    const e = errorOf(valid.replace("title: VirNucPro v2.0\n", ""));
    expect(e.message).toContain("field 'title'");
    expect(e.message).toContain("missing");
  });

  it("rejects duplicate run ids and pipeline names that cannot be one (unknown ones: test/engine/seam.test.ts)", () => {
    expect(errorOf(valid.replace("id: 2gpu", "id: 1gpu")).message).toContain("duplicate run id '1gpu'");
    expect(errorOf(valid.replace("pipeline: virnucpro", "pipeline: ../x")).message).toContain("field 'pipeline'");
  });

  it("reports YAML syntax errors with a line", () => {
    const e = errorOf("release: v2.0\ntitle: [unclosed\n");
    expect(e.message).toContain("invalid YAML");
    expect(e.line).toBeGreaterThan(0);
  });

  it("refuses relative paths that leave the study folder", () => {
    const e = errorOf(valid.replace("outputs: runs/2gpu/out", "outputs: ../../etc"));
    expect(e.message).toContain("leaves the study folder");
    expect(resolveStudyPath({dir: "/s", file: "/s/study.yaml"}, "/abs/out", "x")).toBe("/abs/out");
  });

  const tmp = useTmp();
  it("refuses a symlink inside the study folder that points outside it", async () => {
    const dir = await tmp();
    const outside = await tmp();
    await mkdir(path.join(dir, "runs"));
    await symlink(outside, path.join(dir, "runs", "out"));
    const study = {dir, file: path.join(dir, "study.yaml")};
    await expect(checkInsideStudy(study, "runs/out", path.join(dir, "runs", "out"), "runs.x.outputs")).rejects.toThrow(/outside the study folder/);
  });

  it("names the file when it does not exist", async () => {
    const dir = await tmp();
    await expect(loadStudy(path.join(dir, "nope.yaml"))).rejects.toThrow(/nope\.yaml: cannot read the study file/);
    await writeFile(path.join(dir, "s.yaml"), valid);
    expect((await loadStudy(path.join(dir, "s.yaml"))).file).toBe(path.join(dir, "s.yaml"));
  });
});
