import type {DuckDBConnection} from "@duckdb/node-api";
import type {CriterionSpec, RunSpec, Study, StudyExtension} from "../study.ts";

export interface FindingRow {
  run_id: string | null;
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  file: string | null;
  line: number | null;
  affects: string[];
}

export interface ArtifactRow {
  run_id: string;
  kind: string;
  path: string;
  bytes: number | null;
  sha256: string | null;
  rows: number | null;
}

/** What an adapter gets to ingest one run: the open database and sinks for findings and artifacts. */
export interface IngestContext {
  connection: DuckDBConnection;
  study: Study;
  finding(row: FindingRow): void;
  artifact(row: ArtifactRow): void;
  /**
   * A file's sha256 and size for its artifact row, read once per ingest: the fingerprint reads every
   * input too, and whichever asks first reads the file for both.
   */
  hashFile(file: string): Promise<{sha256: string; bytes: number}>;
}

/**
 * The slots a pipeline fills for the engine's metric SQL (stored in the `pipeline_profile` table at ingest).
 * null: the pipeline has no such stage, and the figures that need it stay NULL.
 */
export interface PipelineProfile {
  /** the stage parallelised across GPUs: its speedup, its share for the "only it scales" Amdahl ceiling */
  primaryGpuStage: string | null;
  /** the stage whose time window GPU utilisation is judged in (where the pipeline's monitors run) */
  gpuWindowStage: string | null;
  /** a second GPU stage: the what-if figures ask what scaling it like the primary one would give */
  secondaryGpuStage: string | null;
  /** what the pipeline divides its logged packing figure by (its real budget may differ) */
  loggedPackingScale: number | null;
  /**
   * Short names report text gives stages, by stage name ("embed" for "Embedding on GPUs"), as in the
   * what-if "<secondary> scaled like <primary>". A stage without one is called by its name.
   */
  stageLabels?: Readonly<Record<string, string>>;
  /**
   * The two classes of a binary prediction, as the outputs show them: `positive` is what the comparison
   * counts as its first class. null (the default) when labels are compared only for equality, any number
   * of them (pipeline: csv), or the pipeline has no predictions: outputs then speak of same/other label.
   */
  classes?: {positive: string; negative: string} | null;
  /**
   * The optional figure families the pipeline can fill (default: all of them). Reports and pages leave out
   * the sections of a family it cannot fill; a criterion on such a family still shows no_data.
   */
  families?: readonly OptionalFamily[];
  /**
   * Stages whose `sequences` extra counts the run's input, in order of preference (the first that has one
   * wins): runs compared for scaling must have read the same input (v_run_checks). Default: none.
   */
  inputCountStages?: readonly string[];
  /** where a run's total time comes from, as criterion formulas and pages name it (default: "the run's total wall time") */
  totalSource?: string;
}

/** Figure families that only some pipelines have (timing, scaling and correctness every pipeline can have). */
export const OPTIONAL_FAMILIES = ["throughput", "packing", "gpu", "io_warnings"] as const;
export type OptionalFamily = (typeof OPTIONAL_FAMILIES)[number];

/**
 * A pipeline adapter turns one pipeline's artifacts into rows of the benchbook schema. Adding a pipeline
 * means a folder loaders/<name>/ with its parsers, its profile and default criteria and an adapter object
 * implementing this, plus one line in loaders/index.ts. The engine does not change.
 */
