/**
 * The broken-log corpus at parser level: each case states the exact outcome (findings with code,
 * severity and line; which values are known and which are null). The same cases go through ingest and
 * the report in ingest.test.ts.
 */
import {describe, expect, it} from "vitest";
import {parseConsoleLog} from "../../loaders/virnucpro/console-log.ts";
import {ConsoleLogSchema, type ConsoleLog} from "../../loaders/virnucpro/records.ts";
import {
  concatenatedLogs,
  consoleLogOf,
  cutMidLine,
  keepLines,
  linesOf,
  oomLog,
  resumedLog,
  runawayLine,
  sectionBoundaries,
  sectionsOf,
  toCrlf,
  withBom,
  type Sections
} from "./corpus.ts";

const FULL = consoleLogOf("2gpu");
const S = sectionsOf(FULL);
const full = parseConsoleLog(FULL, {file: "2gpu.log"});

type F = [code: string, severity: string, line: number | null];
const findings = (log: ConsoleLog): F[] => log.findings.map((f) => [f.code, f.severity, f.line]);

describe("the uncut capture (the reference every cut is compared with)", () => {
  it("parses clean: nine timed stages, a whole summary, success, no findings", () => {
    expect(full.findings).toEqual([]);
    expect(full.outcome).toBe("success");
    expect(full.summary?.complete).toBe(true);
    expect(full.summary?.totalSeconds).toBe(2025.0);
    expect(full.stages.map((s) => s.seconds)).toEqual([7.3, 8.5, 4.3, 4.0, 523.5, 1383.2, 41.5, 39.1, 13.6]);
    expect(S.banners.size).toBe(9);
    expect(S.completed.size).toBe(9);
    expect(S.summaryStages).toHaveLength(9);
  });
});

/** What a capture cut after `kept` whole lines must parse to, derived from where the sections are. */
function expectedAfterCut(s: Sections, kept: number): {stages: Array<[string, number | null]>; findings: F[]; total: number | null; summary: "none" | "partial" | "whole"; outcome: string} {
  const stages: Array<[string, number | null]> = [];
  const out: F[] = [];
  for (const [name, banner] of s.banners) {
    if (banner > kept) continue;
    const done = s.completed.get(name)! <= kept;
    stages.push([name, done ? full.stages.find((x) => x.name === name)!.seconds : null]);
    if (!done) out.push(["stage_not_completed", "warning", banner]);
  }
  const summary = s.summary > kept ? "none" : s.closingRule <= kept ? "whole" : "partial";
  if (summary === "partial") out.push(["summary_truncated", "warning", s.summary]);
  if (summary === "none") out.push(["no_summary", "warning", null]);
  out.sort((a, b) => (a[2] ?? Infinity) - (b[2] ?? Infinity));
  return {stages, findings: out, total: s.total <= kept ? 2025.0 : null, summary, outcome: s.success <= kept ? "success" : "unknown"};
}

describe("a capture truncated at every section boundary (killed tee, full disk)", () => {
  const cuts = sectionBoundaries(S).filter((n) => n >= S.banners.get("Sequence Chunking")!);

  it("covers both sides of every stage banner, completed line and summary line", () => {
    expect(cuts.length).toBeGreaterThan(50);
    expect(cuts).toContain(S.banners.get("ESM-2 Feature Extraction")!); // mid-stage
    expect(cuts).toContain(S.total); // mid-summary
    expect(cuts).toContain(S.closingRule - 1); // summary without its closing rule
  });

  it.each(cuts.map((n) => [n]))("cut after line %i: exact stages, total, findings and outcome", (kept) => {
    const log = parseConsoleLog(keepLines(FULL, kept), {file: "cut.log"});
    const want = expectedAfterCut(S, kept);
    expect(log.stages.map((s) => [s.name, s.seconds])).toEqual(want.stages);
    expect(findings(log)).toEqual(want.findings);
    expect(log.outcome).toBe(want.outcome);
    if (want.summary === "none") expect(log.summary).toBeNull();
    else {
      expect(log.summary!.complete).toBe(want.summary === "whole");
      expect(log.summary!.totalSeconds).toBe(want.total);
      // summary stage lines are either absent or exactly the uncut values
      for (const st of log.summary!.stages) expect(st).toEqual(full.summary!.stages.find((x) => x.order === st.order));
    }
  });
});

