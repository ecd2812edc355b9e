/**
 * Property tests of the console-log parsers (envelope.ts, stages.ts, console-log.ts): random noise,
 * interleavings and truncations never crash them and never yield a record that violates its schema;
 * parse(format(x)) == x for every line template, with the formatters written here from FORMATS.md.
 */
import fc from "fast-check";
import {describe, expect, it} from "vitest";
import {splitRecords} from "../../../../loaders/virnucpro/envelope.ts";
import {parseConsoleLog} from "../../../../loaders/virnucpro/console-log.ts";
import {parseBottlenecks, parseStageBanner, parseStageCompleted, parseSummaryStage, parseTotalWallTime} from "../../../../loaders/virnucpro/stages.ts";
import {ConsoleLogSchema, LogRecordSchema, type ConsoleLog} from "../../../../loaders/virnucpro/records.ts";
import {STAGE_NAMES} from "../../../../loaders/virnucpro/pipeline.ts";
import {consoleLogOf, linesOf} from "../../../corpus/corpus.ts";
import {evenCuts} from "../../../helpers/cuts.ts";

const RUNS = {numRuns: 150};
const FULL = consoleLogOf("2gpu");
const FULL_LINES = linesOf(FULL);
const full = parseConsoleLog(FULL);

// ---------------------------------------------------------------------------------------------------
// Formatters of the templates (Python f-strings quoted in FORMATS.md)

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
/** `f"{x:.1f}"` for a value that is already a multiple of 0.1 (no tie to round) */
const fixed1 = (tenths: number) => `${Math.floor(tenths / 10)}.${tenths % 10}`;
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

interface Stamp {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
}
const mainStamp = (t: Stamp) => `${t.y}-${pad(t.mo)}-${pad(t.d)} ${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}`;
/** logging_setup.py: '%(asctime)s - %(name)s - %(levelname)s - %(message)s', datefmt without ms */
const formatMain = (t: Stamp, logger: string, level: string, message: string) => `${mainStamp(t)} - ${logger} - ${level} - ${message}`;
/** worker_logging.py: default asctime with ,mmm and the 'Worker N' field */
const formatWorker = (t: Stamp, worker: number, logger: string, level: string, message: string) =>
  `${mainStamp(t)},${pad(t.ms, 3)} - Worker ${worker} - ${logger} - ${level} - ${message}`;

