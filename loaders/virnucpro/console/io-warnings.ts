/**
 * `Mild|CRITICAL I/O bottleneck: GPU utilization p%` (FORMATS.md §4): the only utilisation the log
 * itself carries, from the main process or an ESM-2 worker. A censored sample, kept as logged.
 */
import type {IoWarning, LogRecord} from "../records.ts";

export function parseIoWarning(record: Pick<LogRecord, "message" | "at" | "worker" | "line">): IoWarning | null {
  const message = record.message;
  if (!message.includes("I/O bottleneck")) return null;
  const m = /^(Mild|CRITICAL) I\/O bottleneck: GPU utilization (\d+(?:\.\d+)?)%/.exec(message);
  if (!m) return null;
  return {at: record.at, worker: record.worker, severity: m[1] === "Mild" ? "mild" : "critical", utilization: Number(m[2]), line: record.line};
}
