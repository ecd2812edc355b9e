/**
 * Live progress from the pipeline's console stream (FORMATS.md §1.4, §2, §5.2): the current stage from
 * `=== Stage N: Name ===` banners, the last progress figure and ETA from the ESM-2 workers'
 * `Batch N: done/total (p%) | … ETA: 23.4m` lines or from tqdm bars, and the summary's total wall time.
 *
 * The stream is fed in arbitrary chunks: records are split on `\r` as well as `\n` (tqdm redraws with
 * `\r`, and log records written while a bar is live land on the bar's line), and patterns are matched
 * unanchored. Only a bounded tail of an unterminated line is kept, so a runaway line cannot grow memory.
 */
import {StringDecoder} from "node:string_decoder";

export interface ProgressFigure {
  /** `worker 0`, or the tqdm description */
  source: string;
  /** e.g. `43.2%`, `343000/794577 (43.2%)`, `1,200 sequences` */
  figure: string;
  percent: number | null;
  eta: string | null;
}

export interface ProgressState {
  stage: {order: number; name: string} | null;
  /** progress figures seen since the current stage started, by source */
  figures: ProgressFigure[];
  /** `Total wall time` of the PIPELINE SUMMARY, once seen */
  totalSeconds: number | null;
  summarySeen: boolean;
  outOfMemory: boolean;
}

const MAX_PARTIAL = 64 * 1024;
const MAX_LINE = 4000;

const STAGE = /=== Stage (\d{1,3}): (.+?) ===/;
const TOTAL = /Total wall time: \d+:\d\d:\d\d \((\d+(?:\.\d+)?)s\)/;
const WORKER = /Worker (\d+) - /;
const BATCH = /Batch \d+: (?:(\d+)\/(\d+) \((\d+(?:\.\d+)?)%\) \| |([\d,]+) sequences \| ).*?pack eff.*?ETA: (\S+)/;
const TQDM = /(?:^|[\s\]])([^|\r\n:]*?):\s+(\d{1,3})%\|[^|]*\|\s*(\d+)\/(\d+) \[[^<\]]*<([^,\]]+)/;

export class ProgressTracker {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";
  private readonly figures = new Map<string, ProgressFigure>();
  readonly state: ProgressState = {stage: null, figures: [], totalSeconds: null, summarySeen: false, outOfMemory: false};

  /** Feed raw output; returns true when the stage changed. */
  push(chunk: Buffer | string): boolean {
    const text = this.partial + (typeof chunk === "string" ? chunk : this.decoder.write(chunk));
    const parts = text.split(/\r\n|\r|\n/);
    const rest = parts.pop() ?? "";
    this.partial = rest.length > MAX_PARTIAL ? rest.slice(-MAX_PARTIAL) : rest;
    let changed = false;
    for (const line of parts) changed = this.line(line) || changed;
    // A live tqdm bar has no line end yet: read its figure without consuming it.
    if (this.partial) this.tqdm(this.partial.slice(-MAX_LINE));
    this.state.figures = [...this.figures.values()];
    return changed;
  }

  /** Flush a last unterminated line at end of stream. */
  end(): boolean {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    const changed = rest ? this.line(rest) : false;
    this.state.figures = [...this.figures.values()];
    return changed;
  }

  private line(raw: string): boolean {
    const line = raw.length > MAX_LINE ? raw.slice(-MAX_LINE) : raw;
    const stage = STAGE.exec(line);
    if (stage) {
      this.state.stage = {order: Number(stage[1]), name: stage[2]!};
      this.figures.clear();
      return true;
    }
    if (line.includes("PIPELINE SUMMARY")) {
      this.state.summarySeen = true;
      return false;
    }
    const total = TOTAL.exec(line);
    if (total) {
      this.state.totalSeconds = Number(total[1]);
      return false;
    }
    if (line.includes("OUT OF MEMORY")) this.state.outOfMemory = true;
    const batch = BATCH.exec(line);
    if (batch) {
      const worker = WORKER.exec(line);
      const source = worker ? `worker ${worker[1]}` : "batches";
      const figure = batch[1] !== undefined ? `${batch[1]}/${batch[2]} (${batch[3]}%)` : `${batch[4]} sequences`;
      const eta = batch[5] === "unknown" ? null : batch[5]!;
      this.figures.set(source, {source, figure, percent: batch[3] !== undefined ? Number(batch[3]) : null, eta});
      return false;
    }
    this.tqdm(line);
    return false;
  }

  private tqdm(line: string): void {
    // The last bar drawn on the line is the current one.
    const at = line.lastIndexOf("%|");
    if (at < 0) return;
    const m = TQDM.exec(line.slice(Math.max(0, at - 200)));
    if (!m) return;
    const source = m[1]!.trim() || "progress";
    const eta = m[5]!.trim();
    this.figures.set(source, {source, figure: `${m[3]}/${m[4]} (${m[2]}%)`, percent: Number(m[2]), eta: eta === "?" ? null : eta});
  }
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** One status line: `1gpu 0:05:12 · stage 6 ESM-2 Feature Extraction · worker 0 343000/794577 (43.2%) ETA 23.4m` */
export function formatProgress(label: string, state: ProgressState, elapsedMs: number): string {
  const parts = [`${label} ${formatElapsed(elapsedMs)}`];
  if (state.summarySeen) parts.push("summary");
  else if (state.stage) parts.push(`stage ${state.stage.order} ${state.stage.name}`);
  else parts.push("starting");
  for (const f of state.figures) parts.push(`${f.source} ${f.figure}${f.eta ? ` ETA ${f.eta}` : ""}`);
  return parts.join(" · ");
}
