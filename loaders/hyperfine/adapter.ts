/**
 * `pipeline: hyperfine`: runs timed by hyperfine. Every timed run of a command is one execution of the
 * study run that names it (the `executions` table), so repeats, medians, IQR and the bootstrap interval
 * come from real repeated timings. The run's total is the median of its succeeded executions (SQL); a
 * run with a failed execution is not complete, so it never takes part in a passing figure.
 */
import {exists, readTextArtifact} from "../../engine/artifacts.ts";
import {queryRows, sqlString} from "../../engine/db/duckdb.ts";
import {insertRows} from "../../engine/db/writer.ts";
import {InputError, isInputError} from "../../engine/errors.ts";
import type {IngestContext, PipelineAdapter} from "../../engine/ingest/adapter.ts";
import {EXECUTIONS_SQL} from "../../engine/ingest/executions.ts";
import {checkInsideStudy, resolveStudyPath, type CriterionSpec, type RunSpec, type Study} from "../../engine/study.ts";
import {ingestNvidiaSmiSamples} from "../nvidia-smi/ingest.ts";
import {parseHyperfineExport, type HyperfineResult} from "./export.ts";
import {HYPERFINE_RUN_FIELDS, HYPERFINE_STUDY_FIELDS, type HyperfineRunFields} from "./study.ts";

type HyperfineRun = RunSpec & HyperfineRunFields;

function exportOf(study: Study, run: HyperfineRun): {given: string; field: string} {
  if (run.export) return {given: run.export, field: `runs.${run.id}.export`};
  const given = (study as Study & {export?: string}).export;
  if (given) return {given, field: "export"};
  const line = study.text.split("\n").findIndex((l) => /^\s*-?\s*id\s*:\s*/.test(l) && l.includes(run.id)) + 1;
  throw new InputError(`run ${run.id}: no hyperfine export`, {file: study.file, line: line || undefined, expected: "export: <file from hyperfine --export-json> at the top of the study or on the run"});
}

export function hyperfineDefaultCriteria(study: Study): CriterionSpec[] {
  const out: CriterionSpec[] = [];
  if (new Set(study.runs.map((r) => r.gpus)).size > 1) {
    out.push({id: "scaling_efficiency", label: "Scaling efficiency >= 80 %", metric: "scaling.efficiency", comparison: ">=", target: 0.8});
  }
  if (study.baseline) out.push({id: "baseline_speedup", label: "Faster than the baseline", metric: "baseline.speedup", comparison: ">", target: 1});
  return out;
}

