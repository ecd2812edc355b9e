/**
 * The batch script of one execution on SLURM. It is written beside the execution (so a user can read,
 * audit and resubmit it with plain `sbatch`) and needs only bash, coreutils and nvidia-smi on the node,
 * never Node or benchbook. It does on the node what executor-local.ts does on this machine:
 *
 * - samples the GPUs SLURM allocated with nvidia-smi (SLURM_JOB_GPUS, else CUDA_VISIBLE_DEVICES);
 * - runs the command as its own process group, stdout and stderr into one log file (the same open file,
 *   so arrival order is kept; benchbook reads it back while it grows, as it does locally);
 * - stops the command after `timeout_seconds` (same meaning as locally) and on SIGTERM/SIGINT (scancel,
 *   SLURM's time limit), TERM then KILL after a grace period, and still writes the manifest;
 * - writes run.json in the local manifest format: the fields known at submission are embedded below as
 *   JSON written by benchbook; the rest (times, exit, node, GPUs, versions, job id) is added in bash.
 *
 * Nothing from the study is ever shell-interpreted: every argument, path and environment value is
 * emitted as a single-quoted bash word (a `'` inside becomes `'\''`), and the embedded JSON sits in a
 * quoted here-document whose every line starts with whitespace or a bracket, so no line can end it.
 */
import {readFileSync} from "node:fs";
import type {RunManifest} from "./manifest.ts";
import {SAMPLE_FIELDS} from "./gpu-sampler.ts";

export interface JobScriptInput {
  /** manifest fields known before the job starts (status, times, host, nvidia, python are added by the job) */
  manifest: Omit<RunManifest, "started_at" | "ended_at" | "wall_seconds" | "status" | "reason" | "exit_code" | "signal" | "killed" | "leftover_processes" | "total_seconds" | "outputs" | "gpu_samples" | "host" | "python" | "nvidia" | "cuda_visible_devices">;
  manifestFile: string;
  logFile: string;
  gpuSamplesFile: string;
  /** #SBATCH lines, each one argument of sbatch (e.g. `--gres=gpu:2`) */
  sbatch: string[];
  gpuSampleIntervalMs: number;
  killGraceSeconds: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One bash word that is exactly `value`: single quotes, with `'` written as `'\''`. */
export function shellWord(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

export function jobScript(input: JobScriptInput): string {
  const {manifest} = input;
  for (const key of Object.keys(manifest.env)) {
    if (!isEnvName(key)) throw new Error(`environment variable name '${key}' cannot be set by a job script`);
  }
  // #SBATCH lines are read by sbatch, not bash: no quoting exists there, so a value with a newline
  // would start another directive. Refused where the executor options are validated (executor-slurm.ts).
  for (const a of input.sbatch) if (/[\r\n]/.test(a)) throw new Error(`sbatch argument with a line break: ${JSON.stringify(a)}`);
  const fields = JSON.stringify(manifest, null, 2);
  // drop the outer braces: the job adds its own fields after these
  const staticFields = fields.slice(1, fields.lastIndexOf("}")).replace(/\s+$/, "");
  const argv = manifest.command.map(shellWord).join(" \\\n  ");
  const env = Object.entries(manifest.env)
    .map(([k, v]) => `export ${k}=${shellWord(v)}`)
    .join("\n");
  return `#!/bin/bash
# benchbook ${manifest.benchbook_version ?? ""}: run '${safeComment(manifest.run_id)}' of release '${safeComment(manifest.release)}', execution ${manifest.repeat} of ${manifest.repeats}
# Written by \`benchbook run --executor slurm\`; resubmit it with \`sbatch <this file>\`, then \`benchbook collect\` does not know
# the new job: run \`benchbook ingest\` once it has ended.
${input.sbatch.map((a) => `#SBATCH ${a}`).join("\n")}

set -u
# byte-wise string handling for the JSON below; the command gets the locale it was submitted with
bb_lc_all=\${LC_ALL-} bb_lc_all_set=\${LC_ALL+1}
LC_ALL=C

# --- what to run (every value single-quoted: nothing here is interpreted by the shell) -------------
cmd=(
  ${argv}
)
run_cwd=${shellWord(manifest.cwd)}
log_file=${shellWord(input.logFile)}
manifest_file=${shellWord(input.manifestFile)}
samples_file=${shellWord(input.gpuSamplesFile)}
timeout_s=${Number(manifest.timeout_seconds)}
kill_grace_s=${Number(input.killGraceSeconds)}
sample_interval_ms=${Math.round(input.gpuSampleIntervalMs)}
sample_query=${shellWord(`--query-gpu=${SAMPLE_FIELDS.join(",")}`)}
${env}

IFS= read -r -d '' static_fields <<'BENCHBOOK_MANIFEST_FIELDS' || true
${staticFields}
BENCHBOOK_MANIFEST_FIELDS

${SCRIPT_BODY}`;
}

function safeComment(text: string): string {
  return text.replace(/[\r\n]/g, " ");
}

/** The fixed part: functions and the run. No study value appears in it. */
const SCRIPT_BODY = readFileSync(new URL("./slurm-job-body.sh", import.meta.url), "utf8");