/** pipeline_telemetry.py:97 and 84-94 */
type Extra = {kind: "int"; key: string; value: number} | {kind: "float"; key: string; tenths: number} | {kind: "str"; key: string; value: string};
function formatCompleted(name: string, tenths: number, extras: Extra[], skipped: string | null): string {
  const parts = extras.map((e) => (e.kind === "int" ? `${e.key}: ${thousands(e.value)}` : e.kind === "float" ? `${e.key}: ${fixed1(e.tenths)}` : `${e.key}: ${e.value}`));
  if (skipped !== null) parts.push(`skipped (${skipped})`, `reason: ${skipped}`);
  return `  ${name} completed in ${fixed1(tenths)}s${parts.length ? ` [${parts.join(", ")}]` : ""}`;
}
/** line 148 with _format_hms */
function formatTotal(tenths: number): string {
  const seconds = tenths / 10;
  const h = Math.trunc(seconds / 3600);
  const m = Math.trunc((seconds % 3600) / 60);
  const s = Math.trunc(seconds % 60);
  return `Total wall time: ${pad(h)}:${pad(m)}:${pad(s)} (${fixed1(tenths)}s)`;
}
/** line 159 / 157 */
function formatSummaryStage(num: number, name: string, maxNameLength: number, tenths: number | null, pctTenths: number): string {
  const dots = ".".repeat(maxNameLength - name.length + 4);
  if (tenths === null) return `  ${num}. ${name} ${dots}  skipped`;
  return `  ${num}. ${name} ${dots}  ${fixed1(tenths).padStart(6)}s (${fixed1(pctTenths).padStart(5)}%)`;
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries

const stamp = fc.record({
  y: fc.integer({min: 2000, max: 2099}),
  mo: fc.integer({min: 1, max: 12}),
  d: fc.integer({min: 1, max: 28}),
  h: fc.integer({min: 0, max: 23}),
  mi: fc.integer({min: 0, max: 59}),
  s: fc.integer({min: 0, max: 59}),
  ms: fc.integer({min: 0, max: 999})
});
const logger = fc.stringMatching(/^[a-z_][\w.]{0,40}$/);
const level = fc.constantFrom("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL");
/** one physical line of message text that holds no second envelope */
const messageText = fc.string({maxLength: 120, unit: "grapheme"}).filter((m) => !/[\r\n]/.test(m) && !/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(m));
const stageName = fc.oneof(fc.constantFrom(...STAGE_NAMES.map((s) => s.name)), fc.stringMatching(/^[A-Z][A-Za-z0-9-]{0,12}( [A-Z][A-Za-z0-9-]{0,12}){0,3}$/));
const extraKey = fc.stringMatching(/^[a-z][a-z_]{0,20}$/).filter((k) => k !== "skipped" && k !== "reason");
const extra: fc.Arbitrary<Extra> = fc.oneof(
  fc.record({kind: fc.constant("int" as const), key: extraKey, value: fc.nat({max: 2_000_000_000})}),
  fc.record({kind: fc.constant("float" as const), key: extraKey, tenths: fc.nat({max: 10_000_000})}),
  fc.record({kind: fc.constant("str" as const), key: extraKey, value: fc.stringMatching(/^[a-z][a-z0-9._]{0,12}$/)})
);
const uniqueExtras = fc.uniqueArray(extra, {maxLength: 5, selector: (e) => e.key});

/** noise a capture really contains: tqdm bars, warnings, blank lines, ANSI codes, random text */
const noiseLine = fc.oneof(
  fc.constantFrom(
    "",
    "  _torch_pytree._register_pytree_node(",
    "ESM-2 extraction:  42%|████▏     | 34/80 [12:01<16:15, 21.21s/file]",
    "\x1b[A\x1b[2K",
    "UserWarning: TypedStorage is deprecated",
    "Traceback-free text with a - dash - INFO - in it"
  ),
  messageText.filter((m) => !/Traceback|OUT OF MEMORY/.test(m))
);

// ---------------------------------------------------------------------------------------------------

describe("envelope: parse(format(x)) == x", () => {
  it("main-process records", () => {
    fc.assert(
      fc.property(stamp, logger, level, messageText, (t, name, lvl, message) => {
        const {records} = splitRecords(formatMain(t, name, lvl, message) + "\n");
        expect(records).toHaveLength(1);
        expect(records[0]).toEqual({line: 1, at: `${mainStamp(t)}.000`, envelope: "main", worker: null, logger: name, level: lvl, message, continuation: []});
      }),
      RUNS
    );
  });

  it("v2 worker records, also glued after a progress bar and split on \\r", () => {
    fc.assert(
      fc.property(stamp, fc.nat({max: 64}), logger, level, messageText, fc.boolean(), (t, worker, name, lvl, message, glued) => {
        const line = formatWorker(t, worker, name, lvl, message);
        const text = glued ? `ESM-2 extraction:  42%|████▏     | 34/80 [12:01<16:15, 21.21s/file]${line}\n` : `tqdm\r${line}\n`;
        const {records} = splitRecords(text);
        expect(records).toHaveLength(1);
        expect(records[0]).toEqual({line: 1, at: `${mainStamp(t)}.${pad(t.ms, 3)}`, envelope: "worker", worker, logger: name, level: lvl, message, continuation: []});
      }),
      RUNS
    );
  });
});

describe("telemetry line templates: parse(format(x)) == x", () => {
  it("stage banner", () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 99}), stageName, (n, name) => {
        expect(parseStageBanner(`=== Stage ${n}: ${name} ===`)).toEqual({order: n, name});
      }),
      RUNS
    );
  });

  it("completed line with int (thousands separators), float and string extras, and the skipped form", () => {
    fc.assert(
      fc.property(stageName, fc.nat({max: 100_000_000}), uniqueExtras, fc.option(fc.constantFrom("checkpoint", "unknown")), (name, tenths, extras, skipped) => {
        const parsed = parseStageCompleted(formatCompleted(name, tenths, extras, skipped));
        const want: Record<string, number | string | boolean> = {};
        for (const e of extras) want[e.key] = e.kind === "int" ? e.value : e.kind === "float" ? Number(fixed1(e.tenths)) : e.value;
        if (skipped !== null) Object.assign(want, {skipped: true, reason: skipped});
        expect(parsed).toEqual({name, seconds: tenths / 10, extras: want, skipped: skipped !== null});
      }),
      RUNS
    );
  });

  it("Total wall time, hours unbounded", () => {
    fc.assert(
      fc.property(fc.nat({max: 10_000_000}), (tenths) => {
        const line = formatTotal(tenths);
        expect(parseTotalWallTime(line)).toEqual({hms: line.slice(17, line.indexOf(" (")), seconds: tenths / 10});
      }),
      RUNS
    );
  });

  it("summary stage lines, timed and skipped, with the dot leader of the longest name", () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 30}), stageName, fc.option(fc.nat({max: 9_999_999})), fc.nat({max: 1000}), (n, name, tenths, pctTenths) => {
        const longest = Math.max(name.length, 28);
        expect(parseSummaryStage(formatSummaryStage(n, name, longest, tenths, pctTenths))).toEqual({
          order: n,
          name,
          seconds: tenths === null ? null : tenths / 10,
          pct: tenths === null ? null : pctTenths / 10,
          skipped: tenths === null
        });
      }),
      RUNS
    );
  });

  it("bottlenecks", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(stageName, fc.nat({max: 100})), {minLength: 1, maxLength: 3}), (parts) => {
        expect(parseBottlenecks(`Bottlenecks: ${parts.map(([name, p]) => `${name} (${p}%)`).join(", ")}`)).toEqual(parts.map(([name, pct]) => ({name, pct})));
      }),
      RUNS
    );
  });

  it("every prefix of a template line parses to null or to the whole line's values (never a cut number)", () => {
    fc.assert(
      fc.property(stageName, fc.nat({max: 100_000_000}), uniqueExtras, fc.nat({max: 1000}), (name, tenths, extras, pctTenths) => {
        const completed = formatCompleted(name, tenths, extras, null);
        const whole = parseStageCompleted(completed)!;
        for (let i = 0; i < completed.length; i++) {
          const p = parseStageCompleted(completed.slice(0, i));
          if (p === null) continue;
          expect(p.seconds).toBe(whole.seconds);
          for (const [k, v] of Object.entries(p.extras)) expect(whole.extras[k]).toEqual(v);
        }
        const total = formatTotal(tenths);
        for (let i = 0; i < total.length; i++) expect(parseTotalWallTime(total.slice(0, i))).toBeNull();
        const summary = formatSummaryStage(6, name, Math.max(name.length, 28), tenths % 10_000_000, pctTenths);
        for (let i = 0; i < summary.length; i++) expect(parseSummaryStage(summary.slice(0, i))).toBeNull();
      }),
      {numRuns: 60}
    );
  });
});

