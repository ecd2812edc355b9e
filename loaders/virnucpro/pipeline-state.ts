/**
 * `{out}/.checkpoints/pipeline_state.json`, written by CheckpointManager (FORMATS.md §2.4): per-stage
 * status and duration keyed by the stage's enum name, and the model/length the run was configured with.
 *
 * Timestamps are naive UTC ISO strings (`datetime.utcnow().isoformat()`) and are kept as written.
 * Fields the manager adds later or a hand-edited file lacks read as null; a file that is not JSON at
 * all (e.g. cut while being saved) is an InputError, never a partial state.
 */
import {InputError} from "../../engine/errors.ts";
import {PipelineStateSchema, type PipelineState} from "./records.ts";

const EXPECTED = "a JSON object {created_at, pipeline_config: {config_hash, expected_length, model_path}, stages: {NAME: {status, started_at, completed_at, duration_seconds}}}";

export function parsePipelineState(text: string, options: {file?: string} = {}): PipelineState {
  const {file} = options;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    throw new InputError(`not valid JSON (${(error as Error).message})`, {file, line: errorLine(body, error), expected: EXPECTED, cause: error});
  }
  if (!isObject(data)) throw new InputError(`top level is ${describe(data)}`, {file, line: 1, expected: EXPECTED});

  const config = isObject(data.pipeline_config) ? data.pipeline_config : {};
  const stages = isObject(data.stages) ? data.stages : {};
  return PipelineStateSchema.parse({
    createdAt: string(data.created_at),
    modelPath: string(config.model_path),
    modelLine: keyLine(body, "model_path") ?? keyLine(body, "expected_length"),
    expectedLength: positiveInt(config.expected_length),
    configHash: string(config.config_hash),
    stages: Object.entries(stages).map(([stage, value]) => {
      const s = isObject(value) ? value : {};
      return {
        stage,
        // a stage entry without a status is not evidence of any state
        status: string(s.status) ?? "unknown",
        startedAt: string(s.started_at),
        completedAt: string(s.completed_at),
        durationSeconds: nonNegative(s.duration_seconds)
      };
    })
  });
}

/** 1-based line of a JSON.parse error: V8 reports `position N` (Node 20) or `line L column C` (Node 22). */
function errorLine(text: string, error: unknown): number {
  const message = error instanceof Error ? error.message : "";
  const lineColumn = /line (\d+) column \d+/.exec(message);
  if (lineColumn) return Number(lineColumn[1]);
  const position = /position (\d+)/.exec(message);
  // an error at the end of the input (a cut file) points at the last line that has text
  const end = text.trimEnd().length;
  const at = position ? Math.min(Number(position[1]), end) : end;
  let line = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`;
}

function string(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

function positiveInt(v: unknown): number | null {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : null;
}

function nonNegative(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : null;
}

/** 1-based line of the first `"key":` in the JSON text, for findings that point at the evidence. */
function keyLine(text: string, key: string): number | null {
  const at = text.indexOf(`"${key}"`);
  if (at < 0) return null;
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) line++;
  return line;
}
