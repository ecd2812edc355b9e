/**
 * The PIPELINE SUMMARY block (FORMATS.md §2.3): opened by `PIPELINE SUMMARY`, then the total wall
 * time, the numbered stage lines, bottlenecks and `Key metrics:`; the rule after the key metrics
 * closes it. A block that never reaches that rule is kept but marked incomplete.
 */
import type {ConsoleLog, LogRecord, Summary} from "../records.ts";
import {isRule, parseBottlenecks, parseSummaryStage, parseTotalWallTime} from "../stages.ts";
import type {Findings} from "./findings.ts";
import {outcomeWords} from "./outcome.ts";

export type SummaryLine =
  | {kind: "filler"}
  | {kind: "rule"}
  | {kind: "total"; hms: string; seconds: number}
  | {kind: "stage"; stage: NonNullable<ReturnType<typeof parseSummaryStage>>}
  | {kind: "bottlenecks"; bottlenecks: Summary["bottlenecks"]}
  | {kind: "keyMetrics"}
  | {kind: "architecture"; architecture: string}
  /** an indented line: one of the key metrics no parser keeps (Sequences processed, Speedup …) */
  | {kind: "indented"};

export function isSummaryStart(message: string): boolean {
  return message.trimEnd() === "PIPELINE SUMMARY";
}

/** One line inside an open block; null when it cannot be part of one. */
export function parseSummaryLine(message: string): SummaryLine | null {
  const text = message.trimEnd();
  if (text === "" || text === "Stages:") return {kind: "filler"};
  if (isRule(text)) return {kind: "rule"};
  const total = parseTotalWallTime(text);
  if (total) return {kind: "total", ...total};
  const stage = parseSummaryStage(message);
  if (stage) return {kind: "stage", stage};
  const bottlenecks = parseBottlenecks(text);
  if (bottlenecks) return {kind: "bottlenecks", bottlenecks};
  if (text === "Key metrics:") return {kind: "keyMetrics"};
  const arch = /^ {2}ESM-2 architecture: (.+)$/.exec(text);
  if (arch) return {kind: "architecture", architecture: arch[1]!};
  return text.startsWith("  ") ? {kind: "indented"} : null;
}

interface OpenBlock {
  summary: Summary;
  logger: string;
  keyMetricsSeen: boolean;
}

/** The last summary of one run; a second one in the same run is reported. */
export class SummarySection {
  private summary: Summary | null = null;
  private open: OpenBlock | null = null;
  private count = 0;

  constructor(private readonly findings: Findings) {}

  /** A summary has been logged: the run is over. */
  get seen(): boolean {
    return this.count > 0;
  }

  /** Takes a line of the open block (same logger as its first line); false for any other. */
  inBlock(record: Pick<LogRecord, "message" | "logger" | "line">): boolean {
    const open = this.open;
    if (!open || record.logger !== open.logger) return false;
    const parsed = parseSummaryLine(record.message);
    if (!parsed) return false;
    const summary = open.summary;
    switch (parsed.kind) {
      case "rule":
        if (open.keyMetricsSeen) {
          summary.complete = true;
          this.close();
        }
        break;
      case "total":
        summary.totalHms = parsed.hms;
        summary.totalSeconds = parsed.seconds;
        summary.totalLine = record.line;
        break;
      case "stage":
        if (parsed.stage.order > 0) summary.stages.push({...parsed.stage, line: record.line});
        break;
      case "bottlenecks":
        summary.bottlenecks = parsed.bottlenecks;
        break;
      case "keyMetrics":
        open.keyMetricsSeen = true;
        break;
      case "architecture":
        summary.architecture = parsed.architecture;
        break;
      case "indented":
        return open.keyMetricsSeen;
      case "filler":
        break;
    }
    return true;
  }

  /** Opens a block on `PIPELINE SUMMARY`; false for any other line. */
  start(record: Pick<LogRecord, "message" | "logger" | "line">): boolean {
    if (!isSummaryStart(record.message)) return false;
    this.count++;
    this.close();
    if (this.count > 1) {
      this.findings.add("multiple_runs", "warning", `a second PIPELINE SUMMARY in one run (line ${record.line}); only the last summary is kept`, record.line, [
        "timing",
        "metadata"
      ]);
    }
    const summary: Summary = {line: record.line, totalSeconds: null, totalHms: null, totalLine: null, stages: [], bottlenecks: [], architecture: null, complete: false};
    this.summary = summary;
    this.open = {summary, logger: record.logger, keyMetricsSeen: false};
    return true;
  }

  private close(): void {
    const open = this.open;
    if (!open) return;
    this.open = null;
    const summary = open.summary;
    if (!summary.complete) {
      this.findings.add(
        "summary_truncated",
        "warning",
        `PIPELINE SUMMARY at line ${summary.line} ends before its closing rule (${summary.stages.length} stage lines kept)`,
        summary.line,
        ["timing"]
      );
    }
    // Whether the stage times add up to the total is a figure, checked once in SQL (v_warnings'
    // stage_sum_mismatch, pointing at this summary's line): checking here too gave two findings per fault.
  }

  finish(outcome: ConsoleLog["outcome"]): Summary | null {
    this.close();
    if (this.summary === null) {
      const expected = outcome === "already_complete" || outcome === "failed" || outcome === "out_of_memory";
      this.findings.add(
        "no_summary",
        expected ? "info" : "warning",
        `no PIPELINE SUMMARY in the log (run ${outcomeWords(outcome)}): stage times come from 'completed in' lines only`,
        null,
        ["timing"]
      );
    }
    return this.summary;
  }
}
