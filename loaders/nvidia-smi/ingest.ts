/**
 * A run's nvidia-smi CSV samples (`gpu_samples:`) into gpu_monitors and gpu_samples, for pipelines that
 * have no monitor of their own (csv, hyperfine). The samples keep nvidia-smi's local clock, which is the
 * clock a pipeline's stage timestamps must use for the GPU window to line up.
 */
import {isInputError} from "../../engine/errors.ts";
import {exists, readTextArtifact} from "../../engine/artifacts.ts";
import {insertRows} from "../../engine/db/writer.ts";
import type {IngestContext} from "../../engine/ingest/adapter.ts";
import {resolveStudyPath, type RunSpec} from "../../engine/study.ts";
import {parseNvidiaSmiCsv} from "./samples.ts";

/** Returns the number of samples read; a missing or unreadable file is a finding, not an exception. */
export async function ingestNvidiaSmiSamples(context: IngestContext, run: RunSpec): Promise<number> {
  if (!run.gpu_samples) return 0;
  const file = resolveStudyPath(context.study, run.gpu_samples, `runs.${run.id}.gpu_samples`);
  if (!(await exists(file))) {
    context.finding({run_id: run.id, code: "missing_artifact", severity: "warning", message: "gpu_samples file does not exist", file, line: null, affects: ["gpu"]});
    return 0;
  }
  let monitor;
  try {
    const artifact = await readTextArtifact(file, "nvidia-smi samples");
    context.artifact({run_id: run.id, kind: "nvidia_smi", path: file, bytes: artifact.bytes, sha256: artifact.sha256, rows: null});
    monitor = parseNvidiaSmiCsv(artifact.text, {file});
  } catch (error) {
    if (!isInputError(error)) throw error;
    context.finding({run_id: run.id, code: "artifact_unreadable", severity: "error", message: `gpu_samples: ${error.message}`, file, line: error.line ?? null, affects: ["gpu"]});
    return 0;
  }
  for (const f of monitor.findings) context.finding({run_id: run.id, code: f.code, severity: f.severity, message: f.message, file, line: f.line ?? null, affects: f.affects});
  await insertRows(context.connection, "gpu_monitors", [
    {run_id: run.id, monitor: file, format: monitor.format, started_at: monitor.startedLocal, stopped_at: monitor.stoppedLocal, devices: JSON.stringify(monitor.devices), nvitop: null, utc_offset_seconds: null, samples: monitor.samples.length}
  ]);
  await insertRows(
    context.connection,
    "gpu_samples",
    monitor.samples.map((s) => ({
      run_id: run.id, monitor: file, sampled_at: new Date(Math.round(s.epoch * 1000)).toISOString().replace("T", " ").replace("Z", ""), epoch: s.epoch, device: s.device, uuid: s.uuid,
      utilization: s.utilization, memory_mib: s.memoryMib, memory_pct: s.memoryPct, temperature: s.temperature, power_watts: s.powerWatts, stage: s.stage
    }))
  );
  return monitor.samples.length;
}
