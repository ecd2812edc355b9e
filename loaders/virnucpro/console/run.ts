/**
 * One run of a console capture: hands each record to the section grammars and assembles their results.
 * Sections own their own state and share only the findings list; what one section needs from another
 * (the open stage, how the run ended) is passed here, by value.
 */
import type {ConsoleLog, IoWarning, LogRecord} from "../records.ts";
import {parseStageBanner} from "../stages.ts";
import {ChunkedLengthsSection} from "./chunked-lengths.ts";
import {ConfigSection, isConfigHeader, isInputLine} from "./config.ts";
import {DevicesSection} from "./devices.ts";
import {DnabertSection} from "./dnabert.ts";
import {Findings} from "./findings.ts";
import {parseIoWarning} from "./io-warnings.ts";
import {OutcomeSection, outcomeWords} from "./outcome.ts";
import {ProblemsSection} from "./problems.ts";
import {ReuseSection} from "./reuse.ts";
import {StageEventsSection} from "./stage-events.ts";
import {SummarySection} from "./summary.ts";

/** metadata lines are short; longer messages are never one of them (keeps regexes bounded) */
const MAX_METADATA_LINE = 2000;

export class RunParser {
  lastLine: number;
  private firstAt: string | null = null;
  private lastAt: string | null = null;
  private readonly findings = new Findings();
  private readonly config = new ConfigSection(this.findings);
  private readonly devices = new DevicesSection();
  private readonly stages = new StageEventsSection(this.findings);
  private readonly summary = new SummarySection(this.findings);
  private readonly dnabert = new DnabertSection();
  private readonly chunked = new ChunkedLengthsSection();
  private readonly problems = new ProblemsSection(this.findings);
  private readonly reuse = new ReuseSection(this.findings);
  private readonly outcome = new OutcomeSection(this.findings);
  private readonly ioWarnings: IoWarning[] = [];
  private readonly workerRecords: LogRecord[] = [];

  constructor(readonly firstLine: number) {
    this.lastLine = firstLine;
  }

  /** Does this record open another run (a `tee -a` re-run, a resume appended to a failed run)? */
  startsNewRun(record: LogRecord): boolean {
    if (record.envelope !== "main") return false;
    const begun = this.config.blockSeen || this.stages.count > 0;
    if (isInputLine(record.message)) return this.config.inputSeen || begun;
    if (isConfigHeader(record.message)) return begun;
    // stages restart after a finished summary: a re-run whose CLI lines were not captured
    return this.summary.seen && parseStageBanner(record.message) !== null;
  }

  add(record: LogRecord): void {
    this.firstAt ??= record.at;
    this.lastAt = record.at;
    this.lastLine = record.line;
    this.chunked.record(record);
    this.problems.record(record);
    this.outcome.record(record);
    if (record.envelope === "worker") {
      this.workerRecords.push(record);
      this.ioWarning(record);
      return;
    }
    if (record.message.length > MAX_METADATA_LINE) return;
    this.ioWarning(record);
    // first match wins; the open summary and the configuration block claim their lines before the rest
    if (this.summary.inBlock(record)) return;
    if (this.config.line(record)) return;
    if (this.summary.start(record)) return;
    if (this.stages.line(record)) return;
    if (this.devices.line(record)) return;
    if (this.dnabert.line(record, this.stages.openStage())) return;
    if (this.reuse.line(record)) return;
    this.outcome.line(record);
  }

  private ioWarning(record: LogRecord): void {
    const warning = parseIoWarning(record);
    if (warning) this.ioWarnings.push(warning);
  }

  finish(): Omit<ConsoleLog, "lines" | "records"> {
    const outcome = this.outcome.finish(this.problems.stops());
    // Findings on one line keep the order they were added in; the error-record overflow (no line)
    // goes before a missing summary (no line), as it always has.
    this.problems.finish();
    const summary = this.summary.finish(outcome);
    this.reuse.finish();
    const {stages, hdf5ConversionSeconds} = this.stages.finish(outcomeWords(outcome));
    return {
      firstAt: this.firstAt,
      lastAt: this.lastAt,
      metadata: {...this.config.finish(), ...this.devices.finish(), ...this.chunked.finish()},
      stages,
      summary,
      dnabert: this.dnabert.finish(),
      ioWarnings: this.ioWarnings,
      hdf5ConversionSeconds,
      outcome,
      findings: this.findings.sorted(),
      workerRecords: this.workerRecords
    };
  }
}
