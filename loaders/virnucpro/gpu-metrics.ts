/**
 * `logs/gpu_metrics_YYYYmmdd_HHMMSS.log`, written by the pipeline's NvitopMonitor (FORMATS.md §4.1).
 *
 * One CSV row per device per ~1 s between `#` header and footer lines. The file is written by two
 * parties without coordination, which shapes this parser:
 * - header race (c): the sampling thread starts before the header is written, so rows can precede
 *   the header, or the header can be missing: `#` lines are accepted anywhere.
 * - file-name collision (b): two monitors started in the same second share a file and the later
 *   header (mode 'w') truncates what the first wrote: a repeated header is flagged.
 * - a killed monitor leaves its last row cut: that row is dropped with a finding.
 * Row times are Unix epochs while the header is local naive time; comparing both gives the host's
 * UTC offset, which is how samples are placed on the logs' clock.
 */
import {InputError} from "../../engine/errors.ts";
import {GpuMonitorSchema, type Finding, type GpuMonitor, type GpuSample} from "./records.ts";

export interface GpuMetricsOptions {
  /** the file's path, for messages */
  file?: string;
}

export const GPU_METRICS_COLUMNS = "timestamp,device_id,gpu_util,mem_used_mb,mem_percent,temperature,power_draw,stage";
const EXPECTED_ROW = `8 comma-separated columns ${GPU_METRICS_COLUMNS} (epoch seconds, device index, util %, MiB, %, °C or empty, mW or empty, stage)`;

const NUMBER = /^\d{1,15}(?:\.\d{1,15})?$/;
const INDEX = /^\d{1,6}$/;
const ISO_LOCAL = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;

/** Offsets are whole quarter hours; the header is written within seconds of the first sample. */
const OFFSET_STEP = 900;
const MAX_OFFSET = 14 * 3600;

export function parseGpuMetrics(text: string, options: GpuMetricsOptions = {}): GpuMonitor {
  const file = options.file;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split("\n");
  const terminated = body.endsWith("\n");
  if (terminated) lines.pop();
  const lastData = lastDataIndex(lines);

  const findings: Finding[] = [];
  const samples: GpuSample[] = [];
  let startedLocal: string | null = null;
  let startedAsUtc: number | null = null;
  let stoppedLocal: string | null = null;
  let devices: number[] | null = null;
  let nvitop: string | null = null;
  let headers = 0;

  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i]!;
    const content = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const cut = !terminated && i === lines.length - 1;
    const trimmed = content.trim();
    if (trimmed === "") continue;

    if (trimmed.startsWith("#")) {
      // a comment line without its newline may be cut mid-value: not read
      if (cut) continue;
      const comment = trimmed.slice(1).trim();
      let m: RegExpExecArray | null;
      if (comment === "GPU Monitoring Log") {
        if (++headers > 1) {
          findings.push({
            code: "header_repeated",
            severity: "warning",
            message: `a second monitor header at line ${line}: two monitors started in the same second share this file, and the later one truncated the rows written before its header (samples are missing and may mix two monitors)`,
            line,
            affects: ["gpu"]
          });
        }
      } else if ((m = /^Started: (.+)$/.exec(comment))) {
        const t = isoLocal(m[1]!.trim());
        if (t && startedLocal === null) {
          startedLocal = t.local;
          startedAsUtc = t.asUtc;
        }
      } else if ((m = /^Monitoring Stopped: (.+)$/.exec(comment))) {
        const t = isoLocal(m[1]!.trim());
        if (t) stoppedLocal = t.local;
      } else if ((m = /^Devices: \[([\d,\s]*)\]$/.exec(comment))) {
        devices ??= m[1]!.split(",").map((s) => s.trim()).filter((s) => INDEX.test(s)).map(Number);
      } else if ((m = /^Nvitop: (\S+)$/.exec(comment))) {
        nvitop ??= m[1]!;
      } else if (comment.startsWith("timestamp,") && comment.replace(/\s/g, "") !== GPU_METRICS_COLUMNS) {
        throw new InputError(`unknown gpu_metrics column header '${comment}'`, {file, line, expected: `'# ${GPU_METRICS_COLUMNS}'`});
      }
      continue;
    }

    const sample = parseRow(content, line);
    if (sample === null || cut) {
      if (cut || i === lastData) {
        findings.push({
          code: "truncated_row",
          severity: "warning",
          message: `last row (line ${line}) is cut short${cut ? " (no newline)" : ""}: the monitor stopped while writing it; row dropped`,
          line,
          affects: ["gpu"]
        });
        continue;
      }
      throw new InputError(`malformed gpu_metrics row '${clip(content)}'`, {file, line, expected: EXPECTED_ROW});
    }
    samples.push(sample);
  }

  if (nvitop === "fallback") {
    findings.push({
      code: "nvitop_fallback",
      severity: "warning",
      message: "nvitop was not available: the monitor recorded gpu_util as 0 by construction (torch memory only, no utilization, temperature or power)",
      line: null,
      affects: ["gpu"]
    });
  } else if (nvitop === null && samples.length > 0 && samples.every((s) => s.utilization === 0 && s.powerWatts === null && s.temperature === null)) {
    findings.push({
      code: "nvitop_fallback",
      severity: "warning",
      message: "no header, and every row has utilization 0 with no power or temperature: the monitor ran in its fallback mode (utilization not measured)",
      line: null,
      affects: ["gpu"]
    });
  }

  let utcOffsetSeconds: number | null = null;
  if (startedAsUtc !== null && samples.length > 0) {
    const offset = Math.round((startedAsUtc - samples[0]!.epoch) / OFFSET_STEP) * OFFSET_STEP || 0;
    if (Math.abs(offset) <= MAX_OFFSET) utcOffsetSeconds = offset;
    else {
      findings.push({
        code: "gpu_clock_mismatch",
        severity: "warning",
        message: `the header's start time ${startedLocal} and the first sample's epoch differ by ${Math.round(startedAsUtc - samples[0]!.epoch)} s, more than any time zone: the clock offset is unknown`,
        line: null,
        affects: ["gpu"]
      });
    }
  }

  return GpuMonitorSchema.parse({
    format: "gpu_metrics",
    startedLocal,
    stoppedLocal,
    // without a header, the devices are the ones the rows name
    devices: devices ?? [...new Set(samples.map((s) => s.device))].sort((a, b) => a - b),
    nvitop,
    utcOffsetSeconds,
    samples,
    findings
  });
}

