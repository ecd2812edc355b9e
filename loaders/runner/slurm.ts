/**
 * SLURM's client commands, and what their answers mean for an execution. Only `sbatch`, `squeue`,
 * `scontrol` and `scancel` are used: `sacct` needs slurmdbd, which many clusters (and our test cluster)
 * do not give to users. A finished job stays in `scontrol show job` for MinJobAge seconds; after that its
 * state comes from the jobcomp/filetxt log when the cluster writes one, else from the job's own manifest.
 */
import {readFile} from "node:fs/promises";
import {execa} from "execa";
import {InputError} from "../../engine/errors.ts";
import type {ProcessEnd} from "./execute.ts";
import type {ExecutionStatus, OutputsCheck, RunManifest} from "./manifest.ts";
import {executionStatus} from "./status.ts";

/** States after which the job will not run again (SLURM's "completed" job states). */
const ENDED = new Set(["COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE"]);

export function hasEnded(state: string): boolean {
  return ENDED.has(baseState(state));
}

/** `CANCELLED by 0` (scontrol) and `CANCELLED+` (sacct) are CANCELLED */
function baseState(state: string): string {
  return state.split(/[\s+]/)[0]!.toUpperCase();
}

export interface QueuedJob {
  id: string;
  state: string;
  reason: string | null;
  node: string | null;
}

export interface EndedJob {
  id: string;
  state: string;
  reason: string | null;
  /** `code:signal` */
  exitCode: string | null;
  node: string | null;
  startTime: string | null;
  endTime: string | null;
  /** where the answer came from */
  source: "scontrol" | "jobcomp";
}

type Env = Record<string, string | undefined>;

async function slurm(command: string, args: string[], env?: Env) {
  const r = await execa(command, args, {reject: false, timeout: 60_000, stdin: "ignore", env, extendEnv: env === undefined});
  if (r.failed && r.exitCode === undefined) {
    throw new InputError(`${command} could not run: ${r.shortMessage}`, {expected: `SLURM's ${command} on PATH (benchbook run --executor slurm runs on a login node)`});
  }
  return {ok: r.exitCode === 0, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "").trim()};
}

/** Submit; returns the job id. `env`: the job's environment (sbatch exports it to the job). */
export async function sbatch(script: string, options: {dependency?: string; env: Env; cwd: string}): Promise<string> {
  const args = ["--parsable"];
  if (options.dependency) args.push(`--dependency=afterany:${options.dependency}`);
  args.push(script);
  const r = await execa("sbatch", args, {reject: false, timeout: 60_000, stdin: "ignore", env: options.env, extendEnv: false, cwd: options.cwd});
  const out = String(r.stdout ?? "").trim();
  const id = /^(\d+)(;\S+)?$/m.exec(out)?.[1];
  if (r.exitCode !== 0 || !id) {
    const why = String(r.stderr ?? "").trim() || r.shortMessage || out;
    throw new InputError(`sbatch refused ${script}: ${why}`, {file: script, expected: "options the cluster accepts (the study's executor: block)"});
  }
  return id;
}

/** The queue's view of the given jobs; ended jobs still in the controller's memory are included. */
export async function squeue(ids: string[]): Promise<Map<string, QueuedJob>> {
  const jobs = new Map<string, QueuedJob>();
  if (ids.length === 0) return jobs;
  const r = await slurm("squeue", ["-h", "--states=all", "-j", ids.join(","), "-o", "%i|%T|%r|%N"]);
  // one unknown id alone is an error; several unknown ones are just left out
  if (!r.ok && !/Invalid job id/i.test(r.stderr)) throw new Error(`squeue failed: ${r.stderr}`);
  for (const line of r.stdout.split("\n")) {
    const [id, state, reason, node] = line.trim().split("|");
    if (!id || !state) continue;
    jobs.set(id, {id, state, reason: reason && reason !== "None" ? reason : null, node: node || null});
  }
  return jobs;
}

/** `scontrol show job -o`; null when the controller no longer knows the job. */
export async function showJob(id: string): Promise<EndedJob | null> {
  const r = await slurm("scontrol", ["show", "job", "-o", id]);
  if (!r.ok) {
    if (/Invalid job id/i.test(r.stderr)) return null;
    throw new Error(`scontrol show job ${id} failed: ${r.stderr}`);
  }
  const fields = keyValues(r.stdout);
  if (fields.get("JobId") !== id) return null;
  return ended(id, fields, "scontrol");
}

