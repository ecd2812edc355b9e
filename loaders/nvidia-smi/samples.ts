/**
 * nvidia-smi CSV output, independent of any pipeline:
 * - samples: `nvidia-smi --query-gpu=timestamp,index,uuid,utilization.gpu,memory.used,power.draw
 *   --format=csv,noheader,nounits -lms 1000` (what `benchbook run` records next to a pipeline);
 * - inventory: `nvidia-smi --query-gpu=index,uuid,name,driver_version,memory.total,pci.bus_id --format=csv`.
 *
 * nvidia-smi's CSV has no quoting and separates fields with ", ". With a header line the columns are
 * located by name, so other field orders work too; without one the sampler's order is assumed. Units
 * (`80 %`, `0 MiB`, `80.73 W`) are accepted whether or not `nounits` was given, and `[N/A]`,
 * `[Not Supported]` and other bracketed answers read as "no value".
 *
 * The timestamp is the host's local naive time. The epoch is that time minus the host's UTC offset,
 * which the capture itself cannot tell: the caller passes it (default: treated as UTC).
 */
import {InputError} from "../../engine/errors.ts";
import {GpuMonitorSchema, type Finding, type GpuMonitor, type GpuSample} from "../virnucpro/records.ts";

export interface NvidiaSmiOptions {
  file?: string;
  /** local minus UTC of the host that ran nvidia-smi, in seconds; unknown = treated as 0 */
  utcOffsetSeconds?: number;
}

/** The sample query `benchbook run` uses, in order: the column order of a headerless capture. */
export const NVIDIA_SMI_SAMPLE_FIELDS = ["timestamp", "index", "uuid", "utilization.gpu", "memory.used", "power.draw"] as const;
const INVENTORY_FIELDS = ["index", "uuid", "name", "driver_version", "memory.total", "pci.bus_id"] as const;

const EXPECTED_SAMPLE = `'YYYY/MM/DD HH:MM:SS.mmm, index, uuid, utilization.gpu, memory.used, power.draw' (nvidia-smi --query-gpu=${NVIDIA_SMI_SAMPLE_FIELDS.join(",")} --format=csv)`;
const TIMESTAMP = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/;
const NUMBER = /^\d{1,15}(?:\.\d{1,15})?$/;
const INDEX = /^\d{1,6}$/;
const UNIT = /\s*(?:%|MiB|MB|W|C)$/;
const DATE_START = /^\d{4}\/\d\d\/\d\d/;

export function parseNvidiaSmiCsv(text: string, options: NvidiaSmiOptions = {}): GpuMonitor {
  const {file} = options;
  const offset = options.utcOffsetSeconds ?? 0;
  const {lines, terminated} = physicalLines(text);
  const lastData = lastNonBlank(lines);
  const findings: Finding[] = [];
  const samples: GpuSample[] = [];
  let columns: Map<string, number> | null = null;
  let header: string | null = null;
  let firstLocal: string | null = null;
  let lastLocal: string | null = null;
  let unavailable: {count: number; line: number} | null = null;
  let messages: {count: number; line: number; text: string} | null = null;

  for (let i = 0; i < lines.length; i++) {
    const content = lines[i]!.trim();
    const line = i + 1;
    if (content === "") continue;
    const cut = !terminated && i === lines.length - 1;
    const fields = content.split(",").map((f) => f.trim());

    if (cut || i === lastData) {
      // the sampler is stopped by a signal: its last line may be cut anywhere
      const row = cut ? null : parseSampleRow(fields, columns, offset, line);
      if (row === null && (cut || DATE_START.test(content))) {
        findings.push({code: "truncated_row", severity: "warning", message: `last row (line ${line}) is cut short${cut ? " (no newline)" : ""}: nvidia-smi was stopped while writing it; row dropped`, line, affects: ["gpu"]});
        continue;
      }
    }
    if (!DATE_START.test(content) && fields.length === 1) {
      // nvidia-smi prints its errors ("Unable to determine the device handle for GPU …: GPU is lost") to stdout
      if (messages) messages.count++;
      else messages = {count: 1, line, text: content};
      continue;
    }
    if (isHeader(fields[0]!)) {
      if (header === null) {
        header = content;
        columns = columnsOf(fields, ["timestamp", "index", "utilization.gpu"], {file, line, expected: EXPECTED_SAMPLE});
      } else if (content !== header) {
        throw new InputError(`a second, different header '${clip(content)}'`, {file, line, expected: `the same columns as the header at the top ('${clip(header)}')`});
      }
      continue;
    }

    const row = parseSampleRow(fields, columns, offset, line);
    if (row === null) throw new InputError(`malformed nvidia-smi row '${clip(content)}'`, {file, line, expected: EXPECTED_SAMPLE});
    if (row === "unavailable") {
      if (unavailable) unavailable.count++;
      else unavailable = {count: 1, line};
      continue;
    }
    samples.push(row.sample);
    firstLocal ??= row.local;
    lastLocal = row.local;
  }

  if (unavailable) {
    findings.push({code: "utilization_unavailable", severity: "warning", message: `${unavailable.count} row(s) report no GPU utilization ([N/A] or [Not Supported]; first at line ${unavailable.line}): rows skipped`, line: unavailable.line, affects: ["gpu"]});
  }
  if (messages) {
    findings.push({code: "nvidia_smi_message", severity: "warning", message: `${messages.count} line(s) are nvidia-smi messages, not samples (first at line ${messages.line}: '${clip(messages.text)}')`, line: messages.line, affects: ["gpu"]});
  }

  return GpuMonitorSchema.parse({
    format: "nvidia_smi",
    startedLocal: firstLocal,
    stoppedLocal: lastLocal,
    devices: [...new Set(samples.map((s) => s.device))].sort((a, b) => a - b),
    nvitop: null,
    utcOffsetSeconds: options.utcOffsetSeconds ?? null,
    samples,
    findings
  });
}