function parseRow(content: string, line: number): GpuSample | null {
  const cols = content.split(",");
  if (cols.length !== 8) return null;
  const [timestamp, device, util, mem, pct, temperature, power, stage] = cols.map((c) => c.trim()) as [string, string, string, string, string, string, string, string];
  if (!NUMBER.test(timestamp) || !INDEX.test(device) || !NUMBER.test(util) || !NUMBER.test(mem) || !NUMBER.test(pct)) return null;
  if (temperature !== "" && !NUMBER.test(temperature)) return null;
  if (power !== "" && !NUMBER.test(power)) return null;
  const utilization = Number(util);
  if (utilization > 100) return null;
  return {
    epoch: Number(timestamp),
    device: Number(device),
    uuid: null,
    utilization,
    memoryMib: Number(mem),
    memoryPct: Number(pct),
    temperature: temperature === "" ? null : Number(temperature),
    // nvitop's power_usage() is in milliwatts; decimal shift keeps 312456 -> 312.456 exact
    powerWatts: power === "" ? null : Number(`${power}e-3`),
    stage: stage === "" ? null : stage,
    line
  };
}

/** Index of the last line that is neither blank nor a comment (-1 if none). */
function lastDataIndex(lines: string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    if (t !== "" && !t.startsWith("#")) return i;
  }
  return -1;
}

/** Python's `datetime.isoformat()` of a naive local time -> LocalTime, plus its value read as if UTC. */
export function isoLocal(text: string): {local: string; asUtc: number} | null {
  const m = ISO_LOCAL.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = m[7] ?? "";
  const check = new Date(0);
  check.setUTCFullYear(y, mo - 1, d);
  check.setUTCHours(h, mi, s, 0);
  const ms = check.getTime();
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || check.getUTCHours() !== h || check.getUTCMinutes() !== mi || check.getUTCSeconds() !== s) return null;
  return {
    // truncated to milliseconds, as Python's logging does
    local: `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${fraction.padEnd(3, "0").slice(0, 3)}`,
    asUtc: ms / 1000 + (fraction ? Number(`0.${fraction}`) : 0)
  };
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}
