/**
 * `benchbook check` as a CI job runs it: a child process (`node bin/benchbook.js check <study>`), judged
 * by its exit code. 0 only when every criterion passes; 1 when any does not (fail, no data, invalid);
 * 2 when the input is unusable, with the file named. The studies point at the example's artifacts by
 * absolute path, so their databases land in the temp folder, never in the checkout.
 */
import {mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {execa} from "execa";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {parse, stringify} from "yaml";
import {REPO} from "../helpers/tmp.ts";

const EXAMPLE = path.join(REPO, "data", "example", "study.yaml");
const BIN = path.join(REPO, "bin", "benchbook.js");

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "bb-check-"));
});

afterAll(async () => {
  if (tmp) await rm(tmp, {recursive: true, force: true});
});

const check = (...args: string[]) => execa("node", [BIN, "check", ...args], {cwd: tmp, reject: false, env: {NO_COLOR: "1"}});

interface Criterion {
  id: string;
  label: string;
  metric: string;
  comparison: string;
  target: number;
  run?: string;
}

/** The example study with absolute artifact paths and the given criteria, in its own temp folder. */
async function exampleWith(name: string, criteria: Criterion[], edit: (study: Record<string, unknown>) => void = () => {}): Promise<string> {
  const study = parse(await readFile(EXAMPLE, "utf8")) as Record<string, any>;
  const abs = (p: string) => path.join(path.dirname(EXAMPLE), p);
  for (const run of study.runs) for (const key of ["log", "outputs", "gpu_metrics", "worker_logs"]) run[key] = abs(run[key]);
  study.reference.outputs = abs(study.reference.outputs);
  study.reference.log = abs(study.reference.log);
  study.criteria = criteria;
  edit(study);
  const file = path.join(tmp, name, "study.yaml");
  await mkdir(path.dirname(file), {recursive: true});
  await writeFile(file, stringify(study));
  return file;
}

// the example's 2-GPU total is 2025.0 s and its baseline speedup 12600 / 2025.0 = 6.22x
const T2_LE: Criterion = {id: "t2_on_target", label: "2-GPU total <= 2025 s", metric: "run.total_seconds", comparison: "<=", target: 2025, run: "gpus=2"};
const T2_LT: Criterion = {...T2_LE, id: "t2_below_target", label: "2-GPU total < 2025 s", comparison: "<"};
const T1: Criterion = {id: "t1", label: "1-GPU total < 1 h", metric: "run.total_seconds", comparison: "<", target: 3600, run: "gpus=1"};
const BASELINE: Criterion = {id: "baseline", label: "baseline speedup >= 4x", metric: "baseline.speedup", comparison: ">=", target: 4};

describe("benchbook check, run as a user runs it", () => {
  it("exits 0 when every criterion passes, one of them exactly on its <= target", async () => {
    const r = await check(await exampleWith("pass", [T1, T2_LE, BASELINE]));
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^PASS\s+t2_on_target\s/m);
    expect(r.stdout).toContain("OVERALL: 3 of 3 CRITERIA MET");
    expect(r.exitCode).toBe(0);
  }, 60_000);

  it("exits 1 when one criterion fails and the others pass (a value exactly on a < target fails)", async () => {
    const r = await check(await exampleWith("one-fails", [T1, T2_LT, BASELINE]));
    expect(r.stdout).toMatch(/^FAIL\s+t2_below_target\s/m);
    expect(r.stdout).toContain("OVERALL: 2 of 3 CRITERIA MET");
    expect(r.exitCode).toBe(1);
  }, 60_000);

  it("exits 1 when a criterion has no data, even if every other one passes", async () => {
    const r = await check(await exampleWith("no-data", [T1, BASELINE, {...T1, id: "t4", run: "gpus=4"}]));
    expect(r.stdout).toMatch(/^NO DATA\s+t4\s/m);
    expect(r.stdout).toContain("OVERALL: 2 of 3 CRITERIA MET");
    expect(r.exitCode).toBe(1);
  }, 60_000);

  it("exits 1 on the example study itself (default criteria: 2 of 7 met)", async () => {
    const r = await check(EXAMPLE, "--db", path.join(tmp, "example.duckdb"));
    expect(r.stdout).toContain("OVERALL: 2 of 7 CRITERIA MET");
    expect(r.exitCode).toBe(1);
  }, 60_000);

  it("exits 2 on unusable input, naming the study file: an unknown metric, a bad field, a missing file", async () => {
    const unknown = await exampleWith("unknown-metric", [{...T1, metric: "run.total_minutes"}]);
    const bad = await exampleWith("bad-field", [T1], (s) => ((s.runs as Array<Record<string, unknown>>)[0]!.gpus = "zero"));
    for (const file of [unknown, bad, path.join(tmp, "missing", "study.yaml")]) {
      const r = await check(file);
      expect(r.stderr, file).toContain(file);
      expect(r.exitCode, `${file}: ${r.stderr}`).toBe(2);
    }
    // a usage error (an option check does not take) is unusable input too
    const usage = await check(EXAMPLE, "--format", "json");
    expect(usage.stderr).toContain("--format");
    expect(usage.exitCode).toBe(2);
  }, 120_000);
});
