/**
 * `benchbook run <study.yaml> [--run ID ...] [--repeat N] [--timeout SECONDS]`: execute the study's run
 * commands (argument arrays, no shell), recording every execution truthfully, then ingest.
 *
 * Repeats are interleaved (1gpu, 2gpu, 1gpu, 2gpu, …) so slow drift of the machine (thermal state, other
 * tenants, page cache) spreads over every configuration instead of biasing the one that ran last.
 * See layout.ts for where each execution's files go.
 */
import {cp, lstat, mkdir, rm, stat, writeFile} from "node:fs/promises";
import path from "node:path";
import {InputError, isInputError} from "../../engine/errors.ts";
import {loadStudy, type RunSpec, type Study} from "../../engine/study.ts";
import {BENCHBOOK_VERSION} from "../../engine/version.ts";
import {createDisplay, type Display} from "./display.ts";
import {executeCommand} from "./execute.ts";
import {findExecutable, startGpuSampler} from "./gpu-sampler.ts";
import {executionPaths, fillCommand, runPaths, usesPlaceholder, type RunPaths} from "./layout.ts";
import {commandInputs, hostInfo, nvidiaInfo, pythonInfo, readManifest, writeManifest, type ExecutionStatus, type RunManifest} from "./manifest.ts";
import {checkOutputs} from "./outputs.ts";
import {formatElapsed, formatProgress, ProgressTracker} from "./progress.ts";
import {bootstrapScaling, spread} from "../../engine/metrics/stats.ts";
import {executionStatus} from "./status.ts";

export const DEFAULT_TIMEOUT_SECONDS = 3600;
export const DEFAULT_KILL_GRACE_SECONDS = 10;

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
  /** false: do not ingest afterwards; a function: ingest with it (default: engine/ingest/ingest.ts if present) */
  ingest?: false | Ingest;
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

interface Plan {
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

  // Executions of an earlier `benchbook run` of these runs would mix with this one's.
  for (const {paths} of plans) await clearExecutions(paths.executions, repeats);

  const results: ExecutionResult[] = [];
  let interrupted = false;
  outer: for (let k = 1; k <= repeats; k++) {
    for (const plan of plans) {
      if (options.signal?.aborted) {
        interrupted = true;
        break outer;
      }
      const result = await executeOnce(study, plan, k, repeats, timeoutSeconds, options, display);
      results.push(result);
      if (result.status === "interrupted") {
        interrupted = true;
        break outer;
      }
    }
  }
  if (repeats > 1) {
    for (const plan of plans) await keepRepresentative(plan, results.filter((r) => r.runId === plan.run.id), repeats);
  }
  summarize(display, results, repeats);
  display.close();

  if (!interrupted && options.ingest !== false) {
    const ingest = options.ingest ?? (await findIngest());
    if (typeof ingest === "string") {
      display.message(`${ingest}: run \`benchbook ingest ${study.file}\` once it is available`);
    } else {
      const {dbFile} = await ingest(study.file);
      display.message(`ingested into ${dbFile}`);
    }
  }
  return results;
}

