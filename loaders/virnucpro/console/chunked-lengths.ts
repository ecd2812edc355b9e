/**
 * `_chunked{L}.fa` in any path the log prints, continuation lines included: one of the three places
 * that reveal the 300-vs-500 model choice (with the `Model:` entries and the checkpoint state).
 */
import type {LogRecord, RunMetadata} from "../records.ts";

/** Every positive `_chunked{L}.fa` length in one line of text, in order of appearance. */
export function chunkedLengthsIn(text: string): number[] {
  if (!text.includes("_chunked")) return [];
  const lengths: number[] = [];
  for (const m of text.matchAll(/_chunked(\d{1,7})\.fa/g)) {
    const length = Number(m[1]);
    if (length > 0) lengths.push(length);
  }
  return lengths;
}

export class ChunkedLengthsSection {
  private readonly lengths = new Set<number>();
  private firstLine: number | null = null;

  record(record: Pick<LogRecord, "message" | "continuation" | "line">): void {
    this.text(record.message, record.line);
    for (const line of record.continuation) this.text(line, record.line);
  }

  private text(text: string, line: number): void {
    const lengths = chunkedLengthsIn(text);
    if (lengths.length === 0) return;
    for (const length of lengths) this.lengths.add(length);
    this.firstLine ??= line;
  }

  finish(): Pick<RunMetadata, "chunkedLengths" | "chunkedLine"> {
    return {chunkedLengths: [...this.lengths].sort((a, b) => a - b), chunkedLine: this.firstLine};
  }
}
