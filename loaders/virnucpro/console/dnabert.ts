/**
 * DNABERT-S multi-GPU lines (FORMATS.md §7b, §4.3): the work assignment (`  Worker i: f files, s
 * sequences` or `  GPU i: f files`) and the progress dashboard (`GPU i: c/t files (p%)`), tallied per
 * GPU. base_worker and the dashboard also serve the v1 ESM-2 fallback, so these lines count only while
 * no stage is open or the open stage is DNABERT-S.
 */
import type {DnabertGpu, LogRecord} from "../records.ts";

export type DnabertLine =
  | {kind: "assigned"; gpu: number; files: number; sequences: number | null}
  | {kind: "progress"; gpu: number; completedFiles: number; totalFiles: number};

export function parseDnabertLine(message: string): DnabertLine | null {
  const text = message.trimEnd();
  let m: RegExpExecArray | null;
  if ((m = /^ {2}Worker (\d+): (\d+) files, (\d+) sequences$/.exec(text))) {
    return {kind: "assigned", gpu: Number(m[1]), files: Number(m[2]), sequences: Number(m[3])};
  }
  if ((m = /^ {2}GPU (\d+): (\d+) files$/.exec(text))) return {kind: "assigned", gpu: Number(m[1]), files: Number(m[2]), sequences: null};
  if ((m = /^GPU (\d+): (\d+)\/(\d+) files \(\d+(?:\.\d+)?%\)$/.exec(text))) {
    return {kind: "progress", gpu: Number(m[1]), completedFiles: Number(m[2]), totalFiles: Number(m[3])};
  }
  return null;
}

export function isDnabertStage(openStage: string | null): boolean {
  return openStage === null || openStage.includes("DNABERT");
}

export class DnabertSection {
  private readonly gpus = new Map<number, DnabertGpu>();

  /** `openStage`: the stage open when the line was logged (null: none). */
  line(record: Pick<LogRecord, "message" | "at">, openStage: string | null): boolean {
    if (!isDnabertStage(openStage)) return false;
    const parsed = parseDnabertLine(record.message);
    if (!parsed) return false;
    const gpu = this.gpu(parsed.gpu);
    if (parsed.kind === "assigned") {
      gpu.files = parsed.files;
      // `  GPU i: f files` does not say how many sequences: keep what a Worker line said
      if (parsed.sequences !== null) gpu.sequences = parsed.sequences;
    } else {
      gpu.completedFiles = parsed.completedFiles;
      gpu.totalFiles = parsed.totalFiles;
      // the dashboard line that reports every file done is when this GPU finished
      if (parsed.completedFiles === parsed.totalFiles) gpu.finishedAt = record.at;
    }
    return true;
  }

  private gpu(index: number): DnabertGpu {
    let gpu = this.gpus.get(index);
    if (!gpu) {
      gpu = {gpu: index, files: null, sequences: null, completedFiles: null, totalFiles: null, finishedAt: null};
      this.gpus.set(index, gpu);
    }
    return gpu;
  }

  finish(): DnabertGpu[] {
    return [...this.gpus.values()].sort((a, b) => a.gpu - b.gpu);
  }
}
