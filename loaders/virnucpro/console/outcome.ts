/**
 * How a run ended (FORMATS.md §2): the closing lines (`Pipeline completed successfully!`,
 * `Pipeline completed with n failures`, `Prediction failed:`, `All stages already completed!`), with
 * an out-of-memory stop or an uncaught traceback taking precedence.
 */
import type {ConsoleLog, LogRecord} from "../records.ts";
import type {Findings} from "./findings.ts";
import {isTracebackStart, type Stops} from "./problems.ts";

export type Outcome = ConsoleLog["outcome"];

export type OutcomeLine =
  | {kind: "success"}
  | {kind: "withFailures"; failures: string}
  | {kind: "failed"}
  | {kind: "alreadyComplete"}
  /** `Partial failure: …` names failed files but does not end the run */
  | {kind: "partialFailure"; text: string};

export function parseOutcomeLine(message: string): OutcomeLine | null {
  const text = message.trimEnd();
  if (text.startsWith("Partial failure: ")) return {kind: "partialFailure", text};
  if (text.startsWith("Pipeline completed successfully") || text.startsWith("Prediction completed successfully")) return {kind: "success"};
  const m = /^Pipeline completed with (\d+) failures?/.exec(text);
  if (m) return {kind: "withFailures", failures: m[1]!};
  if (text.startsWith("Prediction failed:")) return {kind: "failed"};
  if (text.startsWith("All stages already completed!")) return {kind: "alreadyComplete"};
  return null;
}

export class OutcomeSection {
  private readonly seen = new Set<Exclude<OutcomeLine["kind"], "partialFailure">>();
  private last: Pick<LogRecord, "envelope" | "continuation"> | null = null;

  constructor(private readonly findings: Findings) {}

  /** Every record, in order: an uncaught traceback prints unprefixed, after the last record. */
  record(record: LogRecord): void {
    this.last = record;
  }

  line(record: Pick<LogRecord, "message" | "line">): boolean {
    const {line} = record;
    const parsed = parseOutcomeLine(record.message);
    if (!parsed) return false;
    if (parsed.kind === "partialFailure") {
      this.findings.add("partial_failure", "error", parsed.text, line, ["correctness", "throughput"]);
      return true;
    }
    this.seen.add(parsed.kind);
    if (parsed.kind === "withFailures") {
      this.findings.add("partial_failure", "error", `pipeline completed with ${parsed.failures} failed files`, line, ["correctness", "throughput"]);
    }
    return true;
  }

  finish(stops: Stops): Outcome {
    const seen = this.seen;
    if (stops.outOfMemory) return "out_of_memory";
    if (seen.has("failed")) return "failed";
    if (seen.has("withFailures")) return "completed_with_failures";
    if (seen.has("success")) return "success";
    if (seen.has("alreadyComplete")) return "already_complete";
    const last = this.last;
    if (stops.errorTraceback || (last && last.envelope === "main" && last.continuation.some(isTracebackStart))) return "failed";
    return "unknown";
  }
}

export function outcomeWords(outcome: Outcome): string {
  switch (outcome) {
    case "success":
      return "completed successfully";
    case "completed_with_failures":
      return "completed with failures";
    case "failed":
      return "failed";
    case "out_of_memory":
      return "ran out of GPU memory";
    case "already_complete":
      return "found all stages already complete";
    case "unknown":
      return "end not logged: truncated or killed";
  }
}
