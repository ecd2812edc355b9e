/**
 * The per-execution manifest (`run.json`): everything needed to trust or reproduce one execution —
 * the exact command, where and when it ran, how it ended, the machine, the GPUs, and checksums of the
 * input files the command named. Written when the execution starts (status `running`, so a benchbook
 * that died mid-run leaves evidence) and rewritten when it ends.
 */
import {stat, readFile, rename, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {execa} from "execa";
import {z} from "zod";
import {exists, hashFile} from "../../engine/artifacts.ts";
import {InputError} from "../../engine/errors.ts";
import type {RunSpec, Study} from "../../engine/study.ts";
import {findExecutable} from "./gpu-sampler.ts";
import {runPaths} from "./layout.ts";

export const MANIFEST_VERSION = 1;

export const ExecutionStatusSchema = z.enum(["running", "succeeded", "failed", "timed_out", "interrupted"]);
export type ExecutionStatus = z.infer<typeof ExecutionStatusSchema>;

const GpuSchema = z.object({
  index: z.number().int(),
  uuid: z.string().nullable(),
  name: z.string().nullable(),
  driver_version: z.string().nullable(),
  memory_total_mib: z.number().nullable(),
  pci_bus_id: z.string().nullable()
});
export type GpuInfo = z.infer<typeof GpuSchema>;

const OutputFileSchema = z.object({
  name: z.string(),
  path: z.string().nullable(),
  bytes: z.number().nullable(),
  has_data_rows: z.boolean().nullable(),
  modified_at: z.string().nullable(),
  problem: z.string().nullable()
});

export const OutputsCheckSchema = z.object({
  dir: z.string().nullable(),
  ok: z.boolean(),
  reason: z.string().nullable(),
  files: z.array(OutputFileSchema)
});
export type OutputsCheck = z.infer<typeof OutputsCheckSchema>;

export const RunManifestSchema = z.object({
  manifest_version: z.literal(MANIFEST_VERSION),
  benchbook_version: z.string().nullable(),
  study_file: z.string(),
  release: z.string(),
  run_id: z.string(),
  gpus: z.number().int(),
  repeat: z.number().int().positive(),
  repeats: z.number().int().positive(),
  /** the argument array as executed (placeholders filled in) */
  command: z.array(z.string()),
  /** as written in the study file */
  command_template: z.array(z.string()),
  cwd: z.string(),
  /** variables the study set on top of benchbook's environment */
  env: z.record(z.string(), z.string()),
  cuda_visible_devices: z.string().nullable(),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  wall_seconds: z.number().nullable(),
  timeout_seconds: z.number(),
  status: ExecutionStatusSchema,
  reason: z.string().nullable(),
  exit_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** SIGKILL was needed after SIGTERM's grace period */
  killed: z.boolean(),
  leftover_processes: z.number().int(),
  /** `Total wall time` of the pipeline's own summary, when the log has one */
  total_seconds: z.number().nullable(),
  log_file: z.string(),
  outputs: OutputsCheckSchema.nullable(),
  /** utc_offset_seconds: local minus UTC of nvidia-smi's timestamps (absent in manifests of older benchbooks) */
  gpu_samples: z.object({file: z.string(), rows: z.number().int(), error: z.string().nullable(), utc_offset_seconds: z.number().int().optional()}).nullable(),
  host: z.object({
    hostname: z.string(),
    platform: z.string(),
    release: z.string(),
    arch: z.string(),
    cpu_model: z.string().nullable(),
    cpu_count: z.number().int(),
    memory_bytes: z.number()
  }),
  node_version: z.string(),
  python: z.object({executable: z.string(), version: z.string().nullable()}).nullable(),
  nvidia: z
    .object({
      nvidia_smi: z.string(),
      driver_version: z.string().nullable(),
      cuda_version: z.string().nullable(),
      gpus: z.array(GpuSchema),
      error: z.string().nullable()
    })
    .nullable(),
  inputs: z.array(z.object({arg: z.string(), path: z.string(), bytes: z.number(), sha256: z.string()})),
  /** executions run by the SLURM executor: the batch job and what SLURM said about it (collect fills state) */
  slurm: z
    .object({
      job_id: z.string().nullable(),
      job_name: z.string().nullable(),
      node: z.string().nullable(),
      partition: z.string().nullable(),
      /** SLURM_JOB_GPUS as the job saw it */
      gpus: z.string().nullable(),
      /** the GPU ids nvidia-smi sampled (SLURM_JOB_GPUS, else CUDA_VISIBLE_DEVICES; null: all) */
      sampled_gpus: z.string().nullable(),
      /** JobState when benchbook collected the job (COMPLETED, FAILED, TIMEOUT, CANCELLED, …) */
      state: z.string().nullable(),
      state_reason: z.string().nullable(),
      /** SLURM's ExitCode `code:signal` */
      exit_code: z.string().nullable(),
      script: z.string().optional()
    })
    .optional(),
  /** set on the copy kept at the study's paths when repeats ran: which execution it came from */
  representative_of: z.object({repeat: z.number().int(), repeats: z.number().int(), rule: z.string(), outputs_from_repeat: z.number().int().nullable()}).optional()
});
export type RunManifest = z.infer<typeof RunManifestSchema>;

export async function writeManifest(file: string, manifest: RunManifest): Promise<void> {
  // Write-then-rename: a reader never sees half a manifest.
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(manifest, null, 2) + "\n");
  await rename(tmp, file);
}

