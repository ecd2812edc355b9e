/**
 * Where an execution's files go.
 *
 * Run folder: the run's `cwd` when the study gives one, else `<study folder>/runs/<run id>`. The command
 * runs there, and benchbook keeps there what it writes itself:
 *
 *   <run folder>/run.json              manifest of the execution the study's paths show
 *   <study log>  (default <run folder>/console.log)
 *   <study gpu_samples> (default <run folder>/gpu_samples.csv)
 *   <run folder>/executions/<k>/       only with --repeat N > 1, one per execution k = 1..N:
 *       run.json, console.log, gpu_samples.csv, outputs/ (when the command uses {outputs})
 *
 * With one execution everything is written straight to the study's paths. With N > 1 every execution
 * writes into its own folder, and afterwards the representative one (median pipeline total among the
 * succeeded executions, else the last) is copied to the study's paths, so plain `benchbook ingest`
 * reads the same files either way.
 *
 * Placeholders in command arguments, replaced per execution: `{outputs}` (the execution's outputs folder:
 * the study's `outputs`, or `executions/<k>/outputs` with repeats), `{repeat}` (k), `{run}` (run id),
 * `{run_folder}`. Only these exact names are replaced; other braces are left alone.
 */
import {lstat, mkdir, rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {InputError} from "../../engine/errors.ts";
import {resolveStudyPath, type RunSpec, type Study} from "../../engine/study.ts";

export interface RunPaths {
  folder: string;
  cwd: string;
  log: string;
  gpuSamples: string;
  manifest: string;
  outputs: string | null;
  executions: string;
}

export interface ExecutionPaths {
  repeat: number;
  folder: string;
  log: string;
  gpuSamples: string;
  manifest: string;
  /** where `{outputs}` points for this execution (null when the run declares no outputs) */
  outputs: string | null;
}

type StudyPlace = Pick<Study, "dir" | "file">;

export function runPaths(study: StudyPlace, run: RunSpec): RunPaths {
  const field = (key: string) => `runs.${run.id}.${key}`;
  const folder = run.cwd ? resolveStudyPath(study, run.cwd, field("cwd")) : path.join(study.dir, "runs", run.id);
  return {
    folder,
    cwd: folder,
    log: run.log ? resolveStudyPath(study, run.log, field("log")) : path.join(folder, "console.log"),
    gpuSamples: run.gpu_samples ? resolveStudyPath(study, run.gpu_samples, field("gpu_samples")) : path.join(folder, "gpu_samples.csv"),
    manifest: path.join(folder, "run.json"),
    outputs: run.outputs ? resolveStudyPath(study, run.outputs, field("outputs")) : null,
    executions: path.join(folder, "executions")
  };
}

export function executionPaths(paths: RunPaths, repeat: number, repeats: number): ExecutionPaths {
  if (repeats === 1) {
    return {repeat, folder: paths.folder, log: paths.log, gpuSamples: paths.gpuSamples, manifest: paths.manifest, outputs: paths.outputs};
  }
  const folder = path.join(paths.executions, String(repeat));
  return {
    repeat,
    folder,
    log: path.join(folder, "console.log"),
    gpuSamples: path.join(folder, "gpu_samples.csv"),
    manifest: path.join(folder, "run.json"),
    outputs: paths.outputs === null ? null : path.join(folder, "outputs")
  };
}

const PLACEHOLDER = /\{(outputs|repeat|run|run_folder)\}/g;

export function usesPlaceholder(command: readonly string[], name: "outputs" | "repeat" | "run" | "run_folder"): boolean {
  return command.some((a) => a.includes(`{${name}}`));
}

export function fillCommand(
  study: StudyPlace,
  run: RunSpec,
  command: readonly string[],
  values: {outputs: string | null; repeat: number; runFolder: string}
): string[] {
  return command.map((arg) =>
    arg.replace(PLACEHOLDER, (_, name: string) => {
      switch (name) {
        case "outputs":
          if (values.outputs === null) {
            throw new InputError(`runs.${run.id}.command uses {outputs} but the run declares no 'outputs'`, {
              file: study.file,
              expected: "an 'outputs' folder for the run"
            });
          }
          return values.outputs;
        case "repeat":
          return String(values.repeat);
        case "run":
          return run.id;
        default:
          return values.runFolder;
      }
    })
  );
}

/**
 * Marks a folder benchbook made: `executions/` may sit in a user's own `cwd` (/tmp/victim), and only a
 * folder holding this marker is ever removed.
 */
export const EXECUTIONS_MARKER = ".benchbook-executions";

export async function clearExecutions(dir: string, repeats: number): Promise<void> {
  const info = await lstat(dir).catch(() => null);
  const ours = info?.isDirectory() && (await lstat(path.join(dir, EXECUTIONS_MARKER)).catch(() => null))?.isFile();
  if (info && !ours) {
    if (repeats === 1) return; // not ours and not needed: left exactly as it is
    throw new InputError("exists and was not made by benchbook; refusing to write executions into it or to remove it", {file: dir, expected: "a run folder (cwd) without a foreign 'executions' entry, or that entry moved away"});
  }
  if (ours) await rm(dir, {recursive: true, force: true});
}

/** Made (and marked) when a run's first execution needs it, not before. */
export async function makeExecutions(dir: string): Promise<void> {
  await mkdir(dir, {recursive: true});
  await writeFile(path.join(dir, EXECUTIONS_MARKER), "made by `benchbook run --repeat`; removed and remade by the next one\n");
}