export const hyperfine: PipelineAdapter = {
  name: "hyperfine",
  studyFields: HYPERFINE_STUDY_FIELDS,
  runFields: HYPERFINE_RUN_FIELDS,
  // a command has no stages: no GPU stage, no window, no packing
  // wall times only: no GPU stage, no predictions, no worker or GPU logs
  profile: {primaryGpuStage: null, gpuWindowStage: null, secondaryGpuStage: null, loggedPackingScale: null, classes: null, families: [], totalSource: "the median of hyperfine's timed runs"},
  defaultCriteria: hyperfineDefaultCriteria,
  inputFiles: (study) => study.runs.map((r) => {
    const e = exportOf(study, r as HyperfineRun);
    return resolveStudyPath(study, e.given, e.field);
  }),

  async ingestRun(context, spec, ord) {
    const run = spec as HyperfineRun;
    const {study} = context;
    const {given, field} = exportOf(study, run);
    const file = resolveStudyPath(study, given, field);
    const name = run.benchmark ?? run.id;
    const row: Record<string, unknown> = {run_id: run.id, ord, role: "run", label: run.label ?? null, gpus: run.gpus, status: "no_log", outcome: null, command: JSON.stringify([name]), log_file: file};
    const result = await readResult(context, run, file, given, field, name);
    if (result) {
      await ensureExecutions(context);
      const n = result.times.length;
      await insertRows(
        context.connection,
        "executions",
        result.times.map((t, i) => {
          const code = result.exitCodes[i]!;
          return {
            run_id: run.id, ord, repeat: i + 1, repeats: n, gpus: run.gpus,
            status: code === 0 ? "succeeded" : "failed",
            reason: code === 0 ? null : code === null ? "hyperfine recorded no exit code" : `exit code ${code}`,
            exit_code: code, signal: null, started_at: null, ended_at: null,
            total_seconds: t, wall_seconds: t, representative: false, manifest_file: file,
            manifest: JSON.stringify({source: "hyperfine", command: result.command, result: result.index, run: i + 1, parameters: result.parameters})
          };
        })
      );
      const failed = result.exitCodes.filter((c) => c !== 0).length;
      if (failed) {
        Object.assign(row, {status: "failed", outcome: "completed_with_failures"});
        const unknown = result.exitCodes.every((c) => c === null);
        const why = unknown ? `the export has no exit codes for '${result.command}' (hyperfine before 1.12, or killed by a signal): success cannot be told` : `${failed} of ${n} timed runs of '${result.command}' did not exit 0 (hyperfine -i keeps going)`;
        context.finding({run_id: run.id, code: "executions_failed", severity: "error", message: `${why}: the run is not complete`, file, line: null, affects: ["timing", "scaling", "baseline"]});
      } else Object.assign(row, {status: "complete", outcome: "success"});
      const twin = study.runs.find((r) => r.id !== run.id && ((r as HyperfineRun).benchmark ?? r.id) === name && resolveStudyPath(study, exportOf(study, r as HyperfineRun).given, "export") === file);
      if (twin) {
        // one command's timings cannot be two configurations: any scaling between them would be made up
        Object.assign(row, {status: "incomplete"});
        context.finding({run_id: run.id, code: "duplicate_evidence", severity: "error", message: `runs ${run.id} and ${twin.id} both read command '${name}' of the same export`, file: study.file, line: null, affects: ["timing", "scaling", "baseline"]});
      }
    }
    await insertRows(context.connection, "runs", [row]);
    if (result) {
      // the run's total: the median of its succeeded executions, as execution_stats computes it
      await context.connection.run(
        `UPDATE runs SET total_seconds = (SELECT quantile_cont(total_seconds, 0.5) FROM executions WHERE run_id = ${sqlString(run.id)} AND status = 'succeeded')
         WHERE run_id = ${sqlString(run.id)}`
      );
    }
    await ingestNvidiaSmiSamples(context, run);
  },

  async ingestReference(context) {
    context.finding({run_id: "reference", code: "reference_unused", severity: "warning", message: "a hyperfine study has no outputs to compare: the reference is not read", file: context.study.file, line: null, affects: ["correctness"]});
  }
};

async function readResult(context: IngestContext, run: HyperfineRun, file: string, given: string, field: string, name: string): Promise<HyperfineResult | null> {
  try {
    if (!(await exists(file))) throw new InputError("hyperfine export does not exist", {file, expected: `the file named by ${field} in the study`});
    await checkInsideStudy(context.study, given, file, field);
    const artifact = await readTextArtifact(file, "hyperfine export");
    context.artifact({run_id: run.id, kind: "hyperfine_export", path: file, bytes: artifact.bytes, sha256: artifact.sha256, rows: null});
    const results = parseHyperfineExport(artifact.text, file);
    const matches = results.filter((r) => r.command === name);
    if (matches.length !== 1) {
      const known = results.map((r) => `'${r.command}'`).join(", ");
      throw new InputError(matches.length ? `${matches.length} commands named '${name}' in the export: cannot tell which is run ${run.id}` : `no command '${name}' in the export (run ${run.id}${run.benchmark ? "" : ", benchmark: defaults to the run id"})`, {
        file,
        expected: `benchmark: one of ${known} (name commands with hyperfine -n to keep them short)`
      });
    }
    return matches[0]!;
  } catch (error) {
    if (!isInputError(error)) throw error;
    context.finding({run_id: run.id, code: "artifact_unreadable", severity: "error", message: `hyperfine export: ${error.message}`, file: error.file ?? file, line: error.line ?? null, affects: ["timing", "scaling", "baseline"]});
    return null;
  }
}

async function ensureExecutions(context: IngestContext): Promise<void> {
  const [{n}] = await queryRows<{n: number}>(context.connection, "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'executions'");
  if (!n) await context.connection.run(EXECUTIONS_SQL);
}