export async function readManifest(file: string): Promise<RunManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new InputError("cannot read the run manifest", {file, expected: "a run.json written by `benchbook run`", cause: error});
  }
  const parsed = RunManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`run manifest field '${issue.path.join(".")}': ${issue.message}`, {file, expected: `a manifest of version ${MANIFEST_VERSION}`});
  }
  return parsed.data;
}

/**
 * The UTC offset `benchbook run` recorded with the nvidia-smi samples now at `file` (the run's
 * gpu_samples: its own, or the representative execution's copy). null when no manifest of the run
 * says: samples not taken by the runner, or by a benchbook that did not record the offset yet.
 */
export async function recordedGpuClock(study: Pick<Study, "dir" | "file">, run: RunSpec, file: string): Promise<number | null> {
  if (!run.command) return null;
  const paths = runPaths(study, run);
  if (path.resolve(paths.gpuSamples) !== path.resolve(file) || !(await exists(paths.manifest))) return null;
  const manifest = await readManifest(paths.manifest);
  return manifest.gpu_samples?.utc_offset_seconds ?? null;
}

export function hostInfo(): RunManifest["host"] {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpu_model: cpus[0]?.model.trim() || null,
    cpu_count: cpus.length,
    memory_bytes: os.totalmem()
  };
}

type Env = Record<string, string | undefined>;

async function capture(file: string, args: string[], env: Env, cwd?: string): Promise<{ok: boolean; out: string; error: string | null}> {
  const r = await execa(file, args, {env, extendEnv: false, cwd, reject: false, timeout: 15_000, stdin: "ignore"});
  const out = `${r.stdout ?? ""}\n${r.stderr ?? ""}`.trim();
  return {ok: !r.failed, out, error: r.failed ? (r.shortMessage ?? "failed") : null};
}

/**
 * Python that the command runs: its first argument when that is a python interpreter, else `python3`
 * (then `python`) on the run's PATH. null when there is none.
 */
export async function pythonInfo(argv: string[], env: Env, cwd: string): Promise<RunManifest["python"]> {
  const first = argv[0]!;
  let executable: string | null = null;
  if (/^python[\d.]*$/.test(path.basename(first))) {
    executable = first.includes("/") ? path.resolve(cwd, first) : await findExecutable(first, env.PATH);
  }
  executable ??= (await findExecutable("python3", env.PATH)) ?? (await findExecutable("python", env.PATH));
  if (!executable) return null;
  const r = await capture(executable, ["--version"], env, cwd);
  const m = /Python (\S+)/.exec(r.out);
  return {executable, version: m ? m[1]! : null};
}

const INVENTORY_FIELDS = ["index", "uuid", "name", "driver_version", "memory.total", "pci.bus_id"];

export function parseInventory(csv: string): GpuInfo[] {
  const nullable = (v: string | undefined) => (v === undefined || v === "" || v === "[N/A]" || v === "N/A" ? null : v);
  return csv
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^\d+,/.test(l))
    .map((l) => {
      const [index, uuid, name, driver, memory, bus] = l.split(",").map((f) => f.trim());
      const mem = nullable(memory);
      return {
        index: Number(index),
        uuid: nullable(uuid),
        name: nullable(name),
        driver_version: nullable(driver),
        memory_total_mib: mem !== null && Number.isFinite(Number(mem)) ? Number(mem) : null,
        pci_bus_id: nullable(bus)
      };
    });
}

/** GPU names, driver and CUDA versions. The CUDA version is only printed in nvidia-smi's table header. */
export async function nvidiaInfo(nvidiaSmi: string, env: Env): Promise<NonNullable<RunManifest["nvidia"]>> {
  const inventory = await capture(nvidiaSmi, [`--query-gpu=${INVENTORY_FIELDS.join(",")}`, "--format=csv,noheader,nounits"], env);
  const table = await capture(nvidiaSmi, [], env);
  const gpus = inventory.ok ? parseInventory(inventory.out) : [];
  const cuda = /CUDA Version:\s*([\d.]+)/.exec(table.out);
  const driver = /Driver Version:\s*([\d.]+)/.exec(table.out);
  const errors = [inventory.error, table.error].filter((e): e is string => e !== null);
  return {
    nvidia_smi: nvidiaSmi,
    driver_version: gpus[0]?.driver_version ?? (driver ? driver[1]! : null),
    cuda_version: cuda ? cuda[1]! : null,
    gpus,
    error: errors.length ? errors.join("; ") : null
  };
}

/**
 * Checksums of the existing regular files the command names, as plain arguments or `--opt=value`.
 * Hashed before the run, so they describe what the pipeline read.
 */
export async function commandInputs(argv: string[], cwd: string): Promise<RunManifest["inputs"]> {
  const seen = new Set<string>();
  const inputs: RunManifest["inputs"] = [];
  for (const arg of argv) {
    const candidates = [arg];
    const eq = arg.indexOf("=");
    if (arg.startsWith("-") && eq > 0) candidates.push(arg.slice(eq + 1));
    for (const c of candidates) {
      if (!c || c.startsWith("-")) continue;
      // A bare program name (`python`) is looked up on PATH, not in cwd: do not hash a same-named file.
      if (arg === argv[0] && !c.includes("/")) continue;
      const p = path.resolve(cwd, c);
      if (seen.has(p)) continue;
      try {
        if (!(await stat(p)).isFile()) continue;
      } catch {
        continue;
      }
      seen.add(p);
      const {sha256, bytes} = await hashFile(p);
      inputs.push({arg, path: p, bytes, sha256});
    }
  }
  return inputs;
}
