/**
 * `pipeline: csv`: any pipeline whose runs leave a timings table, an outputs table and (optionally)
 * nvidia-smi samples, described by the study alone (study.ts). The adapter reads the tables with the
 * columns the study names and writes stages, runs and predictions; stage durations from timestamps, the
 * sum of stages and everything after are SQL.
 */
import {exists, readTextArtifact} from "../../engine/artifacts.ts";
import {sqlString} from "../../engine/db/duckdb.ts";
import {insertRows} from "../../engine/db/writer.ts";
import {isInputError} from "../../engine/errors.ts";
import type {IngestContext, PipelineAdapter, PipelineProfile} from "../../engine/ingest/adapter.ts";
import {checkInsideStudy, resolveStudyPath, type CriterionSpec, type RunSpec, type Study} from "../../engine/study.ts";
import {runPaths} from "../runner/layout.ts";
import {readManifest} from "../runner/manifest.ts";
import {ingestNvidiaSmiSamples} from "../nvidia-smi/ingest.ts";
import {CSV_RUN_FIELDS, CSV_STUDY_FIELDS, type CsvBlock} from "./study.ts";
import {parseTimings} from "./timings.ts";
import {loadOutputs} from "./outputs.ts";

type CsvStudy = Study & {csv: CsvBlock};
type CsvRun = RunSpec & {timings?: string; model?: string};

const csvOf = (study: Study) => (study as CsvStudy).csv;

export function csvProfile(study: Study): PipelineProfile {
  const c = csvOf(study);
  return {
    primaryGpuStage: c.gpu_stages[0] ?? null,
    gpuWindowStage: c.gpu_window ?? c.gpu_stages[0] ?? null,
    // the what-if figures ask about a second GPU stage scaled like the first: VirNucPro's question, not ours
    secondaryGpuStage: null,
    loggedPackingScale: null,
    // labels of its own, compared for equality (engine/metrics/correctness.ts v_predictions): no two classes
    classes: null,
    // nvidia-smi samples when the study gives them; no worker, batch or I/O-check logs
    families: ["gpu"],
    totalSource: "the timings table's total (else the runner's wall time, else the sum of stages)"
  };
}

/**
 * Only the targets the study can be judged on: scaling needs runs of different GPU counts, the baseline
 * a baseline, correctness a reference and an outputs block, GPU utilisation GPU samples and a GPU stage
 * with start/end timestamps (its window). A study with its own `criteria:` uses those instead.
 */
export function csvDefaultCriteria(study: Study): CriterionSpec[] {
  const c = csvOf(study);
  const out: CriterionSpec[] = [];
  if (new Set(study.runs.map((r) => r.gpus)).size > 1) {
    out.push({id: "scaling_efficiency", label: "Scaling efficiency >= 80 %", metric: "scaling.efficiency", comparison: ">=", target: 0.8});
  }
  if (study.baseline) out.push({id: "baseline_speedup", label: "Faster than the baseline", metric: "baseline.speedup", comparison: ">", target: 1});
  if (study.reference && c.outputs) {
    const levels = c.outputs.levels ? (["consensus", "per_frame"] as const).filter((l) => c.outputs!.levels![l]) : (["consensus"] as const);
    for (const level of levels) {
      out.push({id: `${level}_agreement`, label: `${level === "consensus" ? "Label" : "Per-frame label"} agreement with the reference >= 99 %`, metric: `correctness.${level}.label_agreement`, comparison: ">=", target: 0.99, run: "every"});
    }
  }
  const window = csvProfile(study).gpuWindowStage;
  const sampled = study.runs.filter((r) => r.gpu_samples);
  if (window && c.timings.start !== undefined && sampled.length) {
    // every run when every run was sampled; else the sampled runs one by one (an unsampled run is not a no_data target)
    const runs = sampled.length === study.runs.length ? ["every"] : sampled.map((r) => r.id);
    for (const run of runs) {
      const id = run === "every" ? "gpu_utilization" : `gpu_utilization_${run.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`;
      out.push({id, label: `GPU utilization during ${window} > 80 %${run === "every" ? "" : ` (${run})`}`, metric: "gpu.mean_utilization", comparison: ">", target: 0.8, run});
    }
  }
  return out;
}