export interface PipelineAdapter extends StudyExtension {
  name: string;
  /** fixed, or read from the study when the study names the pipeline's stages (pipeline: csv) */
  profile: PipelineProfile | ((study: Study) => PipelineProfile);
  /**
   * The targets that apply when a study declares no criteria. A function of the study when which targets
   * apply depends on what the study declares (no reference: no correctness target, rather than no_data).
   */
  defaultCriteria: readonly CriterionSpec[] | ((study: Study) => readonly CriterionSpec[]);
  /**
   * Files or folders the adapter reads beyond the study's common run fields (log, outputs, gpu_metrics,
   * gpu_samples, worker_logs, reference): their size and mtime join the change detector, so editing one
   * re-ingests. Absolute paths.
   */
  inputFiles?(study: Study): string[];
  /**
   * DDL of the tables only this pipeline writes (CREATE TABLE ...), run at ingest after the engine's
   * schema (db/schema.ts) and part of the ingest fingerprint, so a change to it re-ingests.
   */
  schemaSql?: string;
  /**
   * Views of this pipeline's own (over its tables or the engine's), created after the engine's views:
   * each `CREATE OR REPLACE {TEMP} VIEW <name> AS ...`, as in metrics/. Ingest stores them in the
   * database (pipeline_views), so a report built from the database alone has them too.
   */
  views?: ReadonlyArray<{name: string; sql: string}>;
  ingestRun(context: IngestContext, run: RunSpec, ord: number): Promise<void>;
  ingestReference(context: IngestContext, reference: NonNullable<Study["reference"]>, ord: number): Promise<void>;
}

function labelOf(p: PipelineProfile, stage: string | null): string | null {
  return stage === null ? null : Object.hasOwn(p.stageLabels ?? {}, stage) ? p.stageLabels![stage]! : stage;
}

/** The adapter's profile as key/value rows; the views read them with bb_profile(key). */
export function profileRows(adapter: PipelineAdapter, study?: Study): Array<{key: string; value: string | null}> {
  const ofStudy = <T>(value: T | ((study: Study) => T)): T => {
    if (typeof value !== "function") return value;
    if (!study) throw new Error(`pipeline ${adapter.name}: its profile depends on the study; pass the study`);
    return (value as (study: Study) => T)(study);
  };
  const p = ofStudy(adapter.profile);
  const criteria = ofStudy(adapter.defaultCriteria);
  return [
    {key: "pipeline", value: adapter.name},
    {key: "primary_gpu_stage", value: p.primaryGpuStage},
    {key: "gpu_window_stage", value: p.gpuWindowStage},
    {key: "secondary_gpu_stage", value: p.secondaryGpuStage},
    {key: "logged_packing_scale", value: p.loggedPackingScale === null ? null : String(p.loggedPackingScale)},
    // what report text calls the stages of the roles above (the stage's own name without a short one)
    {key: "primary_gpu_label", value: labelOf(p, p.primaryGpuStage)},
    {key: "gpu_window_label", value: labelOf(p, p.gpuWindowStage)},
    {key: "secondary_gpu_label", value: labelOf(p, p.secondaryGpuStage)},
    {key: "classes", value: p.classes ? JSON.stringify(p.classes) : null},
    {key: "families", value: JSON.stringify(p.families ?? OPTIONAL_FAMILIES)},
    {key: "input_count_stages", value: JSON.stringify(p.inputCountStages ?? [])},
    {key: "total_source", value: p.totalSource ?? null},
    {key: "default_criteria", value: JSON.stringify(criteria)}
  ];
}

/**
 * The adapter's own views as rows of pipeline_views. Each must create the view it names, with the {TEMP}
 * marker (a report on a read-only database installs them as temporary views), and not replace an engine view.
 */
export function pipelineViewRows(adapter: PipelineAdapter, engineViews: readonly string[]): Array<{name: string; ord: number; sql: string}> {
  return (adapter.views ?? []).map((v, i) => {
    const head = new RegExp(`^\\s*CREATE OR REPLACE \\{TEMP\\} VIEW ${v.name} AS\\b`);
    if (!/^[a-z_][a-z0-9_]*$/.test(v.name) || !head.test(v.sql)) {
      throw new Error(`pipeline ${adapter.name}: view '${v.name}' must be a lower-case SQL name and its SQL start with 'CREATE OR REPLACE {TEMP} VIEW ${v.name} AS'`);
    }
    if (engineViews.includes(v.name)) throw new Error(`pipeline ${adapter.name}: view '${v.name}' is one of the engine's views`);
    return {name: v.name, ord: i + 1, sql: v.sql.trim()};
  });
}
