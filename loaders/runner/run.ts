/**
 * `benchbook run <study.yaml> [--run ID ...] [--repeat N] [--timeout SECONDS] [--executor local|slurm]
 * [--no-wait]`: execute the study's run commands (argument arrays, no shell), recording every execution
 * truthfully, then ingest. `benchbook collect <study.yaml>` finishes a `--no-wait` SLURM submission.
 *
 * Repeats are interleaved (1gpu, 2gpu, 1gpu, 2gpu, …) so slow drift of the machine (thermal state, other
 * tenants, page cache) spreads over every configuration instead of biasing the one that ran last.
 * See layout.ts for where each execution's files go, executor.ts for what an executor does.
 */
import {cp, rm, stat} from "node:fs/promises";
import {InputError} from "../../engine/errors.ts";
import {loadStudy, type RunSpec, type Study} from "../../engine/study.ts";
import {createDisplay, type Display} from "./display.ts";
import {DEFAULT_KILL_GRACE_SECONDS, localExecutor} from "./executor-local.ts";
import type {Execution, ExecutionResult, Executor} from "./executor.ts";
import {collectSlurm, slurmExecutor, slurmSettings, submissionFile, unfinishedJobs} from "./executor-slurm.ts";
import {clearExecutions, executionPaths, fillCommand, runPaths, usesPlaceholder, type RunPaths} from "./layout.ts";
import {readManifest, writeManifest} from "./manifest.ts";
import {bootstrapScaling, spread} from "../../engine/metrics/stats.ts";

export type {ExecutionResult} from "./executor.ts";
export {DEFAULT_KILL_GRACE_SECONDS} from "./executor-local.ts";

export const DEFAULT_TIMEOUT_SECONDS = 3600;

export interface RunStudyOptions {
  /** run ids to execute (default: every run with a command) */
  runs?: string[];
  repeat?: number;
  timeoutSeconds?: number;
  /** terminal output (default process.stdout) */
  stdout?: NodeJS.WritableStream;
  /** aborting stops the running pipeline's process group and records it as `interrupted` */
  signal?: AbortSignal;
  /** between SIGTERM and SIGKILL when stopping a pipeline (default 10) */
  killGraceSeconds?: number;
  /** nvidia-smi sampling interval (default 1000) */
  gpuSampleIntervalMs?: number;
  /** nvidia-smi to use; undefined: look it up on the run's PATH; null: no GPU sampling */
  nvidiaSmi?: string | null;
  /** redraw/print cadence of the progress line */
  progressIntervalMs?: number;
  /** when not on a TTY, a progress line at most this often besides stage changes (default 60 s) */
  plainProgressIntervalMs?: number;
  /** default: whether `stdout` is a TTY */
  tty?: boolean;
  /**
   * What ingests the runs once they ended; the command composes it in (commands/run.ts passes the engine's
   * ingestStudy), so the runner does not depend on the engine. Absent or false: no ingest.
   */
  ingest?: false | Ingest;
  /** where the runs execute (default: the study's `executor.kind`, else local) */
  executor?: "local" | "slurm";
  /** SLURM: submit and return; `benchbook collect` records the executions later */
  noWait?: boolean;
  /** SLURM: how often squeue is asked and the logs read back (default 2000) */
  slurmPollMs?: number;
}

export interface Plan {
  run: RunSpec & {command: string[]};
  paths: RunPaths;
}

export async function runStudy(studyFile: string, options: RunStudyOptions = {}): Promise<ExecutionResult[]> {
  const study = await loadStudy(studyFile);
  const repeats = options.repeat ?? 1;
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(repeats) || repeats < 1) throw new InputError(`--repeat ${repeats}`, {expected: "a whole number of at least 1"});
  if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds)) throw new InputError(`--timeout ${timeoutSeconds}`, {expected: "a positive number of seconds"});
  const plans = planRuns(study, options.runs);
  const stdout = options.stdout ?? process.stdout;
  const display = createDisplay(stdout, {
    tty: options.tty ?? Boolean((stdout as NodeJS.WriteStream).isTTY),
    plainIntervalMs: options.plainProgressIntervalMs ?? 60_000
  });

  const executions = planExecutions(study, plans, repeats);
  const kind = options.executor ?? study.executor?.kind ?? "local";
  const executor: Executor =
    kind === "slurm"
      ? slurmExecutor(study, slurmSettings(study), {killGraceSeconds: options.killGraceSeconds, gpuSampleIntervalMs: options.gpuSampleIntervalMs, pollMs: options.slurmPollMs, wait: !options.noWait})
      : localExecutor(options);
  if (kind === "local" && options.noWait) throw new InputError("--no-wait needs --executor slurm", {expected: "--executor slurm, or no --no-wait"});

  const busy = await unfinishedJobs(study);
  if (busy.length) {
    throw new InputError(`SLURM job(s) ${busy.join(", ")} of the last submission are still queued or running and write into the run folders`, {
      file: submissionFile(study),
      expected: "`benchbook collect --wait` (or scancel) before running the study again"
    });
  }
  // Executions of an earlier `benchbook run` of these runs would mix with this one's.
  for (const {paths} of plans) await clearExecutions(paths.executions, repeats);

  const outcome = await executor.execute(executions, {timeoutSeconds, display, signal: options.signal});
  if (outcome.pending) {
    display.close();
    return outcome.results;
  }
  await finishStudy(study, plans, outcome.results, repeats, outcome.interrupted, options, display);
  return outcome.results;
}

