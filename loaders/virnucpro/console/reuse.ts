/**
 * Signs that a run did not redo all its work (FORMATS.md §3), flagged rather than ignored: a resume
 * from checkpoints, merged feature files reused (`--force` deletes nothing), a cached sequence index.
 * The reuse lines repeat once per file, so each kind becomes one finding at its first line.
 */
import type {LogRecord} from "../records.ts";
import type {Findings} from "./findings.ts";

export type ReuseLine = {kind: "resumed"; text: string} | {kind: "stale_output_reused"} | {kind: "cached_index"};

export function parseReuseLine(message: string): ReuseLine | null {
  const text = message.trimEnd();
  if (text.startsWith("Resuming: ") && /checkpoints complete/.test(text)) return {kind: "resumed", text};
  if (text.startsWith("Skipping merge - output exists")) return {kind: "stale_output_reused"};
  if (text.startsWith("Using cached index")) return {kind: "cached_index"};
  return null;
}

export class ReuseSection {
  private readonly repeated = new Map<"stale_output_reused" | "cached_index", {first: number; count: number}>();

  constructor(private readonly findings: Findings) {}

  line(record: Pick<LogRecord, "message" | "line">): boolean {
    const {line} = record;
    const parsed = parseReuseLine(record.message);
    if (!parsed) return false;
    if (parsed.kind === "resumed") {
      this.findings.add("resumed_run", "warning", `run resumed from checkpoints: ${parsed.text}`, line, ["timing", "throughput"]);
      return true;
    }
    const seen = this.repeated.get(parsed.kind);
    if (seen) seen.count++;
    else this.repeated.set(parsed.kind, {first: line, count: 1});
    return true;
  }

  finish(): void {
    for (const [code, seen] of this.repeated) {
      const times = seen.count === 1 ? "once" : `${seen.count} times`;
      if (code === "stale_output_reused") {
        this.findings.add(
          code,
          "warning",
          `existing merged feature files were reused instead of recomputed (logged ${times}); --force deletes nothing`,
          seen.first,
          ["correctness", "timing"]
        );
      } else {
        this.findings.add(code, "info", `a cached sequence index was reused (logged ${times}): stage 6 skipped the index build`, seen.first, ["timing"]);
      }
    }
  }
}
