/**
 * nvidia-smi next to the pipeline: one CSV row per GPU per interval for every GPU on the host. The
 * pipeline's own monitor samples only GPU 0, and in multi-GPU runs every worker samples that same GPU
 * (FORMATS.md §4.1 (a)), so these samples are the only per-GPU utilisation a run has.
 */
import {closeSync, openSync} from "node:fs";
import {access, constants, mkdir, readFile} from "node:fs/promises";
import path from "node:path";
import {execa} from "execa";

export const SAMPLE_FIELDS = ["timestamp", "index", "uuid", "utilization.gpu", "memory.used", "power.draw"] as const;

export function samplerArgs(intervalMs: number): string[] {
  return [`--query-gpu=${SAMPLE_FIELDS.join(",")}`, "--format=csv,noheader,nounits", "-lms", String(intervalMs)];
}

/** First executable `name` on a PATH string, or null. */
export async function findExecutable(name: string, searchPath: string | undefined): Promise<string | null> {
  for (const dir of (searchPath ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export interface SamplerResult {
  file: string;
  rows: number;
  /** the sampler ended before it was stopped, or wrote to stderr */
  error: string | null;
  /**
   * local minus UTC, in seconds, of the clock nvidia-smi printed its timestamps on (they carry no
   * offset): the host's zone, or the TZ the study set for the run
   */
  utc_offset_seconds: number;
}

/**
 * Local minus UTC at `at` for the zone `tz` names (the run's TZ), or the process's own zone. A TZ that
 * Intl does not know (a POSIX rule string) falls back to the process's zone.
 */
export function utcOffsetSeconds(at: Date, tz?: string): number {
  if (tz) {
    try {
      const parts = new Intl.DateTimeFormat("en-US", {timeZone: tz.replace(/^:/, ""), hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"}).formatToParts(at);
      const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
      const local = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
      return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 1000);
    } catch {
      // not an IANA zone: the process's zone below
    }
  }
  return -at.getTimezoneOffset() * 60 || 0; // never -0
}

export interface GpuSampler {
  stop(): Promise<SamplerResult>;
}

export async function startGpuSampler(options: {
  nvidiaSmi: string;
  file: string;
  env: Record<string, string | undefined>;
  intervalMs: number;
}): Promise<GpuSampler> {
  await mkdir(path.dirname(options.file), {recursive: true});
  const offset = utcOffsetSeconds(new Date(), options.env.TZ);
  const fd = openSync(options.file, "w");
  let child;
  try {
    // a plain fd goes to spawn() as is (execa's types only list 3-9), so nvidia-smi writes the file itself
    child = execa(options.nvidiaSmi, samplerArgs(options.intervalMs), {stdout: fd as unknown as 3, stderr: "pipe", stdin: "ignore", reject: false, env: options.env, extendEnv: false});
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  const sampler = child;
  let stopping = false;
  let endedEarly = false;
  sampler.once("exit", () => {
    if (!stopping) endedEarly = true;
  });
  return {
    async stop() {
      stopping = true;
      sampler.kill("SIGTERM");
      const result = await sampler;
      const text = await readFile(options.file, "utf8").catch(() => "");
      const rows = text.split("\n").filter((l) => l.trim() !== "").length;
      const stderr = typeof result.stderr === "string" ? result.stderr.trim() : "";
      const problems: string[] = [];
      if (result.failed && result.exitCode === undefined && result.signal === undefined) problems.push(result.shortMessage ?? "nvidia-smi could not start");
      else if (endedEarly) problems.push(`nvidia-smi ended before the pipeline did (${result.exitCode !== undefined ? `exit ${result.exitCode}` : (result.signal ?? result.shortMessage)})`);
      if (stderr) problems.push(stderr.split("\n")[0]!);
      return {file: options.file, rows, error: problems.length ? problems.join(": ") : null, utc_offset_seconds: offset};
    }
  };
}