function planRuns(study: Study, ids: string[] | undefined): Plan[] {
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
 * Marks a folder benchbook made: `executions/` may sit in a user's own `cwd` (/tmp/victim), and only a
 * folder holding this marker is ever removed.
 */
export const EXECUTIONS_MARKER = ".benchbook-executions";

async function clearExecutions(dir: string, repeats: number): Promise<void> {
  const info = await lstat(dir).catch(() => null);
  const ours = info?.isDirectory() && (await lstat(path.join(dir, EXECUTIONS_MARKER)).catch(() => null))?.isFile();
  if (info && !ours) {
    if (repeats === 1) return; // not ours and not needed: left exactly as it is
    throw new InputError("exists and was not made by benchbook; refusing to write executions into it or to remove it", {file: dir, expected: "a run folder (cwd) without a foreign 'executions' entry, or that entry moved away"});
  }
  if (ours) await rm(dir, {recursive: true, force: true});
}

/** Made (and marked) when the run's first execution needs it, not before. */
async function makeExecutions(dir: string): Promise<void> {
  await mkdir(dir, {recursive: true});
  await writeFile(path.join(dir, EXECUTIONS_MARKER), "made by `benchbook run --repeat`; removed and remade by the next one\n");
}

async function executeOnce(
  study: Study,
  {run, paths}: Plan,
  repeat: number,
  repeats: number,
  timeoutSeconds: number,
  options: RunStudyOptions,
  display: Display
): Promise<ExecutionResult> {
  const ep = executionPaths(paths, repeat, repeats);
  if (repeats > 1) await makeExecutions(paths.executions);
  await mkdir(ep.folder, {recursive: true});
  await mkdir(paths.cwd, {recursive: true});
  const perExecutionOutputs = usesPlaceholder(run.command, "outputs");
  const outputsDir = perExecutionOutputs ? ep.outputs : paths.outputs;
  const argv = fillCommand(study, run, run.command, {outputs: ep.outputs, repeat, runFolder: paths.folder});
  const env: Record<string, string | undefined> = {...process.env, ...run.env};
  const nvidiaSmi = options.nvidiaSmi === null ? null : (options.nvidiaSmi ?? (await findExecutable("nvidia-smi", env.PATH)));

  const [python, nvidia, inputs] = await Promise.all([
    pythonInfo(argv, env, paths.cwd),
    nvidiaSmi ? nvidiaInfo(nvidiaSmi, env) : Promise.resolve(null),
    commandInputs(argv, paths.cwd)
  ]);
  const manifest: RunManifest = {
    manifest_version: 1,
    benchbook_version: BENCHBOOK_VERSION,
    study_file: study.file,
    release: study.release,
    run_id: run.id,
    gpus: run.gpus,
    repeat,
    repeats,
    command: argv,
    command_template: run.command,
    cwd: paths.cwd,
    env: run.env ?? {},
    cuda_visible_devices: env.CUDA_VISIBLE_DEVICES ?? null,
    started_at: new Date().toISOString(),
    ended_at: null,
    wall_seconds: null,
    timeout_seconds: timeoutSeconds,
    status: "running",
    reason: null,
    exit_code: null,
    signal: null,
    killed: false,
    leftover_processes: 0,
    total_seconds: null,
    log_file: ep.log,
    outputs: null,
    gpu_samples: null,
    host: hostInfo(),
    node_version: process.version,
    python,
    nvidia,
    inputs
  };
  await writeManifest(ep.manifest, manifest);

  const label = repeats > 1 ? `${run.id} [${repeat}/${repeats}]` : run.id;
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
      signal: options.signal,
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
  const outputs = cleanExit && outputsDir ? await checkOutputs(outputsDir, outcome.startedAt) : null;
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
  return {
    runId: run.id,
    gpus: run.gpus,
    repeat,
    repeats,
    status,
    reason,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    startedAt: manifest.started_at,
    endedAt: manifest.ended_at!,
    wallSeconds,
    totalSeconds: tracker.state.totalSeconds,
    manifestFile: ep.manifest,
    logFile: ep.log,
    outputsDir,
    gpuSamplesFile: samples ? samples.file : null
  };
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

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

type Ingest = (studyFile: string) => Promise<{dbFile: string}>;

/** engine/ingest/ingest.ts's `ingestStudy`, or why it cannot be used (the runs' files are kept either way). */
async function findIngest(): Promise<Ingest | string> {
  try {
    const mod = (await import("../../engine/ingest/ingest.ts")) as {ingestStudy?: Ingest};
    return typeof mod.ingestStudy === "function" ? mod.ingestStudy : "engine/ingest/ingest.ts has no ingestStudy export";
  } catch (error) {
    if ((error as {code?: string}).code === "ERR_MODULE_NOT_FOUND") return `ingest could not be loaded (${(error as Error).message.split("\n")[0]})`;
    throw error;
  }
}

export const RUN_USAGE = "usage: benchbook run <study.yaml> [--run ID ...] [--repeat N] [--timeout SECONDS]";

export interface RunArguments {
  studyFile: string;
  runs: string[];
  repeat: number;
  timeoutSeconds: number;
}

export function parseRunArguments(argv: string[]): RunArguments {
  let studyFile: string | null = null;
  const runs: string[] = [];
  let repeat = 1;
  let timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
  let inRunList = false;
  const number = (flag: string, value: string | undefined, integer: boolean): number => {
    const n = Number(value);
    if (value === undefined || value.trim() === "" || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new InputError(`${flag} ${value ?? "(missing)"}`, {expected: integer ? "a whole number of at least 1" : "a positive number of seconds"});
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--run") {
      const v = value();
      if (v === undefined || v.startsWith("-")) throw new InputError("--run needs a run id", {expected: RUN_USAGE});
      runs.push(...v.split(",").filter(Boolean));
      inRunList = true;
    } else if (flag === "--repeat") {
      repeat = number("--repeat", value(), true);
      inRunList = false;
    } else if (flag === "--timeout") {
      timeoutSeconds = number("--timeout", value(), false);
      inRunList = false;
    } else if (arg.startsWith("-")) {
      throw new InputError(`unknown option ${arg}`, {expected: RUN_USAGE});
    } else if (studyFile === null && !inRunList) {
      studyFile = arg;
    } else if (inRunList) {
      runs.push(...arg.split(",").filter(Boolean));
    } else {
      throw new InputError(`unexpected argument '${arg}'`, {expected: RUN_USAGE});
    }
  }
  if (studyFile === null) throw new InputError("no study file given", {expected: RUN_USAGE});
  return {studyFile, runs, repeat, timeoutSeconds};
}

/**
 * The CLI entry: SIGINT/SIGTERM stop the running pipeline (recorded as interrupted); a second signal
 * exits at once. Returns the process exit code: 0 all succeeded, 1 any execution did not, 2 bad input,
 * 130 interrupted.
 */
export async function runCommand(argv: string[], io: {stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream} = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(130);
    stderr.write(`\n[benchbook] ${signal}: stopping the pipeline (again to quit at once)\n`);
    controller.abort(`benchbook received ${signal}`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const args = parseRunArguments(argv);
    const results = await runStudy(args.studyFile, {
      runs: args.runs.length ? args.runs : undefined,
      repeat: args.repeat,
      timeoutSeconds: args.timeoutSeconds,
      stdout: io.stdout,
      signal: controller.signal
    });
    if (controller.signal.aborted || results.some((r) => r.status === "interrupted")) return 130;
    return results.every((r) => r.status === "succeeded") ? 0 : 1;
  } catch (error) {
    if (isInputError(error)) {
      stderr.write(`benchbook run: ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
