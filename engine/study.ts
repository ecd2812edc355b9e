import {readFile, realpath, stat} from "node:fs/promises";
import path from "node:path";
import {parseDocument, LineCounter} from "yaml";
import {z} from "zod";
import {InputError} from "./errors.ts";
import {METRICS} from "./report/criteria.ts";

/** Criteria as declared in a study file; the default set lives in metrics/criteria.ts. */
export const CriterionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9_]+$/, "lower-case id of letters, digits and _"),
    label: z.string().min(1),
    metric: z.string().min(1),
    comparison: z.enum(["<", "<=", ">", ">=", "=="]),
    target: z.number().finite(),
    /** optional: restrict to one run id (e.g. time_1gpu) or apply to every run ("every") */
    run: z.string().optional()
  })
  .strict();

const relativePath = z.string().min(1, "a path relative to the study file");

export const RunSchema = z
  .object({
    // not '.' or '..': the id names the run's folder (runs/<id>) that `benchbook run` writes into
    id: z.string().regex(/^(?!\.+$)[A-Za-z0-9_.-]+$/, "letters, digits, '.', '_' or '-', not only dots"),
    gpus: z.number().int().positive(),
    label: z.string().optional(),
    log: relativePath.optional(),
    outputs: relativePath.optional(),
    gpu_metrics: relativePath.optional(),
    /** nvidia-smi CSV samples written by `benchbook run` (preferred over gpu_metrics when present) */
    gpu_samples: relativePath.optional(),
    worker_logs: relativePath.optional(),
    command: z.array(z.string().min(1)).min(1).optional(),
    cwd: relativePath.optional(),
    env: z.record(z.string(), z.string()).optional()
  })
  .strict();

/** A word sbatch reads from an `#SBATCH` line: no whitespace, no line break. */
const sbatchValue = z.string().regex(/^\S+$/, "one word without spaces");

/** Where `benchbook run` executes the runs (README "Running on a cluster"). */
export const ExecutorSchema = z
  .object({
    kind: z.enum(["local", "slurm"]),
    partition: sbatchValue.optional(),
    account: sbatchValue.optional(),
    qos: sbatchValue.optional(),
    /** SLURM's --time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS; default: from --timeout */
    time_limit: z
      .string()
      .regex(/^(\d+-\d{1,2}(:\d{1,2}){0,2}|\d+(:\d{1,2}){0,2})$/, "a SLURM time limit like 90, 1:30:00 or 1-12:00:00")
      .optional(),
    constraint: sbatchValue.optional(),
    exclusive: z.boolean().optional(),
    /** `--gres=gpu:N` (default) or `--gpus=N` */
    gpu_request: z.enum(["gres", "gpus"]).optional(),
    /** a GPU type for the request, e.g. h200: `--gres=gpu:h200:N` */
    gpu_type: z.string().regex(/^[A-Za-z0-9_.-]+$/, "a GPU type name like h200").optional(),
    /** more sbatch arguments, one per element, e.g. ["--mem=64G"] */
    sbatch_args: z.array(z.string().regex(/^-\S*$/, "an option like --mem=64G (one word, no spaces)")).optional()
  })
  .strict();

const BASE_STUDY_SHAPE = {
    release: z.string().max(100, "a release name of at most 100 characters (it names a folder)").regex(/^[A-Za-z0-9_.+-]+$/, "a release name like v2.0 (letters, digits, '.', '_', '+', '-')"),
    title: z.string().min(1),
    /** a pipeline of loaders/index.ts; ingest names the known ones when it is not */
    pipeline: z.string().regex(/^[a-z0-9_-]+$/, "a pipeline name like virnucpro"),
    date: z.string().optional(),
    baseline: z
      .object({
        label: z.string().min(1),
        total_seconds: z.number().positive(),
        note: z.string().optional()
      })
      .strict()
      .optional(),
    reference: z
      .object({
        label: z.string().min(1),
        outputs: relativePath,
        log: relativePath.optional(),
        model: z.string().optional(),
        expected_length: z.number().int().positive().optional()
      })
      .strict()
      .optional(),
    tolerance: z.number().positive().max(1).default(0.01),
    runs: z.array(RunSchema).min(1, "at least one run"),
    criteria: z.array(CriterionSchema).optional(),
    executor: ExecutorSchema.optional()
};

function refineStudy(study: {runs: Array<{id: string}>; criteria?: Array<{id: string}> | undefined}, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  study.runs.forEach((run, i) => {
    if (seen.has(run.id)) ctx.addIssue({code: "custom", path: ["runs", i, "id"], message: `duplicate run id '${run.id}'`});
    seen.add(run.id);
  });
  const ids = new Set<string>();
  study.criteria?.forEach((c, i) => {
    if (ids.has(c.id)) ctx.addIssue({code: "custom", path: ["criteria", i, "id"], message: `duplicate criterion id '${c.id}'`});
    ids.add(c.id);
  });
}

export const StudySchema = z.object(BASE_STUDY_SHAPE).strict().superRefine(refineStudy);

/**
 * Fields a pipeline adds to the study file (engine/ingest/adapter.ts `studyFields` / `runFields`): merged
 * into the strict schemas only when the study names that pipeline, so a misspelling is still an error.
 */
