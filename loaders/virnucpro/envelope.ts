/**
 * Splits a VirNucPro console capture into log records (FORMATS.md §1).
 *
 * Three envelopes share one stream: the main process and v1 pool workers
 * (`YYYY-MM-DD HH:MM:SS - logger - LEVEL - msg`) and the v2 ESM-2 workers
 * (`YYYY-MM-DD HH:MM:SS,mmm - Worker N - logger - LEVEL - msg`). tqdm bars refresh with `\r` and a
 * record written while a bar is live lands on the same physical line right after the bar, so every
 * `\n` line is also split on `\r` and envelopes are searched anywhere in a segment, never anchored.
 *
 * Speed matters (captures of 100k+ lines, and a runaway line can be tens of MB with no newline): the
 * only scan over a whole segment is `indexOf('-')` to find date candidates, checked character by
 * character; every other pattern is sticky at a known offset and bounded, so nothing can backtrack
 * over the segment.
 */
import type {LogRecord} from "./records.ts";

export interface SplitResult {
  records: LogRecord[];
  /** physical `\n` lines in the text (a trailing newline does not open a new line) */
  lines: number;
  /** unprefixed, non-progress-bar text seen before the first record (banners, warnings at import) */
  unprefixedBefore: string[];
}

type Level = LogRecord["level"];

/** v2 worker envelope tail after the seconds: `,mmm - Worker N - logger - LEVEL` */
const WORKER_TAIL = /,(\d{3}) - Worker (\d{1,6}) - ([\w.\-]{1,200}) - (DEBUG|INFO|WARNING|ERROR|CRITICAL)(?: - | -$|$)/y;
/**
 * main envelope tail: ` - logger - LEVEL`. Optional `,mmm` accepts Python's default asctime from
 * third-party loggers in the same stream, which are still records and not continuation text.
 */
const MAIN_TAIL = /(?:,(\d{3}))? - ([\w.\-]{1,200}) - (DEBUG|INFO|WARNING|ERROR|CRITICAL)(?: - | -$|$)/y;

interface Header {
  /** offset of the date in the segment */
  start: number;
  /** offset of the message */
  messageStart: number;
  at: string;
  envelope: "main" | "worker";
  worker: number | null;
  logger: string;
  level: Level;
}

const DATE_LENGTH = "YYYY-MM-DD HH:MM:SS".length;
const DIGIT_OFFSETS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/** `YYYY-MM-DD HH:MM:SS` at offset `i`, checked without a regex. */
function dateTimeAt(s: string, i: number): boolean {
  if (i < 0 || i + DATE_LENGTH > s.length) return false;
  for (const k of DIGIT_OFFSETS) {
    const c = s.charCodeAt(i + k);
    if (c < 48 || c > 57) return false;
  }
  return (
    s.charCodeAt(i + 4) === 45 &&
    s.charCodeAt(i + 7) === 45 &&
    s.charCodeAt(i + 10) === 32 &&
    s.charCodeAt(i + 13) === 58 &&
    s.charCodeAt(i + 16) === 58
  );
}

/** Finds the next record header in `segment` at or after `from`, or null. */
function nextHeader(segment: string, from: number): Header | null {
  // every date has its first '-' four characters in: only those positions can start a record
  for (let dash = segment.indexOf("-", from + 4); dash !== -1; dash = segment.indexOf("-", dash + 1)) {
    const start = dash - 4;
    if (!dateTimeAt(segment, start)) continue;
    const end = start + DATE_LENGTH;
    // both tails start with ',' (milliseconds) or ' - ': skip the regexes for anything else
    const next = segment.charCodeAt(end);
    if (next !== 44 && !(next === 32 && segment.startsWith(" - ", end))) continue;
    const date = segment.slice(start, end);
    WORKER_TAIL.lastIndex = end;
    const w = next === 44 ? WORKER_TAIL.exec(segment) : null;
    if (w) {
      return {
        start,
        messageStart: WORKER_TAIL.lastIndex,
        at: `${date}.${w[1]}`,
        envelope: "worker",
        worker: Number(w[2]),
        logger: w[3]!,
        level: w[4] as Level
      };
    }
    MAIN_TAIL.lastIndex = end;
    const h = MAIN_TAIL.exec(segment);
    if (h) {
      return {
        start,
        messageStart: MAIN_TAIL.lastIndex,
        at: `${date}.${h[1] ?? "000"}`,
        envelope: "main",
        worker: null,
        logger: h[2]!,
        level: h[3] as Level
      };
    }
    // a date inside a message or a path: keep looking
  }
  return null;
}