/** After every execution ended, whichever executor ran them: representative files, summary, ingest. */
async function finishStudy(study: Study, plans: Plan[], results: ExecutionResult[], repeats: number, interrupted: boolean, options: RunStudyOptions, display: Display): Promise<void> {
  if (repeats > 1) {
    for (const plan of plans) await keepRepresentative(plan, results.filter((r) => r.runId === plan.run.id), repeats);
  }
  summarize(display, results, repeats);
  display.close();

  if (!interrupted && options.ingest) {
    const {dbFile} = await options.ingest(study.file);
    display.message(`ingested into ${dbFile}`);
  }
}

/** Every execution in the order they run: repeat 1 of each run, then repeat 2 of each, … */
export function planExecutions(study: Study, plans: Plan[], repeats: number): Execution[] {
  const executions: Execution[] = [];
  for (let k = 1; k <= repeats; k++) {
    for (const {run, paths} of plans) {
      const ep = executionPaths(paths, k, repeats);
      const outputsDir = usesPlaceholder(run.command, "outputs") ? ep.outputs : paths.outputs;
      const argv = fillCommand(study, run, run.command, {outputs: ep.outputs, repeat: k, runFolder: paths.folder});
      executions.push({study, run, paths, ep, repeat: k, repeats, argv, outputsDir, label: repeats > 1 ? `${run.id} [${k}/${repeats}]` : run.id});
    }
  }
  return executions;
}

export interface CollectOptions {
  stdout?: NodeJS.WritableStream;
  tty?: boolean;
  ingest?: false | Ingest;
  /** wait for the submitted jobs that have not ended yet (default: record what ended and return) */
  wait?: boolean;
  slurmPollMs?: number;
  signal?: AbortSignal;
}

/**
 * `benchbook collect`: record the executions of the last `--no-wait` SLURM submission that have ended,
 * and once all have, finish the study as `benchbook run` would have. Running it again changes nothing.
 */
export async function collectStudy(studyFile: string, options: CollectOptions = {}): Promise<{results: ExecutionResult[]; pending: number}> {
  const study = await loadStudy(studyFile);
  const stdout = options.stdout ?? process.stdout;
  const display = createDisplay(stdout, {tty: options.tty ?? Boolean((stdout as NodeJS.WriteStream).isTTY), plainIntervalMs: 60_000});
  const collected = await collectSlurm(study, (runs, repeats) => planExecutions(study, planRuns(study, runs), repeats), {
    display,
    wait: options.wait ?? false,
    pollMs: options.slurmPollMs,
    signal: options.signal
  });
  if (collected.pending > 0) {
    display.message(`${collected.pending} execution(s) not ended yet: run \`benchbook collect ${study.file}\` again later`);
    display.close();
    return {results: collected.results, pending: collected.pending};
  }
  const plans = planRuns(study, collected.runs);
  await finishStudy(study, plans, collected.results, collected.repeats, collected.interrupted, {...options, stdout}, display);
  return {results: collected.results, pending: 0};
}

export function planRuns(study: Study, ids: string[] | undefined): Plan[] {
  const known = new Map(study.runs.map((r) => [r.id, r]));
  const withCommand = study.runs.filter((r) => r.command);
  let selected: RunSpec[];
  if (ids && ids.length) {
    selected = ids.map((id) => {
      const run = known.get(id);
      if (!run) throw new InputError(`no run '${id}'`, {file: study.file, expected: `one of: ${[...known.keys()].join(", ")}`});
      if (!run.command) throw new InputError(`run '${id}' has no command to execute`, {file: study.file, expected: `a 'command' argument array for runs.${id}`});
      return run;
    });
    selected = [...new Set(selected)];
  } else {
    selected = withCommand;
    if (selected.length === 0) throw new InputError("no run has a command to execute", {file: study.file, expected: "runs with a 'command' argument array"});
  }
  // Each run needs a folder of its own: run.json, the GPU samples and (for VirNucPro) the pipeline's
  // `logs/gpu_metrics_*` files would otherwise overwrite or mix with another run's.
  const byFolder = new Map<string, string>();
  for (const run of new Set([...withCommand, ...selected])) {
    const folder = runPaths(study, run).folder;
    const other = byFolder.get(folder);
    if (other) {
      throw new InputError(`runs '${other}' and '${run.id}' share the run folder ${folder}`, {
        file: study.file,
        expected: "a different 'cwd' per run (or none: each run then gets runs/<id>/)"
      });
    }
    byFolder.set(folder, run.id);
  }
  return selected.map((run) => {
    const paths = runPaths(study, run);
    // Fail on a bad placeholder before anything runs.
    fillCommand(study, run, run.command!, {outputs: paths.outputs, repeat: 1, runFolder: paths.folder});
    return {run: run as Plan["run"], paths};
  });
}