export interface StudyExtension {
  studyFields?: z.ZodRawShape;
  runFields?: z.ZodRawShape;
}

/** The strict object schema of a study naming a pipeline with these extra fields (unrefined: see parseStudy). */
function studyObject(extension: StudyExtension) {
  const clash = [...Object.keys(extension.studyFields ?? {}).filter((k) => k in BASE_STUDY_SHAPE), ...Object.keys(extension.runFields ?? {}).filter((k) => k in RunSchema.shape)];
  if (clash.length) throw new Error(`a pipeline may not redefine the study fields ${clash.join(", ")}`);
  const run = extension.runFields ? RunSchema.extend(extension.runFields).strict() : RunSchema;
  return z.object({...BASE_STUDY_SHAPE, ...extension.studyFields, runs: z.array(run).min(1, "at least one run")}).strict();
}

export type StudyFile = z.infer<typeof StudySchema>;
export type RunSpec = z.infer<typeof RunSchema>;
export type CriterionSpec = z.infer<typeof CriterionSchema>;
export type ExecutorSpec = z.infer<typeof ExecutorSchema>;

/** A study with every path resolved to an absolute path. */
export interface Study extends StudyFile {
  /** absolute path of the study file */
  file: string;
  /** folder of the study file; relative paths resolve against it */
  dir: string;
  /** the study file's text, kept for provenance */
  text: string;
}

/**
 * Resolve a study-relative path. Relative paths must stay inside the study folder (no `..` escape);
 * absolute paths are taken as given, because users do point at /scratch or /tmp run folders.
 */
export function resolveStudyPath(study: Pick<Study, "dir" | "file">, p: string, field: string, line?: number): string {
  if (path.isAbsolute(p)) return path.normalize(p);
  const resolved = path.resolve(study.dir, p);
  const rel = path.relative(study.dir, resolved);
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new InputError(`${field}: '${p}' leaves the study folder`, {
      file: study.file,
      line,
      expected: "a path inside the study folder, or an absolute path"
    });
  }
  return resolved;
}

/**
 * Refuse a resolved path whose real location (after symlinks) leaves the study folder when the path was
 * given relative: a symlink must not smuggle files from elsewhere into a report.
 */
export async function checkInsideStudy(study: Pick<Study, "dir" | "file">, given: string, resolved: string, field: string): Promise<void> {
  if (path.isAbsolute(given)) return;
  let real: string;
  try {
    real = await realpath(resolved);
  } catch {
    return; // a missing path is reported by whoever needs the artifact
  }
  const root = await realpath(study.dir);
  const rel = path.relative(root, real);
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    // a file found below the given folder is named by itself: the link may be the file or a folder on the way
    const shown = path.relative(study.dir, resolved) || given;
    throw new InputError(`${field}: '${shown}' is (or lies behind) a symlink to ${real}, outside the study folder`, {
      file: study.file,
      expected: "files inside the study folder (give an absolute path to use files elsewhere)"
    });
  }
}

/** The pipelines whose extra study fields parseStudy knows, by name (default: loaders/index.ts). */
export type StudyPipelines = Readonly<Record<string, StudyExtension>>;

export async function loadStudy(file: string, pipelines?: StudyPipelines): Promise<Study> {
  // the registry is imported here, not at the top: loaders/ import this module, and a static import back
  // would hand them an unfinished registry whichever side loads first
  pipelines ??= (await import("../loaders/index.ts")).adapters;
  const abs = path.resolve(file);
  let text: string;
  try {
    const s = await stat(abs);
    if (!s.isFile()) throw new InputError("is not a file", {file: abs, expected: "a study YAML file"});
    text = await readFile(abs, "utf8");
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError("cannot read the study file", {file: abs, expected: "an existing, readable YAML file", cause: error});
  }
  return parseStudy(text, abs, pipelines);
}