/** The job's line in the jobcomp/filetxt log, when the cluster keeps one we can read. */
export async function jobcompEntry(id: string): Promise<EndedJob | null> {
  const r = await slurm("scontrol", ["show", "config"]);
  if (!r.ok) return null;
  const type = /^JobCompType\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
  const loc = /^JobCompLoc\s*=\s*(\S+)/m.exec(r.stdout)?.[1];
  if (type !== "jobcomp/filetxt" || !loc) return null;
  let text: string;
  try {
    text = await readFile(loc, "utf8");
  } catch {
    return null;
  }
  // job ids are reused after a controller restart: the last line for the id is the latest job
  let found: EndedJob | null = null;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`JobId=${id} `)) continue;
    found = ended(id, keyValues(line), "jobcomp");
  }
  return found;
}

export async function scancel(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const r = await slurm("scancel", ids);
  if (!r.ok && !/Invalid job id|already completing|completed/i.test(r.stderr)) throw new Error(`scancel failed: ${r.stderr}`);
}

function keyValues(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  // values never contain `Key=`, but some contain spaces (Reason, Command): split before each `Key=`
  for (const m of line.trim().matchAll(/(\w[\w:/]*)=(.*?)(?=\s+\w[\w:/]*=|\s*$)/g)) fields.set(m[1]!, m[2]!);
  return fields;
}

function ended(id: string, f: Map<string, string>, source: EndedJob["source"]): EndedJob {
  const value = (k: string) => {
    const v = f.get(k);
    return v === undefined || v === "" || v === "None" || v === "(null)" || v === "Unknown" ? null : v;
  };
  return {
    id,
    state: f.get("JobState") ?? "UNKNOWN",
    reason: value("Reason"),
    exitCode: value("ExitCode"),
    node: value("NodeList") ?? value("BatchHost"),
    startTime: value("StartTime"),
    endTime: value("EndTime"),
    source
  };
}

const FAILURE_STATES: Record<string, string> = {
  OUT_OF_MEMORY: "the job ran out of host memory",
  NODE_FAIL: "the node failed",
  PREEMPTED: "the job was preempted",
  BOOT_FAIL: "the node failed to boot",
  DEADLINE: "the job reached its deadline"
};

/**
 * The execution's status from SLURM's final state and what the job script recorded. SLURM decides how
 * the job was ended from outside (time limit, cancel, node trouble); for COMPLETED and FAILED the job
 * script's exit code, timeout and the outputs decide, through the same rules as a local run (status.ts).
 */
export function slurmExecutionStatus(
  job: {id: string; state: string | null; exitCode: string | null},
  script: Pick<RunManifest, "status" | "exit_code" | "signal" | "killed" | "reason">,
  outputs: OutputsCheck | null,
  timeoutSeconds: number
): {status: Exclude<ExecutionStatus, "running">; reason: string | null} {
  const state = job.state === null ? null : baseState(job.state);
  const kill = script.killed ? "; it ignored SIGTERM and was killed with SIGKILL" : "";
  if (state === "TIMEOUT") return {status: "timed_out", reason: `SLURM job ${job.id} reached its time limit (TIMEOUT)${kill}`};
  if (state === "CANCELLED") return {status: "interrupted", reason: `SLURM job ${job.id} was cancelled (CANCELLED)${kill}`};
  if (state && FAILURE_STATES[state]) return {status: "failed", reason: `SLURM ${state}: ${FAILURE_STATES[state]} (job ${job.id})`};
  const known = state === null ? "SLURM no longer knows the job" : `SLURM state ${state}${job.exitCode ? `, ExitCode ${job.exitCode}` : ""}`;
  if (script.status === "running") {
    return {status: "failed", reason: `job ${job.id} ended without its script finishing the manifest (${known})`};
  }
  // the script exits with the command's code, so FAILED after a recorded success means the evidence disagrees
  if (state === "FAILED" && script.status === "succeeded") {
    return {status: "failed", reason: `SLURM says job ${job.id} FAILED${job.exitCode ? ` (ExitCode ${job.exitCode})` : ""} but its manifest records success: contradictory evidence`};
  }
  const end: ProcessEnd = script.status === "timed_out" ? "timed_out" : script.status === "interrupted" ? "interrupted" : "exited";
  return executionStatus({end, exitCode: script.exit_code, signal: script.signal, detail: `SIGTERM on the node, ${known}`, killed: script.killed}, outputs, timeoutSeconds);
}