export const csv: PipelineAdapter = {
  name: "csv",
  studyFields: CSV_STUDY_FIELDS,
  runFields: CSV_RUN_FIELDS,
  profile: csvProfile,
  defaultCriteria: csvDefaultCriteria,
  inputFiles: (study) => study.runs.flatMap((r) => ((r as CsvRun).timings ? [resolveStudyPath(study, (r as CsvRun).timings!, `runs.${r.id}.timings`)] : [])),

  async ingestRun(context, spec, ord) {
    const run = spec as CsvRun;
    const {study} = context;
    const block = csvOf(study);
    const row: Record<string, unknown> = {run_id: run.id, ord, role: "run", label: run.label ?? null, gpus: run.gpus, status: "no_log", outcome: null, command: run.command ? JSON.stringify(run.command) : null,
      model_path: run.model ?? null, model_source: run.model ? "study" : null};
    let totalKnown = false;
    if (run.timings) {
      const file = resolveStudyPath(study, run.timings, `runs.${run.id}.timings`);
      row.log_file = file;
      const timings = await guard(context, run.id, "timings", ["timing", "scaling", "gpu"], async () => {
        await checkInsideStudy(study, run.timings!, file, `runs.${run.id}.timings`);
        const artifact = await readTextArtifact(file, "timings table");
        context.artifact({run_id: run.id, kind: "timings", path: file, bytes: artifact.bytes, sha256: artifact.sha256, rows: null});
        return parseTimings(artifact.text, {file, columns: block.timings, delimiter: block.delimiter});
      });
      if (!timings) row.status = "broken";
      else {
        const unknown = block.gpu_stages.filter((g) => !timings.stages.some((s) => s.name === g));
        if (unknown.length) {
          context.finding({run_id: run.id, code: "gpu_stage_missing", severity: "warning", message: `the study's GPU stage${unknown.length > 1 ? "s" : ""} ${unknown.map((s) => `'${s}'`).join(", ")} not in this run's timings`, file, line: null, affects: ["timing", "scaling", "gpu"]});
        }
        await insertRows(
          context.connection,
          "stages",
          timings.stages.map((s, i) => ({
            run_id: run.id, stage: s.name, ord: i + 1, seconds: s.seconds, summary_seconds: s.seconds, completed_seconds: null, summary_pct: null,
            skipped: false, is_gpu: block.gpu_stages.includes(s.name), started_at: s.startedAt, ended_at: s.endedAt, extras: JSON.stringify({line: s.line})
          }))
        );
        // a duration from timestamps is the database's subtraction, like every other figure
        await context.connection.run(
          `UPDATE stages SET seconds = (epoch_ms(ended_at) - epoch_ms(started_at)) / 1000.0, summary_seconds = (epoch_ms(ended_at) - epoch_ms(started_at)) / 1000.0
           WHERE run_id = ${sqlString(run.id)} AND seconds IS NULL AND started_at IS NOT NULL AND ended_at IS NOT NULL`
        );
        Object.assign(row, {status: "complete", outcome: "success", total_seconds: timings.total?.seconds ?? null, first_at: timings.total?.startedAt ?? null, last_at: timings.total?.endedAt ?? null});
        totalKnown = true;
        const twin = study.runs.find((r) => r.id !== run.id && (r as CsvRun).timings && resolveStudyPath(study, (r as CsvRun).timings!, "timings") === file);
        if (twin) {
          // one table cannot time two configurations: any scaling between them would be made up
          row.status = "incomplete";
          context.finding({run_id: run.id, code: "duplicate_evidence", severity: "error", message: `runs ${run.id} and ${twin.id} read the same timings table`, file, line: null, affects: ["timing", "scaling", "baseline"]});
        }
      }
    }
    const manifest = await runnerManifest(context, run);
    if (manifest && manifest.status !== "succeeded") {
      // the runner saw the command fail: whatever tables it left are not a complete run
      Object.assign(row, {status: "failed", outcome: manifest.status});
      context.finding({run_id: run.id, code: "run_failed", severity: "error", message: `benchbook run: the command ${manifest.status}${manifest.reason ? ` (${manifest.reason})` : ""}`, file: manifest.file, line: null, affects: ["timing", "scaling", "correctness", "gpu"]});
    } else if (!run.timings && manifest) {
      Object.assign(row, {status: "complete", outcome: "success", total_seconds: manifest.wall_seconds});
      context.finding({run_id: run.id, code: "total_is_wall_time", severity: "info", message: "no timings table: the run's total is the wall time `benchbook run` measured (no stages)", file: manifest.file, line: null, affects: ["timing"]});
    } else if (!run.timings) {
      context.finding({run_id: run.id, code: "missing_artifact", severity: "warning", message: "the run names no timings table and `benchbook run` has not run it: timing and scaling have no data", file: study.file, line: null, affects: ["timing", "scaling"]});
    }
    await insertRows(context.connection, "runs", [row]);
    if (totalKnown) {
      // the total: the table's total row from its timestamps, else the sum of the stages (SQL)
      await context.connection.run(
        `UPDATE runs SET total_seconds = coalesce(total_seconds,
           CASE WHEN first_at IS NOT NULL AND last_at IS NOT NULL THEN (epoch_ms(last_at) - epoch_ms(first_at)) / 1000.0 END,
           (SELECT CASE WHEN count(*) = count(seconds) THEN list_sum(list(seconds ORDER BY ord)) END FROM stages WHERE run_id = ${sqlString(run.id)}))
         WHERE run_id = ${sqlString(run.id)}`
      );
    }
    await ingestNvidiaSmiSamples(context, run);
    if (run.outputs) await ingestOutputs(context, run.id, run.outputs, `runs.${run.id}.outputs`);
    else if (block.outputs && study.reference) {
      context.finding({run_id: run.id, code: "missing_artifact", severity: "warning", message: "the run names no outputs table: correctness has no data", file: study.file, line: null, affects: ["correctness"]});
    }
  },

  async ingestReference(context, reference, ord) {
    await insertRows(context.connection, "runs", [{run_id: "reference", ord, role: "reference", label: reference.label, gpus: null, status: "no_log", outputs_dir: resolveStudyPath(context.study, reference.outputs, "reference.outputs"),
      model_path: reference.model ?? null, model_source: reference.model ? "study" : null}]);
    await ingestOutputs(context, "reference", reference.outputs, "reference.outputs");
  }
};

