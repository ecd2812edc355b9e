/**
 * What the main log says about the hardware and the code path (FORMATS.md §3): `Architecture:`,
 * `Detected N CUDA device(s)`, `Using GPUs:`, `Starting multi-GPU inference: N GPUs` and one
 * `GPU i (name): Compute x.y, BF16 enabled` line per device.
 */
import type {LogRecord, RunMetadata} from "../records.ts";

export type RunDevices = Pick<RunMetadata, "architecture" | "cudaDeviceCount" | "worldSize" | "usingGpus" | "gpus">;
type Gpu = RunMetadata["gpus"][number];

export type DeviceLine =
  | {kind: "architecture"; architecture: string}
  | {kind: "cudaDeviceCount"; count: number}
  | {kind: "usingGpus"; gpus: string}
  | {kind: "worldSize"; worldSize: number}
  | {kind: "gpu"; gpu: Gpu};

export function parseDeviceLine(message: string): DeviceLine | null {
  const text = message.trimEnd();
  let m: RegExpExecArray | null;
  if ((m = /^Architecture: (.+)$/.exec(text))) return {kind: "architecture", architecture: m[1]!};
  if ((m = /^Detected (\d+) CUDA device\(s\)/.exec(text)) || (m = /^Detected (\d+) GPUs, enabling/.exec(text))) {
    return {kind: "cudaDeviceCount", count: Number(m[1])};
  }
  if ((m = /^Using GPUs: (.+)$/.exec(text))) return {kind: "usingGpus", gpus: m[1]!};
  if ((m = /^Starting multi-GPU inference: (\d+) GPUs?/.exec(text))) return {kind: "worldSize", worldSize: Number(m[1])};
  if ((m = /^GPU (\d+) \((.+)\): Compute (\S+), BF16 (enabled|disabled)$/.exec(text))) {
    return {kind: "gpu", gpu: {index: Number(m[1]), name: m[2]!, compute: m[3]!, bf16: m[4] === "enabled"}};
  }
  return null;
}

/** The device lines of one run: the last value of each wins, one entry per GPU index. */
export class DevicesSection {
  private readonly fields: RunDevices = {architecture: null, cudaDeviceCount: null, worldSize: null, usingGpus: null, gpus: []};

  line(record: Pick<LogRecord, "message">): boolean {
    const parsed = parseDeviceLine(record.message);
    if (!parsed) return false;
    const fields = this.fields;
    switch (parsed.kind) {
      case "architecture":
        fields.architecture = parsed.architecture;
        break;
      case "cudaDeviceCount":
        fields.cudaDeviceCount = parsed.count;
        break;
      case "usingGpus":
        fields.usingGpus = parsed.gpus;
        break;
      case "worldSize":
        // `0 GPUs` is a launcher that found none, not a world size
        if (parsed.worldSize > 0) fields.worldSize = parsed.worldSize;
        break;
      case "gpu": {
        const others = fields.gpus.filter((known) => known.index !== parsed.gpu.index);
        fields.gpus = [...others, parsed.gpu].sort((a, b) => a.index - b.index);
        break;
      }
    }
    return true;
  }

  finish(): RunDevices {
    return this.fields;
  }
}
