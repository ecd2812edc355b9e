/**
 * The CLI's opening lines (FORMATS.md §3): `VirNucPro Prediction - Input: …` and the `Configuration:`
 * block of `  Key: value` lines, which ends at the first line that is not an entry.
 */
import type {LogRecord, RunMetadata} from "../records.ts";
import type {Findings} from "./findings.ts";

export type RunConfig = Pick<
  RunMetadata,
  | "input"
  | "config"
  | "modelPath"
  | "expectedLength"
  | "batchSize"
  | "dnabertBatchSize"
  | "esmBatchSize"
  | "parallel"
  | "resume"
  | "outputDir"
  | "modelLine"
>;

type ConfigValues = Omit<RunConfig, "input" | "config" | "modelLine">;

export function isConfigHeader(message: string): boolean {
  return message.trimEnd() === "Configuration:";
}

/** The CLI's first line, which opens a run (also when its path does not read as one line). */
export function isInputLine(message: string): boolean {
  return message.trimEnd().startsWith("VirNucPro Prediction - Input: ");
}

/** `VirNucPro Prediction - Input: {path}` */
export function parseInputLine(message: string): string | null {
  const m = /^VirNucPro Prediction - Input: (.+)$/.exec(message.trimEnd());
  return m ? m[1]! : null;
}

/** `  {key}: {value}` inside the block; key and value trimmed. */
export function parseConfigEntry(message: string): {key: string; value: string} | null {
  const m = /^ {2}([^:]{1,80}): (.*)$/.exec(message);
  return m ? {key: m[1]!.trim(), value: m[2]!.trim()} : null;
}

/** What one entry says about the run; a value that does not read as documented becomes null. */
export function interpretConfigEntry(key: string, value: string): Partial<ConfigValues> {
  switch (key) {
    case "Model":
      return {modelPath: value};
    case "Expected length": {
      const m = /^(\d+)\s*bp$/.exec(value);
      return {expectedLength: m && Number(m[1]) > 0 ? Number(m[1]) : null};
    }
    case "Batch size":
      return {batchSize: intOrNull(value)};
    case "DNABERT batch size":
      return {dnabertBatchSize: intOrNull(value)};
    case "ESM-2 batch size":
      return {esmBatchSize: intOrNull(value)};
    case "Parallel processing":
      return {parallel: value === "enabled" ? true : value === "disabled" ? false : null};
    case "Resume":
      return {resume: value === "True" ? true : value === "False" ? false : null};
    case "Output directory":
      return {outputDir: value};
    default:
      return {};
  }
}

function intOrNull(value: string): number | null {
  return /^\d+$/.test(value) ? Number(value) : null;
}

/** The input line and the configuration block of one run. */
export class ConfigSection {
  private input = false;
  private block = false;
  private inBlock = false;
  private readonly fields: RunConfig = {
    input: null,
    config: {},
    modelPath: null,
    expectedLength: null,
    batchSize: null,
    dnabertBatchSize: null,
    esmBatchSize: null,
    parallel: null,
    resume: null,
    outputDir: null,
    modelLine: null
  };

  constructor(private readonly findings: Findings) {}

  get inputSeen(): boolean {
    return this.input;
  }

  get blockSeen(): boolean {
    return this.block;
  }

  /** True when the record was one of this section's lines. */
  line(record: Pick<LogRecord, "message" | "line">): boolean {
    const {message, line} = record;
    if (this.inBlock) {
      const entry = parseConfigEntry(message);
      if (entry) {
        this.entry(entry.key, entry.value, line);
        return true;
      }
      this.inBlock = false;
    }
    if (isConfigHeader(message)) {
      this.block = true;
      this.inBlock = true;
      return true;
    }
    const input = parseInputLine(message);
    if (input === null) return false;
    this.input = true;
    this.fields.input = input;
    return true;
  }

  private entry(key: string, value: string, line: number): void {
    const values = interpretConfigEntry(key, value);
    this.fields.config[key] = value;
    Object.assign(this.fields, values);
    if ("modelPath" in values || "expectedLength" in values) this.fields.modelLine ??= line;
    if (values.resume === true) {
      this.findings.add("resumed_run", "warning", "run was started with --resume: stages completed earlier are not re-timed", line, ["timing", "throughput"]);
    }
  }

  finish(): RunConfig {
    return this.fields;
  }
}