async function ingestOutputs(context: IngestContext, source: string, given: string, field: string): Promise<void> {
  const {study} = context;
  const columns = csvOf(study).outputs;
  const file = resolveStudyPath(study, given, field);
  if (!columns) {
    context.finding({run_id: source, code: "outputs_unused", severity: "warning", message: `${field} is given but the study's csv: block has no outputs: columns (id, label, score): correctness not compared`, file: study.file, line: null, affects: ["correctness"]});
    return;
  }
  if (!(await exists(file))) {
    context.finding({run_id: source, code: "missing_artifact", severity: "error", message: "outputs table does not exist", file, line: null, affects: ["correctness"]});
    return;
  }
  await guard(context, source, "outputs", ["correctness"], async () => {
    await checkInsideStudy(study, given, file, field);
    const artifact = await readTextArtifact(file, "outputs table");
    const rows = await loadOutputs(context.connection, artifact.text, {file, source, columns, delimiter: csvOf(study).delimiter});
    context.artifact({run_id: source, kind: "outputs", path: file, bytes: artifact.bytes, sha256: artifact.sha256, rows});
  });
}

async function runnerManifest(context: IngestContext, run: RunSpec) {
  if (!run.command) return null;
  const file = runPaths(context.study, run).manifest;
  if (!(await exists(file))) return null;
  const manifest = await guard(context, run.id, "run manifest", ["timing"], () => readManifest(file));
  return manifest ? {...manifest, file} : null;
}

/** One artifact's ingest; an input error becomes a finding naming file and line, so other runs still load. */
async function guard<T>(context: IngestContext, runId: string, kind: string, affects: string[], work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    if (!isInputError(error)) throw error;
    context.finding({run_id: runId, code: "artifact_unreadable", severity: "error", message: `${kind}: ${error.message}`, file: error.file ?? null, line: error.line ?? null, affects});
    return null;
  }
}