/** Parse and validate study YAML; errors name the field, its line and what was expected. */
/** `pipelines`: the registry whose pipeline-specific fields a study may use (loadStudy passes loaders/index.ts). */
export function parseStudy(text: string, file: string, pipelines: StudyPipelines = {}): Study {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {lineCounter, prettyErrors: true});
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new InputError(`invalid YAML: ${e.message.split("\n")[0]}`, {file, line, expected: "a YAML mapping"});
  }
  let raw: unknown;
  try {
    // a YAML alias bomb (aliases of aliases) would expand to gigabytes: yaml refuses past this count
    raw = doc.toJS({maxAliasCount: 100});
  } catch (error) {
    throw new InputError(`invalid YAML: ${(error as Error).message.split("\n")[0]}`, {file, expected: "a study file without deeply nested aliases (at most 100 alias expansions)"});
  }
  const named = raw && typeof raw === "object" ? (raw as {pipeline?: unknown}).pipeline : undefined;
  const extension = typeof named === "string" && Object.hasOwn(pipelines, named) ? pipelines[named]! : {};
  const object: z.ZodType = extension.studyFields || extension.runFields ? studyObject(extension) : z.object(BASE_STUDY_SHAPE).strict();
  const result = object.superRefine((study, ctx) => refineStudy(study as StudyFile, ctx)).safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const fieldPath = issue.path as (string | number)[];
    const unknownKey = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    const node = unknownKey !== undefined ? doc.getIn([...fieldPath, unknownKey], true) ?? keyNode(doc.getIn(fieldPath, true), unknownKey) : fieldPath.length ? doc.getIn(fieldPath, true) : undefined;
    const parentNode = fieldPath.length > 1 ? doc.getIn(fieldPath.slice(0, -1), true) : doc.contents;
    const range = (node as {range?: [number, number, number]} | undefined)?.range ?? (parentNode as {range?: [number, number, number]} | undefined)?.range;
    const line = range ? lineCounter.linePos(range[0]).line : undefined;
    const field = fieldPath.length ? fieldPath.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "") : "(top level)";
    throw new InputError(`field '${field}': ${describeIssue(issue, raw, object)}`, {file, line});
  }
  const dir = path.dirname(file);
  const study: Study = {...(result.data as StudyFile), file, dir, text};
  const lineOf = (fieldPath: (string | number)[]) => {
    const range = (doc.getIn(fieldPath, true) as {range?: [number, number, number]} | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  // Resolve early so a path escaping the study folder is an error before anything runs.
  study.runs.forEach((run, i) => {
    for (const key of ["log", "outputs", "gpu_metrics", "gpu_samples", "worker_logs", "cwd"] as const) {
      const v = run[key];
      if (v !== undefined) resolveStudyPath(study, v, `runs.${run.id}.${key}`, lineOf(["runs", i, key]));
    }
  });
  if (study.reference) {
    resolveStudyPath(study, study.reference.outputs, "reference.outputs", lineOf(["reference", "outputs"]));
    if (study.reference.log) resolveStudyPath(study, study.reference.log, "reference.log", lineOf(["reference", "log"]));
  }
  checkCriteria(study, lineOf);
  return study;
}

/** A criterion must name a known metric and, when it names a run, a run of this study. */
function checkCriteria(study: Study, lineOf: (fieldPath: (string | number)[]) => number | undefined): void {
  const runIds = study.runs.map((r) => r.id);
  study.criteria?.forEach((c, i) => {
    if (!METRICS[c.metric]) {
      throw new InputError(`field 'criteria[${i}].metric': criterion '${c.id}' names unknown metric '${c.metric}'`, {file: study.file, line: lineOf(["criteria", i, "metric"]), expected: `one of: ${Object.keys(METRICS).join(", ")}`});
    }
    if (c.run !== undefined && !/^(every|headline|gpus=\d+)$/.test(c.run) && !runIds.includes(c.run)) {
      throw new InputError(`field 'criteria[${i}].run': criterion '${c.id}' names run '${c.run}', which the study does not have`, {file: study.file, line: lineOf(["criteria", i, "run"]), expected: `a run id (${runIds.join(", ")}), 'gpus=N', 'every' or 'headline'`});
    }
  });
}

/** The key node of `key` in a YAML map node (its value may be null, which has no range). */
function keyNode(map: unknown, key: string): unknown {
  const items = (map as {items?: Array<{key?: {value?: unknown; range?: unknown}}>} | undefined)?.items;
  return items?.find((pair) => pair.key?.value === key)?.key;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown, schema: z.ZodType): string {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(schema, issue.path as (string | number)[]);
    const hints = issue.keys.map((k) => {
      const near = closest(k, known);
      return near ? `'${k}' (did you mean '${near}'?)` : `'${k}'`;
    });
    return `unknown field ${hints.join(", ")}; expected one of: ${known.join(", ")}`;
  }
  if (issue.code === "invalid_type") {
    const got = valueAt(raw, issue.path as (string | number)[]);
    // JSON.stringify would print YAML's .nan and .inf as null
    const shown = got === undefined ? "nothing (the field is missing)" : typeof got === "number" && !Number.isFinite(got) ? String(got) : JSON.stringify(got);
    return `expected ${issue.expected}, got ${shown}`;
  }
  if (issue.code === "invalid_value") return `${issue.message}`;
  return issue.message;
}

function valueAt(raw: unknown, p: (string | number)[]): unknown {
  let v: unknown = raw;
  for (const k of p) v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** The field names of the object the schema expects at `p` (through optional, default and array wrappers). */
function knownKeysAt(schema: z.ZodType, p: (string | number)[]): string[] {
  let node: unknown = schema;
  const unwrap = () => {
    for (;;) {
      const def = (node as {_zod?: {def?: {type?: string; innerType?: unknown; element?: unknown}}})._zod?.def;
      if (def && (def.type === "optional" || def.type === "default" || def.type === "nullable") && def.innerType) node = def.innerType;
      else return def;
    }
  };
  for (const key of p) {
    const def = unwrap();
    if (def?.type === "array" && typeof key === "number") node = def.element;
    else if (def?.type === "object" && typeof key === "string") node = (node as z.ZodObject).shape[key];
    else return [];
  }
  const def = unwrap();
  return def?.type === "object" ? Object.keys((node as z.ZodObject).shape) : [];
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
