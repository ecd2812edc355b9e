/**
 * Parser for artifact A, the `2>&1 | tee` console capture of one `virnucpro predict` invocation
 * (FORMATS.md §1-§4, §7, §12). It only parses: it extracts stage events, the PIPELINE SUMMARY, run
 * metadata, DNABERT-S per-GPU progress, I/O-bottleneck lines and the run outcome, and reports
 * consistency findings. It computes no report figure. The grammar of each part of a run is a module
 * of console/; console/run.ts puts them together.
 *
 * When one capture holds several runs (`tee -a` re-runs, a resume appended to a failed run), the
 * result describes the **last** run only and a `multiple_runs` finding names the lines of the others:
 * mixing two runs' stages would give silently wrong timings. `lines` and `records` count the file.
 */
import {InputError} from "../../engine/errors.ts";
import {RecordStream, splitRecords} from "./envelope.ts";
import {ConsoleLogSchema, type ConsoleLog, type LogRecord} from "./records.ts";
import {RunParser} from "./console/run.ts";

export interface ConsoleLogOptions {
  /** path shown in errors */
  file?: string;
}

/** Unprefixed lines kept per record when streaming (a traceback is far shorter). */
const STREAM_MAX_CONTINUATION = 10_000;
/** NUL bytes this early mean a binary file, not a capture. */
const BINARY_PROBE_CHARS = 65536;

function binaryError(file: string | undefined): InputError {
  return new InputError("console log contains NUL bytes: this is a binary file", {
    file,
    expected: "the text capture of `virnucpro predict … 2>&1 | tee <file>`"
  });
}

/**
 * Incremental parser of one capture, for logs too large to hold as one string: feed the `\r`/`\n`-free
 * segments in file order with their 1-based physical line (artifacts.ts streamTextSegments produces
 * them), then finish with the number of physical lines. Gives the same result as parseConsoleLog on
 * the whole text, except that at most STREAM_MAX_CONTINUATION unprefixed lines are kept per record.
 */
export class ConsoleLogParser {
  private readonly stream: RecordStream;
  private readonly earlier: RunParser[] = [];
  private run = new RunParser(1);
  private records = 0;
  private probed = 0;

  constructor(private readonly options: ConsoleLogOptions = {}, streamOptions: {maxContinuation?: number} = {maxContinuation: STREAM_MAX_CONTINUATION}) {
    this.stream = new RecordStream(streamOptions);
  }

  pushSegment(text: string, line: number): void {
    if (this.probed < BINARY_PROBE_CHARS) {
      if (text.slice(0, BINARY_PROBE_CHARS - this.probed).includes("\0")) throw binaryError(this.options.file);
      this.probed += text.length + 1;
    }
    for (const record of this.stream.push(text, line)) this.pushRecord(record);
  }

  pushRecord(record: LogRecord): void {
    if (this.run.startsNewRun(record)) {
      this.earlier.push(this.run);
      this.run = new RunParser(record.line);
    }
    this.run.add(record);
    this.records++;
  }

  finish(lines: number): ConsoleLog {
    for (const record of this.stream.end()) this.pushRecord(record);
    const {earlier, run, options} = this;
    const result = run.finish();
    if (earlier.length > 0) {
      const ranges = earlier.map((previous) => `lines ${previous.firstLine}-${previous.lastLine}`).join(", ");
      result.findings.unshift({
        code: "multiple_runs",
        severity: "warning",
        message: `the log holds ${earlier.length + 1} runs (${ranges}, then line ${run.firstLine} onward); only the last run is parsed`,
        line: run.firstLine,
        affects: ["timing", "metadata", "correctness"]
      });
    }
    if (this.records === 0) {
      result.findings.unshift({
        code: "no_records",
        severity: "error",
        message: "no VirNucPro log record found (expected lines like 'YYYY-MM-DD HH:MM:SS - logger - LEVEL - message')",
        line: null,
        affects: ["timing", "metadata", "correctness"]
      });
    }

    const parsed = ConsoleLogSchema.safeParse({lines, records: this.records, ...result});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(`console log parsed into an invalid record at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "unknown"}`, {
        file: options.file,
        expected: "values within the documented VirNucPro log formats"
      });
    }
    return parsed.data;
  }
}

export function parseConsoleLog(text: string, options: ConsoleLogOptions = {}): ConsoleLog {
  if (text.slice(0, BINARY_PROBE_CHARS).includes("\0")) throw binaryError(options.file);
  const {records, lines} = splitRecords(text);
  const parser = new ConsoleLogParser(options);
  for (const record of records) parser.pushRecord(record);
  return parser.finish(lines);
}

/**
 * Streaming entry: physical lines (without their `\n`; `\r` inside a line still separates segments).
 * Ingest uses ConsoleLogParser with streamTextSegments directly; this form suits any line source.
 */
export async function parseConsoleLogLines(lines: AsyncIterable<string>, options: ConsoleLogOptions = {}): Promise<ConsoleLog> {
  const parser = new ConsoleLogParser(options);
  let line = 0;
  for await (const text of lines) {
    line++;
    const body = line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (!body.includes("\r")) parser.pushSegment(body, line);
    else for (const segment of body.split("\r")) parser.pushSegment(segment, line);
  }
  return parser.finish(line);
}
