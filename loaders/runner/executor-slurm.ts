/**
 * The SLURM executor: each execution is one batch job (slurm-script.ts) asking for the run's GPUs,
 * chained in the planned order with `--dependency=afterany:<previous job>` so the interleaving of repeats
 * survives the queue and no two executions of a study share the node. benchbook then polls squeue,
 * copies each running job's log to the terminal as it grows (the same tee and progress line as locally)
 * and, when a job has ended, turns SLURM's state and the job's run.json into the final run.json.
 *
 * The submission is recorded in `<study folder>/.benchbook/slurm-<release>.json`, so `--no-wait` can
 * return and `benchbook collect` can finish later; collecting an execution twice changes nothing.
 */
import {createReadStream} from "node:fs";
import {chmod, mkdir, open, readFile, rename, rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {z} from "zod";
import {InputError} from "../../engine/errors.ts";
import type {Study} from "../../engine/study.ts";
import type {Display} from "./display.ts";
import {resultFromManifest, staticManifest, type Execution, type ExecutionResult, type Executor, type ExecutorOutcome} from "./executor.ts";
import {quoteArg} from "./executor-local.ts";
import {findExecutable} from "./gpu-sampler.ts";
import {commandInputs, readManifest, writeManifest, type RunManifest} from "./manifest.ts";
import {checkOutputs} from "./outputs.ts";
import {formatElapsed, formatProgress, ProgressTracker} from "./progress.ts";
import {hasEnded, jobcompEntry, sbatch, scancel, showJob, slurmExecutionStatus, squeue, type EndedJob} from "./slurm.ts";
import {isEnvName, jobScript} from "./slurm-script.ts";
import {makeExecutions} from "./layout.ts";

export const JOB_SCRIPT = "slurm-job.sh";

export interface SlurmSettings {
  partition?: string;
  account?: string;
  qos?: string;
  /** SLURM --time; default: derived from the timeout */
  timeLimit?: string;
  constraint?: string;
  exclusive?: boolean;
  gpuRequest: "gres" | "gpus";
  gpuType?: string;
  sbatchArgs: string[];
}

export function slurmSettings(study: Study): SlurmSettings {
  const x = study.executor;
  return {
    partition: x?.partition,
    account: x?.account,
    qos: x?.qos,
    timeLimit: x?.time_limit,
    constraint: x?.constraint,
    exclusive: x?.exclusive,
    gpuRequest: x?.gpu_request ?? "gres",
    gpuType: x?.gpu_type,
    sbatchArgs: x?.sbatch_args ?? []
  };
}

export interface SlurmExecutorOptions {
  killGraceSeconds?: number;
  gpuSampleIntervalMs?: number;
  /** squeue and log read-back cadence (default 2000) */
  pollMs?: number;
  /** false: submit and return (`--no-wait`) */
  wait: boolean;
}

const SubmissionSchema = z.object({
  version: z.literal(1),
  study_file: z.string(),
  release: z.string(),
  submitted_at: z.string(),
  runs: z.array(z.string()),
  repeats: z.number().int().positive(),
  timeout_seconds: z.number(),
  executions: z.array(z.object({run_id: z.string(), repeat: z.number().int(), job_id: z.string(), script: z.string()}))
});
type Submission = z.infer<typeof SubmissionSchema>;

export function submissionFile(study: Pick<Study, "dir" | "release">): string {
  return path.join(study.dir, ".benchbook", `slurm-${study.release}.json`);
}

/** `--time` for the job: the study's, else the timeout (which the script enforces itself) plus room to stop. */
export function timeLimit(settings: SlurmSettings, timeoutSeconds: number, killGraceSeconds: number): string {
  return settings.timeLimit ?? String(Math.ceil((timeoutSeconds + killGraceSeconds + 60) / 60));
}

export function sbatchDirectives(e: Execution, settings: SlurmSettings, time: string): string[] {
  const gpus = settings.gpuType ? `${settings.gpuType}:${e.run.gpus}` : String(e.run.gpus);
  // sbatch reads a double-quoted #SBATCH value with spaces, but has no escape for `"`, and `%` and `\`
  // change how it fills in the file name
  if (/["%\\\r\n]/.test(e.ep.folder)) {
    throw new InputError(`execution folder ${JSON.stringify(e.ep.folder)} cannot be named in an #SBATCH --output line`, {file: e.study.file, expected: "run folders without \", %, \\ or line breaks"});
  }
  const output = path.join(e.ep.folder, "slurm-%j.out");
  const args = [
    `--job-name=bb-${e.run.id}-${e.repeat}`,
    /\s/.test(output) ? `--output="${output}"` : `--output=${output}`,
    "--nodes=1",
    "--ntasks=1",
    settings.gpuRequest === "gpus" ? `--gpus=${gpus}` : `--gres=gpu:${gpus}`,
    `--time=${time}`
  ];
  if (settings.partition) args.push(`--partition=${settings.partition}`);
  if (settings.account) args.push(`--account=${settings.account}`);
  if (settings.qos) args.push(`--qos=${settings.qos}`);
  if (settings.constraint) args.push(`--constraint=${settings.constraint}`);
  if (settings.exclusive) args.push("--exclusive");
  args.push(...settings.sbatchArgs);
  return args;
}

export function slurmExecutor(study: Study, settings: SlurmSettings, options: SlurmExecutorOptions): Executor {
  return {
    async execute(executions, {timeoutSeconds, display, signal}): Promise<ExecutorOutcome> {
      if (!(await findExecutable("sbatch", process.env.PATH))) {
        throw new InputError("sbatch is not on PATH", {expected: "SLURM's client commands (run --executor slurm on a login node)"});
      }
      for (const e of executions) {
        for (const key of Object.keys(e.run.env ?? {})) {
          if (!isEnvName(key)) throw new InputError(`runs.${e.run.id}.env: '${key}' is not a variable name a job script can set`, {file: study.file, expected: "names of letters, digits and _"});
        }
      }
      const killGraceSeconds = options.killGraceSeconds ?? 10;
      const time = timeLimit(settings, timeoutSeconds, killGraceSeconds);
      const submission: Submission = {
        version: 1,
        study_file: study.file,
        release: study.release,
        submitted_at: new Date().toISOString(),
        runs: [...new Set(executions.map((e) => e.run.id))],
        repeats: executions[0]?.repeats ?? 1,
        timeout_seconds: timeoutSeconds,
        executions: []
      };
      let previous: string | undefined;
      try {
        for (const e of executions) {
          if (signal?.aborted) break;
          const script = await writeJobScript(e, settings, time, timeoutSeconds, killGraceSeconds, options.gpuSampleIntervalMs ?? 1000);
          const jobId = await sbatch(script, {dependency: previous, env: {...process.env, ...e.run.env}, cwd: e.ep.folder});
          previous = jobId;
          submission.executions.push({run_id: e.run.id, repeat: e.repeat, job_id: jobId, script});
          // after every job: a benchbook killed from here on leaves a record `collect` can finish
          await writeSubmission(study, submission);
          display.message(`${e.label}: SLURM job ${jobId} (${script}): ${e.argv.map(quoteArg).join(" ")}`);
        }
      } catch (error) {
        // half a study in the queue would run without anyone collecting it
        await scancel(submission.executions.map((x) => x.job_id)).catch(() => undefined);
        throw error;
      }
      if (!options.wait) {
        display.message(`submitted ${submission.executions.length} job(s); \`benchbook collect ${study.file}\` records them once they have ended`);
        return {results: [], interrupted: false, pending: true};
      }
      const jobs = submission.executions.map((x) => ({execution: executions.find((e) => e.run.id === x.run_id && e.repeat === x.repeat)!, jobId: x.job_id}));
      const waited = await followJobs(jobs, {display, wait: true, pollMs: options.pollMs, signal, timeoutSeconds});
      return {results: waited.results, interrupted: waited.interrupted || submission.executions.length < executions.length, pending: false};
    }
  };
}

async function writeSubmission(study: Study, submission: Submission): Promise<void> {
  const file = submissionFile(study);
  await mkdir(path.dirname(file), {recursive: true});
  await writeFile(`${file}.tmp`, JSON.stringify(submission, null, 2) + "\n");
  await rename(`${file}.tmp`, file);
}

export async function writeJobScript(e: Execution, settings: SlurmSettings, time: string, timeoutSeconds: number, killGraceSeconds: number, intervalMs: number): Promise<string> {
  if (e.repeats > 1) await makeExecutions(e.paths.executions);
  await mkdir(e.ep.folder, {recursive: true});
  await mkdir(e.paths.cwd, {recursive: true});
  // a run.json, log or samples of an earlier run at these paths would pass for this job's until it starts
  await Promise.all([e.ep.manifest, e.ep.log, e.ep.gpuSamples].map((f) => rm(f, {force: true})));
  const inputs = await commandInputs(e.argv, e.paths.cwd);
  const file = path.join(e.ep.folder, JOB_SCRIPT);
  const text = jobScript({
    manifest: staticManifest(e, timeoutSeconds, inputs),
    manifestFile: e.ep.manifest,
    logFile: e.ep.log,
    gpuSamplesFile: e.ep.gpuSamples,
    sbatch: sbatchDirectives(e, settings, time),
    gpuSampleIntervalMs: intervalMs,
    killGraceSeconds
  });
  await writeFile(file, text);
  await chmod(file, 0o755);
  return file;
}

interface Tracked {
  execution: Execution;
  jobId: string;
  state: string | null;
  ended: boolean;
  offset: number;
  tracker: ProgressTracker;
  runningSince: number | null;
  result: ExecutionResult | null;
}

interface FollowOptions {
  display: Display;
  /** false: one look, record what has ended */
  wait: boolean;
  pollMs?: number;
  signal?: AbortSignal;
  timeoutSeconds: number;
}

/** Poll until every job has ended (or once), recording each as it ends; Ctrl-C cancels the rest. */
async function followJobs(jobs: Array<{execution: Execution; jobId: string}>, options: FollowOptions): Promise<{results: ExecutionResult[]; interrupted: boolean; pending: number}> {
  const {display} = options;
  const tracked: Tracked[] = jobs.map((j) => ({...j, state: null, ended: false, offset: 0, tracker: new ProgressTracker(), runningSince: null, result: null}));
  let cancelled = false;
  for (;;) {
    const unended = tracked.filter((t) => !t.ended);
    if (unended.length === 0) break;
    if (options.signal?.aborted && !cancelled) {
      cancelled = true;
      display.message(`cancelling ${unended.length} SLURM job(s): ${unended.map((t) => t.jobId).join(" ")}`);
      await scancel(unended.map((t) => t.jobId));
    }
    const queue = await squeue(unended.map((t) => t.jobId));
    for (const t of unended) {
      const q = queue.get(t.jobId);
      if (q && !hasEnded(q.state)) {
        if (q.state !== t.state) {
          display.message(`${t.execution.label}: SLURM job ${t.jobId} ${q.state}${q.reason ? ` (${q.reason})` : ""}${q.state === "RUNNING" && q.node ? ` on ${q.node}` : ""}`);
          t.state = q.state;
        }
        if (q.state === "RUNNING" || q.state === "COMPLETING") {
          t.runningSince ??= Date.now();
          await followLog(t, display);
        }
        continue;
      }
      // ended, or already gone from the controller: what SLURM still says, then the job's own manifest
      const job = (await showJob(t.jobId)) ?? (await jobcompEntry(t.jobId));
      if (job && !hasEnded(job.state)) continue; // between squeue and scontrol it was requeued
      await followLog(t, display);
      t.tracker.end();
      display.close();
      t.result = await recordEnded(t.execution, t.jobId, job, options.timeoutSeconds, display);
      t.ended = true;
    }
    if (!options.wait) break;
    if (tracked.every((t) => t.ended)) break;
    await new Promise((r) => setTimeout(r, options.pollMs ?? 2000));
  }
  const results = tracked.filter((t) => t.result !== null).map((t) => t.result!);
  return {results, interrupted: cancelled || results.some((r) => r.status === "interrupted"), pending: tracked.filter((t) => !t.ended).length};
}

/** Copy what the job's log gained since the last look to the terminal, and update the progress line. */
async function followLog(t: Tracked, display: Display): Promise<void> {
  let handle;
  try {
    handle = await open(t.execution.ep.log, "r");
  } catch {
    return; // not started writing yet
  }
  try {
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const {bytesRead} = await handle.read(buffer, 0, buffer.length, t.offset);
      if (bytesRead <= 0) break;
      t.offset += bytesRead;
      const chunk = Buffer.from(buffer.subarray(0, bytesRead));
      display.output(chunk);
      if (t.tracker.push(chunk)) display.progress(progressLine(t), true);
    }
  } finally {
    await handle.close();
  }
  display.progress(progressLine(t), false);
}

function progressLine(t: Tracked): string {
  return formatProgress(`${t.execution.label} (job ${t.jobId})`, t.tracker.state, t.runningSince === null ? 0 : Date.now() - t.runningSince);
}

/**
 * The final run.json of an ended job. A job that never started (cancelled while pending, or its node
 * failed before the script ran) has no manifest and is not an execution: it is reported, not recorded.
 */
async function recordEnded(e: Execution, jobId: string, job: EndedJob | null, timeoutSeconds: number, display: Display): Promise<ExecutionResult | null> {
  let manifest: RunManifest;
  try {
    manifest = await readManifest(e.ep.manifest);
  } catch (error) {
    if ((error as {cause?: {code?: string}}).cause?.code !== "ENOENT") throw error;
    display.message(`${e.label}: SLURM job ${jobId} ended as ${job?.state ?? "unknown"} before its script started: no execution recorded`);
    return null;
  }
  if (manifest.slurm?.job_id !== jobId) {
    display.message(`${e.label}: ${e.ep.manifest} belongs to job ${manifest.slurm?.job_id ?? "(none)"}, not ${jobId}: left as it is`);
    return null;
  }
  // collected before: keep the first verdict (SLURM may have forgotten the job since)
  if (manifest.slurm.state !== null && manifest.status !== "running") return resultFromManifest(e, manifest);

  const tracker = new ProgressTracker();
  await readWhole(e.ep.log, (chunk) => tracker.push(chunk));
  tracker.end();
  const scriptClean = manifest.status === "succeeded";
  const outputs = scriptClean && e.outputsDir ? await checkOutputs(e.outputsDir, new Date(manifest.started_at)) : null;
  const {status, reason} = slurmExecutionStatus({id: jobId, state: job?.state ?? null, exitCode: job?.exitCode ?? null}, manifest, outputs, timeoutSeconds);
  const endedAt = manifest.ended_at ?? slurmTime(job?.endTime) ?? new Date().toISOString();
  Object.assign(manifest, {
    status,
    reason,
    ended_at: endedAt,
    wall_seconds: manifest.wall_seconds ?? (new Date(endedAt).getTime() - new Date(manifest.started_at).getTime()) / 1000,
    total_seconds: tracker.state.totalSeconds,
    outputs
  } satisfies Partial<RunManifest>);
  manifest.slurm = {
    ...manifest.slurm,
    state: job?.state ?? "UNKNOWN",
    state_reason: job ? `${job.reason ?? ""}${job.reason ? "; " : ""}from ${job.source}` : "the controller no longer knows the job and no jobcomp log has it",
    exit_code: job?.exitCode ?? null,
    script: path.join(e.ep.folder, JOB_SCRIPT)
  };
  await writeManifest(e.ep.manifest, manifest);
  const total = tracker.state.totalSeconds === null ? "" : `, pipeline total ${tracker.state.totalSeconds.toFixed(1)} s`;
  display.message(`${e.label}: ${status.toUpperCase()} after ${formatElapsed((manifest.wall_seconds ?? 0) * 1000)} (SLURM ${manifest.slurm.state})${total}${reason ? ` — ${reason}` : ""}`);
  if (manifest.gpu_samples?.error) display.message(`${e.label}: GPU sampler: ${manifest.gpu_samples.error}`);
  return resultFromManifest(e, manifest);
}

/** SLURM prints local times without a zone: read them as this machine's local time. */
function slurmTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

async function readWhole(file: string, onChunk: (chunk: Buffer) => void): Promise<void> {
  try {
    for await (const chunk of createReadStream(file)) onChunk(chunk as Buffer);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

/**
 * Jobs of the study's last submission that SLURM still has queued or running: they write into the run
 * folders, so a new run must not start beside them. Empty when there is no record or no squeue to ask.
 */
export async function unfinishedJobs(study: Study): Promise<string[]> {
  let submission: Submission;
  try {
    submission = SubmissionSchema.parse(JSON.parse(await readFile(submissionFile(study), "utf8")));
  } catch {
    return [];
  }
  if (!(await findExecutable("squeue", process.env.PATH))) return [];
  const ids = submission.executions.map((x) => x.job_id);
  const queue = await squeue(ids);
  return ids.filter((id) => {
    const job = queue.get(id);
    return job !== undefined && !hasEnded(job.state);
  });
}

/**
 * `benchbook collect`: the executions of the study's last SLURM submission. Those already recorded are
 * read back as they are; the others are recorded when their job has ended (or waited for with `wait`).
 */
export async function collectSlurm(
  study: Study,
  plan: (runs: string[], repeats: number) => Execution[],
  options: {display: Display; wait: boolean; pollMs?: number; signal?: AbortSignal}
): Promise<{results: ExecutionResult[]; pending: number; runs: string[]; repeats: number; interrupted: boolean}> {
  const file = submissionFile(study);
  let submission: Submission;
  try {
    submission = SubmissionSchema.parse(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new InputError("nothing to collect: no SLURM submission of this study", {file, expected: "`benchbook run <study> --executor slurm --no-wait` first"});
    }
    throw new InputError("unreadable SLURM submission record", {file, expected: "the file `benchbook run --executor slurm` wrote", cause: error});
  }
  if (submission.release !== study.release) throw new InputError(`submission of release ${submission.release}, study is ${study.release}`, {file});
  const executions = plan(submission.runs, submission.repeats);
  const jobs = submission.executions.map((x) => {
    const execution = executions.find((e) => e.run.id === x.run_id && e.repeat === x.repeat);
    if (!execution) throw new InputError(`submitted run '${x.run_id}' repeat ${x.repeat} is not in the study any more`, {file: study.file});
    return {execution, jobId: x.job_id};
  });
  const followed = await followJobs(jobs, {display: options.display, wait: options.wait, pollMs: options.pollMs, signal: options.signal, timeoutSeconds: submission.timeout_seconds});
  return {results: followed.results, pending: followed.pending, runs: submission.runs, repeats: submission.repeats, interrupted: followed.interrupted};
}
