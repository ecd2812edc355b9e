/**
 * The adapter seam: a second pipeline, defined here in the test, goes through the real engine (ingest,
 * metric SQL, criteria, report, text) without any change to engine/. Its stage names, GPU-stage roles,
 * class names, default criteria, and a table and a view of its own are its own; nothing of VirNucPro's
 * (stage names, classes, scale, targets) may leak into its report. (amdahl.esm_only_* and the confusion
 * keys keep their first JSON names beside the role names: they mean "the primary GPU stage" and "the
 * positive/negative class".)
 */
import {readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {openDatabase} from "../../engine/db/duckdb.ts";
import {insertRows} from "../../engine/db/writer.ts";
import {pipelineViewRows, type PipelineAdapter} from "../../engine/ingest/adapter.ts";
import {VIEWS} from "../../engine/metrics/views.ts";
import {ingestStudy} from "../../engine/ingest/ingest.ts";
import {buildReport} from "../../engine/report/report.ts";
import {formatText} from "../../engine/render/text.ts";
import {InputError} from "../../engine/errors.ts";
import {resolveStudyPath} from "../../engine/study.ts";
import {adapters} from "../../loaders/index.ts";
import {useTmp} from "../helpers/tmp.ts";

const tmp = useTmp();

/**
 * A toy pipeline: one `stage,seconds,gpu` CSV per run, an `id,label,p_cat` predictions CSV beside it
 * (classes cat and dog), and a cache-hit line its own table and view keep.
 */
const toy: PipelineAdapter = {
  name: "toy",
  profile: {
    primaryGpuStage: "embed",
    gpuWindowStage: "embed",
    // a toy's what-if: the serial write stage scaled like embedding
    secondaryGpuStage: "write",
    loggedPackingScale: null,
    stageLabels: {embed: "Embedder", write: "Writer"},
    classes: {positive: "cat", negative: "dog"},
    families: []
  },
  defaultCriteria: [
    {id: "toy_time", label: "4-GPU run under 100 s", metric: "run.total_seconds", comparison: "<", target: 100, run: "gpus=4"},
    {id: "toy_scaling", label: "scaling >= 3x", metric: "scaling.speedup", comparison: ">=", target: 3},
    {id: "toy_agreement", label: "cat/dog agreement >= 99 %", metric: "correctness.consensus.label_agreement", comparison: ">=", target: 0.99, run: "every"},
    // a family the toy cannot fill: its sections are left out, the criterion still shows no_data
    {id: "toy_gpu", label: "GPU busy > 80 %", metric: "gpu.mean_utilization", comparison: ">", target: 0.8, run: "every"}
  ],
  schemaSql: "CREATE TABLE toy_cache (run_id VARCHAR NOT NULL, hits INTEGER, misses INTEGER);",
  views: [{name: "v_toy_hit_rate", sql: "CREATE OR REPLACE {TEMP} VIEW v_toy_hit_rate AS SELECT c.run_id, t.gpus, c.hits / (c.hits + c.misses) AS hit_rate FROM toy_cache c JOIN v_run_timing t USING (run_id)"}],
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
    await insertRows(context.connection, "toy_cache", [{run_id: run.id, hits: 3 * run.gpus, misses: 1}]);
    await toyPredictions(context, run.id, file.replace(/\.csv$/, ".pred"));
  },
  async ingestReference(context, reference, ord) {
    await insertRows(context.connection, "runs", [{run_id: "reference", ord, role: "reference", label: reference.label, status: "no_log"}]);
    await toyPredictions(context, "reference", resolveStudyPath(context.study, reference.outputs, "reference.outputs"));
  }
};

/** cat is the class the comparison counts first: the engine's two-class columns. */
async function toyPredictions(context: Parameters<PipelineAdapter["ingestRun"]>[0], source: string, file: string): Promise<void> {
  const rows = (await readFile(file, "utf8")).trim().split("\n").slice(1).map((line) => line.split(","));
  await insertRows(context.connection, "predictions_consensus", rows.map(([id, label, pCat]) => ({source, modified_id: id!, is_virus: label === "cat", max_score_others: 1 - Number(pCat), max_score_virus: Number(pCat)})));
}

