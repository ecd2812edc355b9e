/**
 * The stages of one run as the telemetry logs them (FORMATS.md §2): a `=== Stage n: name ===` banner
 * opens a stage, `  name completed in s [extras]` closes the latest open stage of that name. Also the
 * one step the log times inside a stage, `HDF5-to-PT conversion: s for n files` (ESM-2).
 */
import {STAGE_NAMES} from "../pipeline.ts";
import type {LogRecord, StageEvent} from "../records.ts";
import {parseStageBanner, parseStageCompleted} from "../stages.ts";
import type {Findings} from "./findings.ts";

const TELEMETRY_LOGGER = "virnucpro.pipeline.telemetry";
const KNOWN_STAGES = new Set(STAGE_NAMES.map((stage) => stage.name));

/** `end_stage called for unknown stage: {name}` */
export function parseUnknownStageEnd(message: string): string | null {
  const m = /^end_stage called for unknown stage: (.+)$/.exec(message.trimEnd());
  return m ? m[1]! : null;
}

/** `HDF5-to-PT conversion: {s}s for {n} files` */
export function parseHdf5Conversion(message: string): number | null {
  const m = /^HDF5-to-PT conversion: (\d+(?:\.\d+)?)s for \d+ files/.exec(message.trimEnd());
  return m ? Number(m[1]) : null;
}

type StageRecord = Pick<LogRecord, "message" | "at" | "line" | "logger">;

export class StageEventsSection {
  private readonly stages: StageEvent[] = [];
  private hdf5ConversionSeconds: number | null = null;

  constructor(private readonly findings: Findings) {}

  get count(): number {
    return this.stages.length;
  }

  /** The stage whose banner was seen last and that has not completed yet. */
  openStage(): string | null {
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const stage = this.stages[i]!;
      if (stage.startedAt !== null && stage.endedAt === null) return stage.name;
    }
    return null;
  }

  line(record: StageRecord): boolean {
    const {message} = record;
    const banner = parseStageBanner(message);
    if (banner) {
      this.stages.push(stageEvent(banner.name, banner.order > 0 ? banner.order : null, record.at, record.line));
      return true;
    }
    const completed = parseStageCompleted(message);
    if (completed) {
      this.completed(record, completed);
      return true;
    }
    const unknown = parseUnknownStageEnd(message);
    if (unknown !== null) {
      this.findings.add("unknown_stage_end", "warning", `telemetry reports end_stage for a stage it never started: ${unknown}`, record.line, ["timing"]);
      return true;
    }
    const hdf5 = parseHdf5Conversion(message);
    if (hdf5 === null) return false;
    this.hdf5ConversionSeconds = hdf5;
    return true;
  }

  private completed(record: StageRecord, completed: NonNullable<ReturnType<typeof parseStageCompleted>>): void {
    let stage: StageEvent | undefined;
    for (let i = this.stages.length - 1; i >= 0 && !stage; i--) {
      const candidate = this.stages[i]!;
      if (candidate.name === completed.name && candidate.endedAt === null) stage = candidate;
    }
    if (!stage) {
      // `  X completed in` from another logger with an unknown name is not telemetry
      if (!KNOWN_STAGES.has(completed.name) && record.logger !== TELEMETRY_LOGGER) return;
      stage = stageEvent(completed.name, null, null, record.line);
      this.stages.push(stage);
      this.findings.add(
        "unknown_stage_end",
        "warning",
        `stage '${completed.name}' completed without a start banner in this run (log starts mid-stage?)`,
        record.line,
        ["timing"]
      );
    }
    stage.endedAt = record.at;
    stage.completedLine = record.line;
    stage.seconds = completed.seconds;
    stage.extras = completed.extras;
    stage.skipped = completed.skipped;
  }

  /** `runEnded` says how the run ended, in words, for stages left open. */
  finish(runEnded: string): {stages: StageEvent[]; hdf5ConversionSeconds: number | null} {
    for (const stage of this.stages) {
      if (stage.startedAt !== null && stage.endedAt === null) {
        this.findings.add("stage_not_completed", "warning", `stage '${stage.name}' started but has no 'completed in' line (run ${runEnded})`, stage.line, [
          "timing"
        ]);
      }
    }
    return {stages: this.stages, hdf5ConversionSeconds: this.hdf5ConversionSeconds};
  }
}

function stageEvent(name: string, order: number | null, startedAt: string | null, line: number): StageEvent {
  return {name, order, startedAt, endedAt: null, seconds: null, skipped: false, extras: {}, line, completedLine: null};
}