/**
 * tqdm bar text (`{desc}: {pct}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}]`, or the
 * `{n}{unit} [{elapsed}, {rate}]` form without a total). ncols=100 keeps a bar short: a long text
 * is never a bar, which also keeps the checks cheap on a runaway line.
 */
const MAX_BAR_LENGTH = 300;
const BAR_PERCENT = /\d%\|/;
const BAR_COUNT = /\| ?\d+(?:\.\d+)?[kMGT]?\/\d+(?:\.\d+)?[kMGT]? \[/;
const BAR_NO_TOTAL = /^[^\[\]]{0,200}: ?\d+(?:\.\d+)?[kMGT]?[a-zA-Z/]{0,20} \[\d+:\d\d(?::\d\d)?, /;

export function isProgressBarFragment(text: string): boolean {
  if (text.length > MAX_BAR_LENGTH) return false;
  return BAR_PERCENT.test(text) || BAR_COUNT.test(text) || BAR_NO_TOTAL.test(text.trimStart());
}

/** Removes terminal control sequences tqdm and rich may leave around bars (cursor up, erase line). */
const ANSI = /\x1b\[[0-9;?]{0,20}[A-Za-z]/g;

function cleanUnprefixed(text: string): string | null {
  const cleaned = text.includes("\x1b") ? text.replace(ANSI, "") : text;
  if (cleaned.trim() === "") return null;
  if (isProgressBarFragment(cleaned)) return null;
  return cleaned.trimEnd();
}

export interface RecordStreamOptions {
  /**
   * Unprefixed lines kept per record (and before the first record). A traceback is a few dozen lines;
   * the cap only bounds memory when a streamed multi-GB log has noise and no records for a long stretch.
   */
  maxContinuation?: number;
}

const NO_RECORDS: LogRecord[] = [];

/**
 * Incremental record splitter: feed the `\r`/`\n`-free segments of a capture in order, each with its
 * 1-based physical line; a record is handed back once the next header (or end()) shows it is complete,
 * i.e. with its continuation lines attached. splitRecords is this over a whole string.
 */
export class RecordStream {
  readonly unprefixedBefore: string[] = [];
  private current: LogRecord | null = null;
  private readonly maxContinuation: number;

  constructor(options: RecordStreamOptions = {}) {
    this.maxContinuation = options.maxContinuation ?? Infinity;
  }

  /** Records completed by this segment, in order (often none). */
  push(segment: string, line: number): LogRecord[] {
    if (segment === "") return NO_RECORDS;
    let header = nextHeader(segment, 0);
    if (header === null) {
      this.attach(segment);
      return NO_RECORDS;
    }
    if (header.start > 0) this.attach(segment.slice(0, header.start));
    const done: LogRecord[] = [];
    while (header !== null) {
      const following: Header | null = nextHeader(segment, header.messageStart);
      const messageEnd = following === null ? segment.length : following.start;
      if (this.current) done.push(this.current);
      this.current = {
        line,
        at: header.at,
        envelope: header.envelope,
        worker: header.worker,
        logger: header.logger,
        level: header.level,
        message: segment.slice(header.messageStart, messageEnd),
        continuation: []
      };
      header = following;
    }
    return done;
  }

  /** The last record, once the input has ended. */
  end(): LogRecord[] {
    const last = this.current;
    this.current = null;
    return last ? [last] : NO_RECORDS;
  }

  private attach(fragment: string): void {
    const target = this.current ? this.current.continuation : this.unprefixedBefore;
    if (target.length >= this.maxContinuation) return;
    const cleaned = cleanUnprefixed(fragment);
    if (cleaned !== null) target.push(cleaned);
  }
}

export function splitRecords(text: string): SplitResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const physical = body.split("\n");
  // 'a\nb\n' is two lines, not three
  if (physical.length > 0 && physical[physical.length - 1] === "") physical.pop();

  const stream = new RecordStream();
  const records: LogRecord[] = [];
  for (let index = 0; index < physical.length; index++) {
    const physicalLine = physical[index]!;
    if (!physicalLine.includes("\r")) {
      for (const r of stream.push(physicalLine, index + 1)) records.push(r);
      continue;
    }
    for (const segment of physicalLine.split("\r")) for (const r of stream.push(segment, index + 1)) records.push(r);
  }
  for (const r of stream.end()) records.push(r);
  return {records, lines: physical.length, unprefixedBefore: stream.unprefixedBefore};
}