describe("a capture cut in the middle of a line", () => {
  // every character position of the lines that carry figures
  const keyLines = [...S.completed.values(), S.total, ...S.summaryStages, S.bottlenecks];

  it.each(keyLines.map((n) => [n]))("line %i cut at every position never yields a prefix of a number", (lineNo) => {
    const line = linesOf(FULL)[lineNo - 1]!;
    const prefix = keepLines(FULL, lineNo - 1);
    // parse only the telemetry that matters: the line grammar is what is under test here
    const before = parseConsoleLog(prefix, {file: "cut.log"});
    for (let chars = 1; chars < line.length; chars++) {
      const log = parseConsoleLog(cutMidLine(FULL, lineNo - 1, chars), {file: "cut.log"});
      for (const st of log.stages) {
        const whole = full.stages.find((x) => x.name === st.name)!;
        if (st.seconds !== null) expect(st.seconds).toBe(whole.seconds);
        for (const [k, v] of Object.entries(st.extras)) expect(whole.extras[k]).toEqual(v);
      }
      if (log.summary) {
        if (log.summary.totalSeconds !== null) expect(log.summary.totalSeconds).toBe(2025.0);
        for (const st of log.summary.stages) expect(st).toEqual(full.summary!.stages.find((x) => x.order === st.order));
        expect(full.summary!.bottlenecks.slice(0, log.summary.bottlenecks.length)).toEqual(log.summary.bottlenecks);
      }
      // nothing known before the cut line is lost
      expect(log.stages.filter((s) => s.seconds !== null).length).toBeGreaterThanOrEqual(before.stages.filter((s) => s.seconds !== null).length);
    }
  }, 120_000);

  it("a completed line cut inside its number leaves the stage untimed and says so", () => {
    const lineNo = S.completed.get("ESM-2 Feature Extraction")!;
    const line = linesOf(FULL)[lineNo - 1]!;
    const log = parseConsoleLog(cutMidLine(FULL, lineNo - 1, line.indexOf("1383.2s") + 4), {file: "cut.log"}); // '...completed in 1383'
    expect(log.stages.find((s) => s.name === "ESM-2 Feature Extraction")!.seconds).toBeNull();
    expect(findings(log)).toEqual([
      ["stage_not_completed", "warning", S.banners.get("ESM-2 Feature Extraction")!],
      ["no_summary", "warning", null]
    ]);
  });

  it("the total line cut inside its number leaves the total unknown", () => {
    const line = linesOf(FULL)[S.total - 1]!;
    const log = parseConsoleLog(cutMidLine(FULL, S.total - 1, line.indexOf("(2025.0s)") + 5), {file: "cut.log"}); // '(2025'
    expect(log.summary!.totalSeconds).toBeNull();
    expect(log.summary!.complete).toBe(false);
    expect(findings(log)).toEqual([["summary_truncated", "warning", S.summary]]);
  });
});

