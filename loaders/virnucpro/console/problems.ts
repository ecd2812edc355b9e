/**
 * What went wrong, from any envelope: ERROR/CRITICAL records (one finding each, up to a cap), the
 * CUDA out-of-memory block of the main process, and tracebacks under a main-process error.
 */
import type {LogRecord} from "../records.ts";
import {isRule} from "../stages.ts";
import type {Findings} from "./findings.ts";

/** individual error_record findings before they are summarised in one */
export const MAX_ERROR_FINDINGS = 50;

export function mentionsOutOfMemory(text: string): boolean {
  return text.includes("OUT OF MEMORY ERROR");
}

export function isTracebackStart(line: string): boolean {
  return line.startsWith("Traceback (most recent call last):");
}

/** `Memory at failure: …` or `Fragmentation ratio: …` from the OOM block, if it printed one. */
export function outOfMemoryDetail(record: Pick<LogRecord, "message" | "continuation">): string | null {
  const detail = [record.message, ...record.continuation].find((line) => /^\s*(Memory at failure|Fragmentation ratio):/.test(line));
  return detail === undefined ? null : detail.trim();
}

/** The first line of a record that says something (not blank, not a rule), cut to 300 characters. */
export function firstMeaningfulLine(record: Pick<LogRecord, "message" | "continuation">): string {
  const line = [record.message, ...record.continuation].map((text) => text.trim()).find((text) => text !== "" && !isRule(text)) ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** Evidence that the run stopped, found outside its closing lines; the outcome section weighs it. */
export interface Stops {
  outOfMemory: boolean;
  errorTraceback: boolean;
}

export class ProblemsSection {
  /** line of the first out-of-memory record */
  private outOfMemory: number | null = null;
  private errorTraceback = false;
  private errorRecords = 0;

  constructor(private readonly findings: Findings) {}

  record(record: LogRecord): void {
    if (this.outOfMemory === null && record.envelope === "main" && (mentionsOutOfMemory(record.message) || record.continuation.some(mentionsOutOfMemory))) {
      this.outOfMemory = record.line;
      const detail = outOfMemoryDetail(record);
      this.findings.add("out_of_memory", "error", `the pipeline stopped on a CUDA out-of-memory error${detail ? ` (${detail})` : ""}`, record.line, [
        "timing",
        "correctness"
      ]);
    }
    if (record.level !== "ERROR" && record.level !== "CRITICAL") return;
    if (record.envelope === "main" && record.continuation.some(isTracebackStart)) this.errorTraceback = true;
    this.errorRecords++;
    if (this.errorRecords <= MAX_ERROR_FINDINGS) {
      const who = record.envelope === "worker" ? `worker ${record.worker} ` : "";
      this.findings.add("error_record", "error", `${who}${record.level} from ${record.logger}: ${firstMeaningfulLine(record)}`, record.line, ["correctness"]);
    }
  }

  stops(): Stops {
    return {outOfMemory: this.outOfMemory !== null, errorTraceback: this.errorTraceback};
  }

  finish(): void {
    if (this.errorRecords <= MAX_ERROR_FINDINGS) return;
    this.findings.add("error_record", "error", `${this.errorRecords - MAX_ERROR_FINDINGS} further ERROR/CRITICAL records not listed individually`, null, [
      "correctness"
    ]);
  }
}
