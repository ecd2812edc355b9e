/**
 * How an execution ended, in one word and a reason. Only `succeeded` can ever count as a pass: a timeout,
 * an interrupt, a non-zero exit, a death by signal or missing outputs are each recorded as what they are.
 */
import type {ProcessOutcome} from "./execute.ts";
import type {ExecutionStatus, OutputsCheck} from "./manifest.ts";

/** VirNucPro's exit codes (FORMATS.md §10.1). */
const EXIT_MEANING: Record<number, string> = {
  1: "pipeline error",
  2: "partial success: some files failed",
  4: "GPU out of memory"
};

export function executionStatus(
  outcome: Pick<ProcessOutcome, "end" | "exitCode" | "signal" | "detail" | "killed">,
  outputs: OutputsCheck | null,
  timeoutSeconds: number
): {status: Exclude<ExecutionStatus, "running">; reason: string | null} {
  const kill = outcome.killed ? "; it ignored SIGTERM and was killed with SIGKILL" : "";
  switch (outcome.end) {
    case "spawn_failed":
      return {status: "failed", reason: `could not start: ${outcome.detail ?? "unknown error"}`};
    case "timed_out":
      return {status: "timed_out", reason: `stopped after the ${timeoutSeconds} s timeout${kill}`};
    case "interrupted":
      return {status: "interrupted", reason: `interrupted (${outcome.detail ?? "aborted"})${kill}`};
    case "exited":
      break;
  }
  if (outcome.signal) return {status: "failed", reason: `killed by ${outcome.signal}`};
  if (outcome.exitCode !== 0) {
    const meaning = outcome.exitCode === null ? undefined : EXIT_MEANING[outcome.exitCode];
    return {status: "failed", reason: `exit code ${outcome.exitCode}${meaning ? ` (${meaning})` : ""}`};
  }
  if (outputs && !outputs.ok) return {status: "failed", reason: outputs.reason};
  return {status: "succeeded", reason: null};
}