/**
 * The execution whose files stay at the study's paths: the median pipeline total among succeeded
 * executions (the lower middle one for an even count, so it is a real execution), else the last one,
 * so a run that never succeeded shows its last failure.
 */
export function representative(executions: readonly ExecutionResult[]): {execution: ExecutionResult; rule: string} | null {
  if (executions.length === 0) return null;
  const succeeded = executions.filter((e) => e.status === "succeeded");
  if (succeeded.length === 0) return {execution: executions[executions.length - 1]!, rule: "last execution (none succeeded)"};
  // Rank by the pipeline's own total; process wall time (another clock, with start-up) only when no
  // succeeded execution printed a summary.
  const withTotal = succeeded.filter((e) => e.totalSeconds !== null);
  const [pool, rule, time] = withTotal.length
    ? [withTotal, "median pipeline total of the succeeded executions", (e: ExecutionResult) => e.totalSeconds!]
    : [succeeded, "median wall time of the succeeded executions (no pipeline summary)", (e: ExecutionResult) => e.wallSeconds];
  const ranked = [...pool].sort((a, b) => time(a) - time(b) || a.repeat - b.repeat);
  return {execution: ranked[Math.floor((ranked.length - 1) / 2)]!, rule};
}

async function keepRepresentative({run, paths}: Plan, executions: ExecutionResult[], repeats: number): Promise<void> {
  const chosen = representative(executions);
  if (!chosen) return;
  const {execution, rule} = chosen;
  const ep = executionPaths(paths, execution.repeat, repeats);
  await copyIfExists(ep.log, paths.log);
  await copyIfExists(ep.gpuSamples, paths.gpuSamples);
  const perExecutionOutputs = usesPlaceholder(run.command, "outputs");
  if (perExecutionOutputs && ep.outputs && paths.outputs) await copyIfExists(ep.outputs, paths.outputs);
  const manifest = await readManifest(ep.manifest);
  manifest.representative_of = {
    repeat: execution.repeat,
    repeats,
    rule,
    // Without {outputs} every execution wrote the same folder: what is there is the last one's.
    outputs_from_repeat: paths.outputs === null ? null : perExecutionOutputs ? execution.repeat : Math.max(...executions.map((e) => e.repeat))
  };
  await writeManifest(paths.manifest, manifest);
}

async function copyIfExists(from: string, to: string): Promise<void> {
  try {
    await stat(from);
  } catch {
    return;
  }
  await cp(from, to, {recursive: true, force: true});
}

function summarize(display: Display, results: ExecutionResult[], repeats: number): void {
  if (results.length === 0) return;
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  display.message(`${results.length} execution(s): ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}`);
  if (repeats < 2) return;
  const byRun = new Map<string, {gpus: number; totals: number[]}>();
  for (const r of results) {
    const entry = byRun.get(r.runId) ?? {gpus: r.gpus, totals: []};
    if (r.status === "succeeded" && r.totalSeconds !== null) entry.totals.push(r.totalSeconds);
    byRun.set(r.runId, entry);
  }
  for (const [id, {totals}] of byRun) {
    const s = spread(totals);
    display.message(
      s
        ? `${id}: median ${s.median.toFixed(1)} s over ${s.n} succeeded (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}, IQR ${s.iqr.toFixed(1)})`
        : `${id}: no succeeded execution with a pipeline total`
    );
  }
  const runs = [...byRun].sort((a, b) => a[1].gpus - b[1].gpus);
  const [fromId, from] = runs[0]!;
  for (const [toId, to] of runs.slice(1)) {
    if (to.gpus <= from.gpus) continue;
    const estimate = bootstrapScaling(from.totals, to.totals, to.gpus / from.gpus);
    display.message(
      estimate
        ? `${fromId} -> ${toId}: speedup ${estimate.speedup.toFixed(2)}x (95% bootstrap ${estimate.speedup_interval.lo.toFixed(2)}-${estimate.speedup_interval.hi.toFixed(2)}), efficiency ${(estimate.efficiency * 100).toFixed(1)} %`
        : `${fromId} -> ${toId}: no interval (needs at least 2 succeeded executions of each)`
    );
  }
}

export type Ingest = (studyFile: string) => Promise<{dbFile: string}>;