type SampleRow = {sample: GpuSample; local: string} | "unavailable" | null;

function parseSampleRow(fields: string[], columns: Map<string, number> | null, offset: number, line: number): SampleRow {
  const at = (name: (typeof NVIDIA_SMI_SAMPLE_FIELDS)[number]): string | undefined => {
    const index = columns ? columns.get(name) : NVIDIA_SMI_SAMPLE_FIELDS.indexOf(name);
    return index === undefined ? undefined : fields[index];
  };
  const expectedCount = columns ? columns.size : NVIDIA_SMI_SAMPLE_FIELDS.length;
  if (fields.length !== expectedCount) return null;
  const time = localTime(at("timestamp") ?? "");
  const device = at("index") ?? "";
  if (time === null || !INDEX.test(device)) return null;
  const utilization = value(at("utilization.gpu"));
  const memory = value(at("memory.used"));
  const power = value(at("power.draw"));
  if (utilization === undefined || memory === undefined || power === undefined) return null;
  if (utilization === null) return "unavailable";
  if (utilization > 100) return null;
  const uuid = at("uuid");
  return {
    local: time.local,
    sample: {
      epoch: time.asUtc - offset,
      device: Number(device),
      uuid: uuid === undefined || uuid === "" || uuid.startsWith("[") ? null : uuid,
      utilization,
      memoryMib: memory,
      memoryPct: null,
      temperature: null,
      powerWatts: power,
      stage: null,
      line
    }
  };
}

/** A numeric field: number, null for a bracketed "no value" answer or an absent column, undefined if malformed. */
function value(field: string | undefined): number | null | undefined {
  if (field === undefined) return null;
  if (/^\[.*\]$/.test(field) || field === "N/A") return null;
  const bare = field.replace(UNIT, "");
  return NUMBER.test(bare) ? Number(bare) : undefined;
}

function localTime(text: string): {local: string; asUtc: number} | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) return null;
  const fraction = m[7] ?? "";
  return {
    local: `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}.${fraction.padEnd(3, "0").slice(0, 3)}`,
    asUtc: date.getTime() / 1000 + (fraction ? Number(`0.${fraction}`) : 0)
  };
}

// ---------------------------------------------------------------------------------------------------

export interface GpuInventoryEntry {
  index: number;
  uuid: string;
  name: string;
  driver: string | null;
  memoryTotalMib: number | null;
  pciBusId: string | null;
}

const EXPECTED_INVENTORY = `'index, uuid, name, driver_version, memory.total [MiB], pci.bus_id' rows (nvidia-smi --query-gpu=${INVENTORY_FIELDS.join(",")} --format=csv)`;

/** The GPUs of a host, from the inventory query (with or without header and units). */
export function parseNvidiaSmiInventory(csvText: string, options: {file?: string} = {}): GpuInventoryEntry[] {
  const {file} = options;
  const {lines} = physicalLines(csvText);
  let columns: Map<string, number> | null = null;
  const gpus: GpuInventoryEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const content = lines[i]!.trim();
    const line = i + 1;
    if (content === "") continue;
    const fields = content.split(",").map((f) => f.trim());
    if (isHeader(fields[0]!)) {
      columns ??= columnsOf(fields, ["index", "uuid", "name"], {file, line, expected: EXPECTED_INVENTORY});
      continue;
    }
    const at = (name: (typeof INVENTORY_FIELDS)[number]): string | null => {
      const index = columns ? columns.get(name) : INVENTORY_FIELDS.indexOf(name);
      const field = index === undefined ? undefined : fields[index];
      return field === undefined || field === "" || /^\[.*\]$/.test(field) ? null : field;
    };
    const index = at("index");
    const uuid = at("uuid");
    const name = at("name");
    const memory = at("memory.total");
    const memoryTotalMib = memory === null ? null : value(memory);
    if (fields.length !== (columns ? columns.size : INVENTORY_FIELDS.length) || index === null || !INDEX.test(index) || uuid === null || name === null || memoryTotalMib === undefined) {
      throw new InputError(`malformed nvidia-smi GPU row '${clip(content)}'`, {file, line, expected: EXPECTED_INVENTORY});
    }
    gpus.push({index: Number(index), uuid, name, driver: at("driver_version"), memoryTotalMib, pciBusId: at("pci.bus_id")});
  }
  return gpus;
}

// ---------------------------------------------------------------------------------------------------

function physicalLines(text: string): {lines: string[]; terminated: boolean} {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  const terminated = body.endsWith("\n");
  if (terminated) lines.pop();
  return {lines, terminated};
}

function lastNonBlank(lines: string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.trim() !== "") return i;
  return -1;
}

/** A header's first field is a query field name (`timestamp`, `index`, …), never a value. */
function isHeader(first: string): boolean {
  return /^[a-z_]+(?:\.[a-z_]+)*(?: \[[^\]]*\])?$/.test(first) && first !== "";
}

/** Column positions by field name, units (`memory.used [MiB]`) removed. */
function columnsOf(fields: string[], required: string[], where: {file?: string; line: number; expected: string}): Map<string, number> {
  const columns = new Map<string, number>();
  fields.forEach((f, i) => columns.set(f.replace(/\s*\[[^\]]*\]$/, ""), i));
  const missing = required.filter((r) => !columns.has(r));
  if (missing.length) throw new InputError(`nvidia-smi header lacks ${missing.join(", ")}`, {file: where.file, line: where.line, expected: where.expected});
  return columns;
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 120)}…` : s;
}
