/**
 * The adapter seam: a second pipeline, defined here in the test, goes through the real engine (ingest,
 * metric SQL, criteria, report) without any change to engine/. Its stage names, GPU-stage roles and
 * default criteria are its own; nothing of VirNucPro's (stage names, scale, targets) may leak into its report. (Field names such as
 * esm_only_ceiling keep their historical JSON names: they mean "the primary GPU stage".)
 */
import {readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {openDatabase} from "../../engine/db/duckdb.ts";
import {insertRows} from "../../engine/db/writer.ts";
import type {PipelineAdapter} from "../../engine/ingest/adapter.ts";
import {ingestStudy} from "../../engine/ingest/ingest.ts";
import {buildReport} from "../../engine/report/report.ts";
import {InputError} from "../../engine/errors.ts";
import {resolveStudyPath} from "../../engine/study.ts";
import {adapters} from "../../loaders/index.ts";
import {useTmp} from "../helpers/tmp.ts";

const tmp = useTmp();

/** A toy pipeline: one `stage,seconds,gpu` CSV per run, nothing else. */
const toy: PipelineAdapter = {
  name: "toy",
  profile: {primaryGpuStage: "embed", gpuWindowStage: "embed", secondaryGpuStage: null, loggedPackingScale: null},
  defaultCriteria: [
    {id: "toy_time", label: "4-GPU run under 100 s", metric: "run.total_seconds", comparison: "<", target: 100, run: "gpus=4"},
    {id: "toy_scaling", label: "scaling >= 3x", metric: "scaling.speedup", comparison: ">=", target: 3}
  ],
  async ingestRun(context, run, ord) {
    const file = resolveStudyPath(context.study, run.log!, `runs.${run.id}.log`);
    const rows = (await readFile(file, "utf8")).trim().split("\n").slice(1).map((line) => line.split(","));
    const stages = rows.map(([stage, seconds, gpu], i) => ({
      run_id: run.id, stage: stage!, ord: i + 1, seconds: Number(seconds), summary_seconds: Number(seconds), completed_seconds: null,
      summary_pct: null, skipped: false, is_gpu: gpu === "yes", started_at: null, ended_at: null, extras: null
    }));
    const total = stages.reduce((sum, s) => sum + s.seconds, 0);
    await insertRows(context.connection, "stages", stages);
    await insertRows(context.connection, "runs", [{run_id: run.id, ord, role: "run", label: null, gpus: run.gpus, status: "complete", outcome: "success", total_seconds: total, log_file: file}]);
  },
  async ingestReference() {
    throw new Error("the toy pipeline has no reference outputs");
  }
};

async function toyStudy(dir: string, pipeline = "toy"): Promise<string> {
  const timings: Record<string, string> = {
    // prep and write stay serial; embed scales with the GPUs
    "1gpu": "stage,seconds,gpu\nprep,10,no\nembed,80,yes\nwrite,10,no\n",
    "4gpu": "stage,seconds,gpu\nprep,10,no\nembed,20,yes\nwrite,10,no\n"
  };
  for (const [run, csv] of Object.entries(timings)) await writeFile(path.join(dir, `${run}.csv`), csv);
  const file = path.join(dir, "study.yaml");
  await writeFile(file, `release: t1\ntitle: toy\npipeline: ${pipeline}\nruns:\n  - {id: 1gpu, gpus: 1, log: 1gpu.csv}\n  - {id: 4gpu, gpus: 4, log: 4gpu.csv}\n`);
  return file;
}

describe("a second pipeline through the engine", () => {
  it("gets timing, scaling, Amdahl and its own default criteria from the engine's SQL", async () => {
    const dir = await tmp();
    const {dbFile} = await ingestStudy(await toyStudy(dir), {dbFile: path.join(dir, "t.duckdb"), adapters: {...adapters, toy}});
    const db = await openDatabase(dbFile, {readOnly: true});
    try {
      const report = await buildReport(db.connection);
      const [pair] = report.scaling;
      // T1 = 100 s, T4 = 40 s; f = 80 / 100 of the 1-GPU run, N = 4
      expect(pair).toMatchObject({from: "1gpu", to: "4gpu", n: 4, speedup: 2.5, efficiency: 0.625});
      expect(pair!.amdahl.ceiling).toBeCloseTo(1 / (0.2 + 0.8 / 4), 12);
      // the primary GPU stage is the toy's 'embed' (80 of 100 s): only-it-scales gives the same ceiling here
      expect(pair!.amdahl.esm_only_fraction).toBe(0.8);
      expect(pair!.amdahl.esm_only_ceiling).toBeCloseTo(pair!.amdahl.ceiling!, 12);
      expect(report.stage_roles).toEqual({primary_gpu: "embed", gpu_window: "embed", secondary_gpu: null});
      expect(report.criteria.map((c) => [c.id, c.status])).toEqual([
        ["toy_time", "pass"],
        ["toy_scaling", "fail"]
      ]);
      const leaks = JSON.stringify(report).match(/.{60}(ESM-2|DNABERT-S|virnucpro|Phase 10|4096).{40}/gi);
      expect(leaks).toBeNull();
    } finally {
      db.close();
    }
  });

  it("names the study file, the line and the known pipelines when the pipeline is unknown", async () => {
    const dir = await tmp();
    const error = await ingestStudy(await toyStudy(dir, "nextflow"), {dbFile: path.join(dir, "t.duckdb")}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).line).toBe(3);
    expect((error as InputError).message).toMatch(/unknown pipeline 'nextflow'.*one of: virnucpro/);
  });
});
