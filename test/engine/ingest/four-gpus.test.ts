/**
 * A generated 1/2/4-GPU study through real ingest: scaling pairs from the lowest-GPU complete run, and,
 * with the 1-GPU run left out of a second study over the same files, scaling from 2 to 4 GPUs, where
 * N = gpus(to) / gpus(from) = 2 (not 4). Expected figures are recomputed from the console summaries.
 */
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {parse, stringify} from "yaml";
import {openDatabase} from "../../../engine/db/duckdb.ts";
import {STAGE_NAMES} from "../../../loaders/virnucpro/pipeline.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {buildReport} from "../../../engine/report/report.ts";
import type {Report} from "../../../engine/report/types.ts";
import {phase10Plan, writeStudy, type StudyPlan} from "../../../loaders/virnucpro/example/generate.ts";
import {readSummary, type RawSummary} from "../../helpers/raw.ts";

const stages = (values: number[]) => Object.fromEntries(STAGE_NAMES.map((s, i) => [s.name, values[i]!]));

/** Phase 10's 2-GPU run, a 1-GPU run with the 300 model and a 4-GPU run; small outputs. */
function plan(): StudyPlan {
  const p = phase10Plan({perFrameRows: 300});
  const two = p.runs.find((r) => r.id === "2gpu")!;
  return {
    ...p,
    release: "v-4gpu",
    runs: [
      {...two, id: "1gpu", gpus: 1, label: "1x RTX 4090", workers: undefined, ioWarnings: 5, startLocal: "2026-02-08 18:33:07", stages: stages([7.12, 8.38, 3.31, 3.09, 501.87, 2591.13, 34.71, 37.42, 13.59])},
      two,
      {...two, id: "4gpu", gpus: 4, label: "4x RTX 4090", workers: undefined, ioWarnings: 5, startLocal: "2026-02-10 09:00:00", stages: stages([7.34, 8.52, 5.11, 4.87, 530.2, 776.45, 48.3, 40.12, 13.7])}
    ]
  };
}

let tmp: string;
let all: Report;
let twoToFour: Report;
const summary: Record<string, RawSummary> = {};

async function reportOf(studyFile: string, dbName: string): Promise<Report> {
  const {dbFile, study} = await ingestStudy(studyFile, {dbFile: path.join(tmp, dbName)});
  const db = await openDatabase(dbFile, {readOnly: true});
  try {
    return await buildReport(db.connection, {criteria: study.criteria});
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "bb-four-gpus-"));
  const dir = path.join(tmp, "study");
  const {studyFile} = await writeStudy(dir, plan());
  for (const id of ["1gpu", "2gpu", "4gpu"]) summary[id] = await readSummary(path.join(dir, "runs", id, "console.log"));
  all = await reportOf(studyFile, "all.duckdb");
  // the same files, without the 1-GPU run: the lowest-GPU run is now the 2-GPU one
  const study = parse(await readFile(studyFile, "utf8")) as {release: string; runs: Array<{id: string}>};
  const without = path.join(dir, "two-to-four.yaml");
  await writeFile(without, stringify({...study, release: "v-2to4", runs: study.runs.filter((r) => r.id !== "1gpu")}));
  twoToFour = await reportOf(without, "two-to-four.duckdb");
}, 120_000);

afterAll(async () => {
  if (tmp) await rm(tmp, {recursive: true, force: true});
});

/** The figures of a pair, worked out from the two runs' console summaries. */
function expected(from: string, to: string, gpus: {from: number; to: number}) {
  const a = summary[from]!;
  const b = summary[to]!;
  const n = gpus.to / gpus.from;
  const speedup = a.total / b.total;
  const f = a.gpu / a.total;
  return {n, speedup, efficiency: speedup / n, f, ceiling: 1 / (1 - f + f / n), karpFlatt: (1 / speedup - 1 / n) / (1 - 1 / n)};
}

function expectPair(report: Report, from: string, to: string, gpus: {from: number; to: number}) {
  const s = report.scaling.find((x) => x.from === from && x.to === to);
  expect(s, `${from} -> ${to}`).toBeDefined();
  const e = expected(from, to, gpus);
  expect([s!.from_gpus, s!.gpus, s!.n]).toEqual([gpus.from, gpus.to, e.n]);
  expect([s!.from_seconds, s!.to_seconds]).toEqual([summary[from]!.total, summary[to]!.total]);
  expect(s!.speedup).toBeCloseTo(e.speedup, 10);
  expect(s!.efficiency).toBeCloseTo(e.efficiency, 10);
  expect(s!.amdahl.gpu_fraction).toBeCloseTo(e.f, 10);
  expect(s!.amdahl.ceiling).toBeCloseTo(e.ceiling, 10);
  expect(s!.amdahl.karp_flatt).toBeCloseTo(e.karpFlatt, 10);
  return s!;
}

describe("a 1/2/4-GPU study", () => {
  it("every run is complete and timed from its summary", () => {
    expect(all.runs.map((r) => [r.id, r.gpus, r.status, r.total_seconds])).toEqual(["1gpu", "2gpu", "4gpu"].map((id, i) => [id, 2 ** i, "complete", summary[id]!.total]));
  });

  it("scales from the 1-GPU run to each larger run: N = 2 and N = 4", () => {
    expect(all.scaling.map((s) => [s.from, s.to])).toEqual([
      ["1gpu", "2gpu"],
      ["1gpu", "4gpu"]
    ]);
    expectPair(all, "1gpu", "2gpu", {from: 1, to: 2});
    expectPair(all, "1gpu", "4gpu", {from: 1, to: 4});
  });

  it("the headline of scaling and baseline criteria is the 4-GPU run", () => {
    const scaling = all.criteria.find((c) => c.id === "scaling")!;
    expect(scaling.value).toBeCloseTo(summary["1gpu"]!.total / summary["4gpu"]!.total, 10);
    expect(all.baseline!.run).toBe("4gpu");
    expect(all.baseline!.speedup).toBeCloseTo(12600 / summary["4gpu"]!.total, 10);
  });
});

describe("the same study without its 1-GPU run: scaling from 2 to 4 GPUs", () => {
  it("N = 4 / 2 = 2; speedup, efficiency, Amdahl ceiling (GPU share of the 2-GPU run) and Karp-Flatt use it", () => {
    expect(twoToFour.scaling).toHaveLength(1);
    const s = expectPair(twoToFour, "2gpu", "4gpu", {from: 2, to: 4});
    expect(s.n).toBe(2);
    // with N = 4 the efficiency would be half of this
    expect(s.efficiency).toBeGreaterThan(0.5);
  });

  it("per-stage efficiency divides by the same N", () => {
    const s = twoToFour.scaling[0]!;
    for (const [name, from] of summary["2gpu"]!.stages) {
      const to = summary["4gpu"]!.stages.find(([x]) => x === name)![1];
      const st = s.stages.find((x) => x.name === name)!;
      expect(st.speedup, name).toBeCloseTo(from / to, 10);
      expect(st.efficiency, name).toBeCloseTo(from / to / 2, 10);
    }
  });

  it("a scaling criterion on the 4-GPU run reads the 2 -> 4 pair", () => {
    const c = twoToFour.criteria.find((x) => x.id === "scaling")!;
    const e = expected("2gpu", "4gpu", {from: 2, to: 4});
    expect(c.value).toBeCloseTo(e.speedup, 10);
    expect(c.status).toBe(e.speedup >= 1.9 ? "pass" : "fail");
    expect(c.formula).toBe(`T(2gpu) / T(4gpu) = ${summary["2gpu"]!.total} / ${summary["4gpu"]!.total}`);
  });
});