/** Figures of a parse, without line numbers (which shift when noise lines are inserted). */
function figures(log: ConsoleLog) {
  return {
    stages: log.stages.map((s) => [s.name, s.order, s.seconds, s.extras, s.skipped]),
    summary: log.summary && {...log.summary, line: 0, totalLine: 0, stages: log.summary.stages.map((s) => ({...s, line: 0}))},
    outcome: log.outcome,
    metadata: {...log.metadata, modelLine: 0, chunkedLine: 0},
    findings: log.findings.map((f) => f.code),
    workers: log.workerRecords.length,
    dnabert: log.dnabert,
    io: log.ioWarnings.map((w) => [w.at, w.worker, w.severity, w.utilization])
  };
}

describe("whole captures under noise, interleaving and truncation", () => {
  it("random bytes never crash the splitter or the parser; every record validates", () => {
    fc.assert(
      fc.property(fc.string({maxLength: 2000, unit: "binary"}), (text) => {
        const {records, lines} = splitRecords(text);
        for (const r of records) {
          expect(LogRecordSchema.safeParse(r).success).toBe(true);
          expect(r.line).toBeLessThanOrEqual(Math.max(lines, 1));
        }
        if (!text.slice(0, 65536).includes("\0")) expect(ConsoleLogSchema.safeParse(parseConsoleLog(text)).success).toBe(true);
      }),
      {numRuns: 300}
    );
  });

  it("random lines of the capture, shuffled and spliced with noise, never crash and always validate", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(FULL_LINES, {minLength: 0, maxLength: 200}), fc.array(noiseLine, {maxLength: 20}), (lines, noise) => {
        const log = parseConsoleLog([...lines, ...noise].join("\n"));
        expect(ConsoleLogSchema.safeParse(log).success).toBe(true);
      }),
      {numRuns: 60}
    );
  });

  it("unprefixed noise lines inserted anywhere change no figure", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({max: FULL_LINES.length}), noiseLine), {minLength: 1, maxLength: 25}), (inserts) => {
        const lines = [...FULL_LINES];
        for (const [at, noise] of [...inserts].sort((a, b) => b[0] - a[0])) lines.splice(at, 0, noise);
        expect(figures(parseConsoleLog(lines.join("\n") + "\n"))).toEqual(figures(full));
      }),
      {numRuns: 40}
    );
  });

  it("main and worker streams interleaved in any order (2>&1 arrival order) give the same stage and worker figures", () => {
    const isWorker = (l: string) => / - Worker \d+ - /.test(l);
    const main = FULL_LINES.filter((l) => !isWorker(l));
    const workers = FULL_LINES.filter(isWorker);
    fc.assert(
      fc.property(fc.array(fc.boolean(), {minLength: FULL_LINES.length, maxLength: FULL_LINES.length}), (picks) => {
        // a random merge that keeps each stream's own order
        const merged: string[] = [];
        let i = 0;
        let j = 0;
        for (const takeMain of picks) {
          if ((takeMain && i < main.length) || j >= workers.length) merged.push(main[i++]!);
          else merged.push(workers[j++]!);
        }
        const log = parseConsoleLog(merged.join("\n") + "\n");
        expect(log.stages.map((s) => [s.name, s.seconds])).toEqual(full.stages.map((s) => [s.name, s.seconds]));
        expect(log.summary?.totalSeconds).toBe(2025.0);
        expect(log.workerRecords.map((r) => [r.worker, r.at, r.message])).toEqual(full.workerRecords.map((r) => [r.worker, r.at, r.message]));
      }),
      {numRuns: 30}
    );
  });

  /** One cut of the capture: valid, every known figure the uncut one's; what it could compare. */
  function checkCut(cut: number): {timed: number; total: boolean; summary: boolean} {
    const log = parseConsoleLog(FULL.slice(0, cut));
    expect(ConsoleLogSchema.safeParse(log).success).toBe(true);
    let timed = 0;
    for (const s of log.stages) {
      const whole = full.stages.find((x) => x.name === s.name)!;
      if (s.seconds !== null) {
        expect(s.seconds).toBe(whole.seconds);
        timed++;
      }
    }
    if (log.summary?.totalSeconds != null) expect(log.summary.totalSeconds).toBe(2025.0);
    if (log.summary && log.summary.complete) expect(log.summary.stages).toEqual(full.summary!.stages);
    expect(["success", "unknown"]).toContain(log.outcome);
    return {timed, total: log.summary?.totalSeconds != null, summary: Boolean(log.summary?.complete)};
  }

  it("a capture cut at any byte never crashes, validates, and every known figure equals the uncut one", () => {
    let totals = 0;
    let summaries = 0;
    // cuts just after the total and just after the summary's last stage line are always tried, so the
    // summary comparisons below run on every execution, not only when a random cut lands in the last 3 %
    const after = (needle: string) => FULL.indexOf("\n", FULL.indexOf(needle)) + 1;
    fc.assert(
      fc.property(fc.nat({max: FULL.length}), (cut) => {
        const c = checkCut(cut);
        if (c.total) totals++;
        if (c.summary) summaries++;
      }),
      {numRuns: 120, examples: [[after("Total wall time")], [after("9. Consensus Scoring")], [FULL.length]]}
    );
    expect(totals).toBeGreaterThanOrEqual(3);
    expect(summaries).toBeGreaterThanOrEqual(2);
  });

  it("a capture cut at evenly spaced bytes: nearly every cut has timed stages to compare", () => {
    // a fixed sweep, so the share is the capture's and not the luck of fast-check's (small-biased) draw
    const cuts = evenCuts(FULL.length, 300);
    const timed = cuts.filter((cut) => checkCut(cut).timed > 0).length;
    // the first stage completes within the first 3 % of the capture
    expect(timed / cuts.length, `${timed} of ${cuts.length} cuts had timed stages`).toBeGreaterThanOrEqual(0.9);
  });
});
