/**
 * The local executor: each execution in turn on this machine, its process group in the foreground,
 * the GPUs sampled by an nvidia-smi child, the log read back for the terminal while it grows.
 */
import {mkdir} from "node:fs/promises";
import {executeCommand} from "./execute.ts";
import {makeExecutions} from "./layout.ts";
import {resultFromManifest, staticManifest, type Execution, type ExecutionResult, type Executor, type ExecutorContext, type ExecutorOutcome} from "./executor.ts";
import {findExecutable, startGpuSampler} from "./gpu-sampler.ts";
import {commandInputs, hostInfo, nvidiaInfo, pythonInfo, writeManifest, type RunManifest} from "./manifest.ts";
import {checkOutputs} from "./outputs.ts";
import {formatElapsed, formatProgress, ProgressTracker} from "./progress.ts";
import {executionStatus} from "./status.ts";

export const DEFAULT_KILL_GRACE_SECONDS = 10;

export interface LocalExecutorOptions {
  /** between SIGTERM and SIGKILL when stopping a pipeline (default 10) */
  killGraceSeconds?: number;
  /** nvidia-smi sampling interval (default 1000) */
  gpuSampleIntervalMs?: number;
  /** nvidia-smi to use; undefined: look it up on the run's PATH; null: no GPU sampling */
  nvidiaSmi?: string | null;
  /** redraw/print cadence of the progress line */
  progressIntervalMs?: number;
}

export function localExecutor(options: LocalExecutorOptions = {}): Executor {
  return {
    async execute(executions, context): Promise<ExecutorOutcome> {
      const results: ExecutionResult[] = [];
      for (const e of executions) {
        if (context.signal?.aborted) return {results, interrupted: true, pending: false};
        const result = await executeOnce(e, context, options);
        results.push(result);
        if (result.status === "interrupted") return {results, interrupted: true, pending: false};
      }
      return {results, interrupted: false, pending: false};
    }
  };
}

async function executeOnce(e: Execution, {timeoutSeconds, display, signal}: ExecutorContext, options: LocalExecutorOptions): Promise<ExecutionResult> {
  const {ep, paths, argv, label} = e;
  if (e.repeats > 1) await makeExecutions(paths.executions);
  await mkdir(ep.folder, {recursive: true});
  await mkdir(paths.cwd, {recursive: true});
  const env: Record<string, string | undefined> = {...process.env, ...e.run.env};
  const nvidiaSmi = options.nvidiaSmi === null ? null : (options.nvidiaSmi ?? (await findExecutable("nvidia-smi", env.PATH)));

  const [python, nvidia, inputs] = await Promise.all([
    pythonInfo(argv, env, paths.cwd),
    nvidiaSmi ? nvidiaInfo(nvidiaSmi, env) : Promise.resolve(null),
    commandInputs(argv, paths.cwd)
  ]);
  const manifest: RunManifest = {
    ...staticManifest(e, timeoutSeconds, inputs),
    cuda_visible_devices: env.CUDA_VISIBLE_DEVICES ?? null,
    started_at: new Date().toISOString(),
    ended_at: null,
    wall_seconds: null,
    status: "running",
    reason: null,
    exit_code: null,
    signal: null,
    killed: false,
    leftover_processes: 0,
    total_seconds: null,
    outputs: null,
    gpu_samples: null,
    host: hostInfo(),
    python,
    nvidia
  };
  await writeManifest(ep.manifest, manifest);

  display.message(`${label}: ${argv.map(quoteArg).join(" ")}`);
  const sampler = nvidiaSmi ? await startGpuSampler({nvidiaSmi, file: ep.gpuSamples, env, intervalMs: options.gpuSampleIntervalMs ?? 1000}) : null;
  const tracker = new ProgressTracker();
  const started = Date.now();
  const tick = setInterval(() => display.progress(formatProgress(label, tracker.state, Date.now() - started), false), options.progressIntervalMs ?? 1000);
  let outcome;
  try {
    outcome = await executeCommand({
      argv,
      cwd: paths.cwd,
      env,
      logFile: ep.log,
      timeoutMs: timeoutSeconds * 1000,
      killGraceMs: (options.killGraceSeconds ?? DEFAULT_KILL_GRACE_SECONDS) * 1000,
      signal,
      onOutput: (chunk) => {
        display.output(chunk);
        if (tracker.push(chunk)) display.progress(formatProgress(label, tracker.state, Date.now() - started), true);
      }
    });
  } finally {
    clearInterval(tick);
    tracker.end();
    display.close();
  }
  const samples = sampler ? await sampler.stop() : null;
  const cleanExit = outcome.end === "exited" && outcome.exitCode === 0 && outcome.signal === null;
  const outputs = cleanExit && e.outputsDir ? await checkOutputs(e.outputsDir, outcome.startedAt) : null;
  const {status, reason} = executionStatus(outcome, outputs, timeoutSeconds);
  const wallSeconds = (outcome.endedAt.getTime() - outcome.startedAt.getTime()) / 1000;
  Object.assign(manifest, {
    started_at: outcome.startedAt.toISOString(),
    ended_at: outcome.endedAt.toISOString(),
    wall_seconds: wallSeconds,
    status,
    reason,
    exit_code: outcome.exitCode,
    signal: outcome.signal,
    killed: outcome.killed,
    leftover_processes: outcome.leftoverProcesses,
    total_seconds: tracker.state.totalSeconds,
    outputs,
    gpu_samples: samples
  } satisfies Partial<RunManifest>);
  await writeManifest(ep.manifest, manifest);

  const total = tracker.state.totalSeconds === null ? "" : `, pipeline total ${tracker.state.totalSeconds.toFixed(1)} s`;
  display.message(`${label}: ${status.toUpperCase()} after ${formatElapsed(wallSeconds * 1000)}${total}${reason ? ` — ${reason}` : ""}`);
  if (samples?.error) display.message(`${label}: GPU sampler: ${samples.error}`);
  return resultFromManifest(e, manifest);
}

export function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