describe("a run killed by CUDA out of memory (exit code 4)", () => {
  const oom = oomLog(FULL);
  const log = parseConsoleLog(oom.text, {file: "oom.log"});

  it("is out_of_memory with every error located, ESM-2 untimed, and no summary expected", () => {
    expect(log.outcome).toBe("out_of_memory");
    expect(findings(log)).toEqual([
      ["stage_not_completed", "warning", oom.esmBanner],
      ["error_record", "error", oom.workerErrorLine],
      ["error_record", "error", oom.coordinatorLine],
      ["partial_failure", "error", oom.partialLine],
      ["out_of_memory", "error", oom.oomLine],
      ["error_record", "error", oom.oomLine],
      ["no_summary", "info", null]
    ]);
    expect(log.findings.find((f) => f.code === "out_of_memory")!.message).toContain("Memory at failure: 21.84GB allocated, 1.02GB free");
    expect(log.stages.map((s) => s.seconds)).toEqual([7.3, 8.5, 4.3, 4.0, 523.5, null]);
    expect(log.summary).toBeNull();
  });
});

describe("a resumed run", () => {
  const resumed = resumedLog(FULL);
  const log = parseConsoleLog(resumed.text, {file: "resumed.log"});

  it("is flagged twice (config and the Resuming line), affecting timing and throughput", () => {
    expect(findings(log)).toEqual([
      ["resumed_run", "warning", resumed.resumeConfigLine],
      ["resumed_run", "warning", resumed.resumingLine]
    ]);
    expect(log.findings.every((f) => f.affects.includes("timing") && f.affects.includes("throughput"))).toBe(true);
    expect(log.metadata.resume).toBe(true);
  });
});

describe("two runs' captures concatenated", () => {
  const first = consoleLogOf("1gpu");
  const both = concatenatedLogs(first, FULL);
  const log = parseConsoleLog(both.text, {file: "both.log"});

  it("parses the last run only and names the lines of the earlier one", () => {
    expect(findings(log)).toEqual([["multiple_runs", "warning", both.secondStartsAt]]);
    expect(log.findings[0]!.message).toContain(`lines 1-${linesOf(first).length}`);
    expect(log.summary!.totalSeconds).toBe(2025.0);
    expect(log.stages.map((s) => s.seconds)).toEqual(full.stages.map((s) => s.seconds));
    expect(log.metadata.modelPath).toBe("300_model.pth"); // the 2-GPU run's, not the 1-GPU run's 500
  });
});

describe("line endings and encodings", () => {
  const comparable = (log: ConsoleLog) => ({stages: log.stages, summary: log.summary, findings: log.findings, outcome: log.outcome, metadata: log.metadata, workers: log.workerRecords.length});

  it("CRLF parses exactly like LF (same lines, values and findings)", () => {
    const log = parseConsoleLog(toCrlf(FULL), {file: "crlf.log"});
    expect(comparable(log)).toEqual(comparable(full));
    expect(log.lines).toBe(full.lines);
  });

  it("a UTF-8 BOM is ignored: line 1 stays line 1", () => {
    const log = parseConsoleLog(withBom(FULL), {file: "bom.log"});
    expect(comparable(log)).toEqual(comparable(full));
  });

  it("NUL bytes (a binary file named as the log) are an InputError naming the file", () => {
    expect(() => parseConsoleLog(`\0\0ELF${FULL}`, {file: "binary.log"})).toThrow(/binary\.log: console log contains NUL bytes/);
  });
});

describe("a 50 MB line with no newline", () => {
  it("appended to a whole capture: parsed in bounded time, figures unchanged, records validate", () => {
    const text = FULL + runawayLine(50 * 2 ** 20);
    const t0 = performance.now();
    const log = parseConsoleLog(text, {file: "runaway.log"});
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(20_000);
    expect(log.summary!.totalSeconds).toBe(2025.0);
    expect(log.outcome).toBe("success");
    expect(ConsoleLogSchema.safeParse(log).success).toBe(true);
    expect(log.lines).toBe(full.lines + 1);
  }, 60_000);

  it("alone: no records, an error finding, no exception", () => {
    const log = parseConsoleLog(runawayLine(50 * 2 ** 20), {file: "runaway.log"});
    expect(findings(log)).toEqual([
      ["no_records", "error", null],
      ["no_summary", "warning", null]
    ]);
    expect(log.stages).toEqual([]);
  }, 60_000);
});