async function toyStudy(dir: string, pipeline = "toy"): Promise<string> {
  const timings: Record<string, string> = {
    // prep and write stay serial; embed scales with the GPUs
    "1gpu": "stage,seconds,gpu\nprep,10,no\nembed,80,yes\nwrite,10,no\n",
    "4gpu": "stage,seconds,gpu\nprep,10,no\nembed,20,yes\nwrite,10,no\n"
  };
  for (const [run, csv] of Object.entries(timings)) await writeFile(path.join(dir, `${run}.csv`), csv);
  // the 4-GPU run calls a2 a dog
  const predictions: Record<string, string> = {
    "1gpu.pred": "id,label,p_cat\na1,cat,0.9\na2,cat,0.7\na3,dog,0.2\n",
    "4gpu.pred": "id,label,p_cat\na1,cat,0.9\na2,dog,0.4\na3,dog,0.2\n",
    "ref.pred": "id,label,p_cat\na1,cat,0.9\na2,cat,0.7\na3,dog,0.2\n"
  };
  for (const [name, csv] of Object.entries(predictions)) await writeFile(path.join(dir, name), csv);
  const file = path.join(dir, "study.yaml");
  await writeFile(file, `release: t1\ntitle: toy\npipeline: ${pipeline}\nreference: {label: gold, outputs: ref.pred}\nruns:\n  - {id: 1gpu, gpus: 1, log: 1gpu.csv}\n  - {id: 4gpu, gpus: 4, log: 4gpu.csv}\n`);
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
      expect(pair!.amdahl.primary_only_fraction).toBe(0.8);
      expect(report.stage_roles).toEqual({primary_gpu: "embed", gpu_window: "embed", secondary_gpu: "write"});
      expect(report.stage_labels).toEqual({primary_gpu: "Embedder", gpu_window: "Embedder", secondary_gpu: "Writer"});
      // the what-ifs in the toy's own stage names: 40 - 10 + 10 / (80 / 20) = 32.5 s
      expect(pair!.what_if.map((w) => [w.label, w.total_seconds])).toEqual([
        ["Writer scaled like Embedder", 32.5],
        ["Writer scaled 1.5x", 36.6666666667],
        ["Writer scaled ideally", 32.5]
      ]);
      expect(report.criteria.map((c) => [c.id, c.status])).toEqual([
        ["toy_time", "pass"],
        ["toy_scaling", "fail"],
        ["toy_agreement", "fail"],
        ["toy_gpu", "no_data"]
      ]);
      // its classes: the 4-GPU run called one cat a dog
      expect(report.classes).toEqual({positive: "cat", negative: "dog"});
      const four = report.correctness.find((c) => c.run === "4gpu")!;
      expect(four.confusion).toEqual({virus_virus: 1, virus_others: 1, others_virus: 0, others_others: 1});
      expect(four.mismatches.map((m) => [m.id, m.reference_label, m.run_label])).toEqual([["a2", "cat", "dog"]]);
      // its own view, installed from the database after the engine's, and its SQL among the report's
      expect(report.sql.v_toy_hit_rate).toContain("FROM toy_cache");
      const hits = await db.connection.runAndReadAll("SELECT run_id, gpus, hit_rate FROM v_toy_hit_rate ORDER BY gpus");
      expect(hits.getRowObjects()).toEqual([{run_id: "1gpu", gpus: 1, hit_rate: 0.75}, {run_id: "4gpu", gpus: 4, hit_rate: 12 / 13}]);

      const text = formatText(report);
      expect(text).toContain("Embedder-only ceiling");
      expect(text).toContain("Writer scaled like Embedder");
      expect(text).toMatch(/reference \\ run\s+cat\s+dog/);
      expect(text).toContain("Reference cat score");
      expect(text).toMatch(/toy_gpu.*NO DATA/i);
      // the run total in the toy's words when its profile gives none, not VirNucPro's log
      expect(report.criteria.find((c) => c.id === "toy_time")!.formula).toBe("the run's total wall time");
      // no sections of families the toy cannot fill (throughput, packing, GPU, I/O)
      expect(text).not.toMatch(/throughput|Packing|GPU utilization during|I\/O bottleneck/);
      const leaks = `${JSON.stringify({...report, sql: undefined})}\n${text}`.match(/.{0,60}(ESM-2|DNABERT-S|virnucpro|Phase 10|4096|PIPELINE SUMMARY|\bvirus\b|\bothers\b).{0,40}/gi);
      expect(leaks).toBeNull();
    } finally {
      db.close();
    }
  });

  it("re-ingests when the pipeline's own schema changes, and refuses views that hide or replace the engine's", async () => {
    const dir = await tmp();
    const study = await toyStudy(dir);
    const dbFile = path.join(dir, "t.duckdb");
    expect((await ingestStudy(study, {dbFile, adapters: {toy}})).ingested).toBe(true);
    expect((await ingestStudy(study, {dbFile, adapters: {toy}})).ingested).toBe(false);
    const wider: PipelineAdapter = {...toy, schemaSql: toy.schemaSql!.replace("misses INTEGER", "misses INTEGER, evictions INTEGER")};
    expect((await ingestStudy(study, {dbFile, adapters: {toy: wider}})).ingested).toBe(true);

    const names = VIEWS.map((v) => v.name);
    const withView = (name: string, sql: string): PipelineAdapter => ({...toy, views: [{name, sql}]});
    expect(() => pipelineViewRows(withView("v_scaling", "CREATE OR REPLACE {TEMP} VIEW v_scaling AS SELECT 1"), names)).toThrow(/one of the engine's views/);
    // without {TEMP} a report on a read-only database could not install it; a view must create what it names
    expect(() => pipelineViewRows(withView("v_toy", "CREATE OR REPLACE VIEW v_toy AS SELECT 1"), names)).toThrow(/start with 'CREATE OR REPLACE \{TEMP\} VIEW v_toy AS'/);
    expect(() => pipelineViewRows(withView("v_toy", "CREATE OR REPLACE {TEMP} VIEW v_scaling AS SELECT 1"), names)).toThrow(/v_toy/);
    expect(pipelineViewRows(withView("v_toy", "CREATE OR REPLACE {TEMP} VIEW v_toy AS SELECT 1"), names)).toEqual([{name: "v_toy", ord: 1, sql: "CREATE OR REPLACE {TEMP} VIEW v_toy AS SELECT 1"}]);
  });

  it("names the study file, the line and the known pipelines when the pipeline is unknown", async () => {
    const dir = await tmp();
    const error = await ingestStudy(await toyStudy(dir, "nextflow"), {dbFile: path.join(dir, "t.duckdb")}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).line).toBe(3);
    expect((error as InputError).message).toMatch(/unknown pipeline 'nextflow'.*one of: virnucpro/);
  });
});
