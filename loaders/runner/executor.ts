/**
 * What differs between running on this machine and running on a cluster, and nothing else: an executor
 * takes the planned executions (in interleaved order, paths and commands already decided by run.ts) and
 * brings each to a final run.json. Layout, manifests, statuses, repeats, the representative execution
 * and ingest stay in run.ts and are the same for every executor.
 */
import type {RunSpec, Study} from "../../engine/study.ts";
import {BENCHBOOK_VERSION} from "../../engine/version.ts";
import type {Display} from "./display.ts";
import type {ExecutionPaths, RunPaths} from "./layout.ts";
import type {ExecutionStatus, RunManifest} from "./manifest.ts";

export interface Execution {
  study: Study;
  run: RunSpec & {command: string[]};
  paths: RunPaths;
  /** where this execution's own files go */
  ep: ExecutionPaths;
  repeat: number;
  repeats: number;
  /** the command with placeholders filled in */
  argv: string[];
  /** the folder whose prediction files decide "succeeded" (null: the run declares no outputs) */
  outputsDir: string | null;
  /** `time_1gpu` or `time_1gpu [2/5]` */
  label: string;
}

export interface ExecutionResult {
  runId: string;
  gpus: number;
  repeat: number;
  repeats: number;
  status: Exclude<ExecutionStatus, "running">;
  reason: string | null;
  exitCode: number | null;
  signal: string | null;
  startedAt: string;
  endedAt: string;
  wallSeconds: number;
  /** the pipeline summary's `Total wall time`, when it printed one */
  totalSeconds: number | null;
  manifestFile: string;
  logFile: string;
  outputsDir: string | null;
  gpuSamplesFile: string | null;
}

export interface ExecutorContext {
  timeoutSeconds: number;
  display: Display;
  signal?: AbortSignal;
}

export interface ExecutorOutcome {
  /** finished executions, in the order they were planned */
  results: ExecutionResult[];
  /** stopped by the user: not every planned execution ran */
  interrupted: boolean;
  /** submitted and not waited for (`--no-wait`): `benchbook collect` records them later */
  pending: boolean;
}

export interface Executor {
  execute(executions: Execution[], context: ExecutorContext): Promise<ExecutorOutcome>;
}

export type StaticManifest = Omit<
  RunManifest,
  "started_at" | "ended_at" | "wall_seconds" | "status" | "reason" | "exit_code" | "signal" | "killed" | "leftover_processes" | "total_seconds" | "outputs" | "gpu_samples" | "host" | "python" | "nvidia" | "cuda_visible_devices"
>;

/** The manifest fields every executor knows before the command starts. */
export function staticManifest(e: Execution, timeoutSeconds: number, inputs: RunManifest["inputs"]): StaticManifest {
  return {
    manifest_version: 1,
    benchbook_version: BENCHBOOK_VERSION,
    study_file: e.study.file,
    release: e.study.release,
    run_id: e.run.id,
    gpus: e.run.gpus,
    repeat: e.repeat,
    repeats: e.repeats,
    command: e.argv,
    command_template: e.run.command,
    cwd: e.paths.cwd,
    env: e.run.env ?? {},
    timeout_seconds: timeoutSeconds,
    log_file: e.ep.log,
    node_version: process.version,
    inputs
  };
}

/** The result of a finished execution, from its final manifest. */
export function resultFromManifest(e: Execution, m: RunManifest): ExecutionResult {
  if (m.status === "running") throw new Error(`${e.ep.manifest}: execution not finished`);
  return {
    runId: e.run.id,
    gpus: e.run.gpus,
    repeat: e.repeat,
    repeats: e.repeats,
    status: m.status,
    reason: m.reason,
    exitCode: m.exit_code,
    signal: m.signal,
    startedAt: m.started_at,
    endedAt: m.ended_at ?? m.started_at,
    wallSeconds: m.wall_seconds ?? 0,
    totalSeconds: m.total_seconds,
    manifestFile: e.ep.manifest,
    logFile: e.ep.log,
    outputsDir: e.outputsDir,
    gpuSamplesFile: m.gpu_samples ? m.gpu_samples.file : null
  };
}
