/**
 * `benchbook ingest`: builds the study's DuckDB database from its artifacts.
 *
 * The database lives at `<study folder>/.benchbook/<release>.duckdb` unless `dbFile` is given. It is built
 * aside (`*.building-<pid>`) and renamed over the old one only when complete, so a failure mid-way leaves
 * the previous database intact. Ingest is skipped when the study file, the CONTENTS of every artifact,
 * benchbook's own source code and the schema version are all unchanged since the last ingest (fingerprint.ts).
 */
import {mkdir, rename, rm, stat} from "node:fs/promises";
import path from "node:path";
import {adapters} from "../../loaders/index.ts";
import {pipelineViewRows, profileRows, type ArtifactRow, type FindingRow, type IngestContext, type PipelineAdapter} from "./adapter.ts";
import {openDatabase, queryRows, type Database} from "../db/duckdb.ts";
import {SCHEMA_SQL, SCHEMA_VERSION} from "../db/schema.ts";
import {insertRows} from "../db/writer.ts";
import {InputError} from "../errors.ts";
import {buildingDbRule, removeLeftovers} from "../leftovers.ts";
import {loadStudy, type RunSpec, type Study} from "../study.ts";
import {BENCHBOOK_VERSION} from "../version.ts";
import {ContentDigests, exists} from "../artifacts.ts";
import {inputFingerprint, type FileHash, type Fingerprint} from "./fingerprint.ts";
import {ingestExecutions} from "./executions.ts";
import {storeAllViewResults, VIEWS} from "../metrics/views.ts";
import {storeCorrectness} from "../metrics/correctness-store.ts";
import {runPaths} from "../../loaders/runner/layout.ts";

/**
 * A run with a command that names no `log` or `gpu_samples` is read from where `benchbook run` writes
 * them (runner/layout.ts), when those files exist.
 */
async function withRunnerFiles(study: Study, run: RunSpec): Promise<RunSpec> {
  if (!run.command) return run;
  const paths = runPaths(study, run);
  const rel = (file: string) => path.relative(study.dir, file).split(path.sep).join("/");
  const out = {...run};
  if (!out.log && (await exists(paths.log))) out.log = rel(paths.log);
  if (!out.gpu_samples && (await exists(paths.gpuSamples))) out.gpu_samples = rel(paths.gpuSamples);
  return out;
}

export interface IngestResult {
  dbFile: string;
  study: Study;
  /** false when the existing database was up to date */
  ingested: boolean;
  findings: FindingRow[];
}

export interface IngestOptions {
  dbFile?: string;
  /** ingest even when nothing changed */
  force?: boolean;
  /** the pipelines to choose from by the study's `pipeline:` (default: loaders/index.ts) */
  adapters?: Readonly<Record<string, PipelineAdapter>>;
  /** checkDatabase's answer for this study and database, just given: ingest does not check (or hash) again */
  checked?: DatabaseCheck;
}

/** DuckDB's share of ingest memory; the rest of the process (parsers, Node) stays well under 2 GB with it. */
const INGEST_MEMORY_LIMIT = process.env.BENCHBOOK_DUCKDB_MEMORY ?? "1GB";

export function defaultDbFile(study: Pick<Study, "dir" | "release">): string {
  return path.join(study.dir, ".benchbook", `${study.release}.duckdb`);
}

/** `source`: the study file, or the study already loaded from it (one parse for the whole command). */
export async function ingestStudy(source: string | Study, options: IngestOptions = {}): Promise<IngestResult> {
  const registry = options.adapters ?? adapters;
  const study = typeof source === "string" ? await loadStudy(source, registry) : source;
  const dbFile = path.resolve(options.dbFile ?? defaultDbFile(study));
  const dbInfo = await stat(dbFile).catch(() => null);
  if (dbInfo && !dbInfo.isFile()) throw new InputError("is not a file", {file: dbFile, expected: "--db FILE: the path of a DuckDB database file (created when missing), not a folder"});
  const check = options.force ? null : (options.checked ?? (await checkDatabase(study, dbFile, registry)));
  if (check?.current) {
    if (!options.checked) check.current.close();
    return {dbFile, study, ingested: false, findings: check.findings};
  }
  // a stale database's check has hashed the inputs already; without a database to compare against (or
  // with --force, which trusts no stored hash) files are hashed while DuckDB reads them
  const digests = check?.digests ?? new ContentDigests();
  const fingerprint = check?.fingerprint ? Promise.resolve(check.fingerprint) : inputFingerprint(study, adapterOf(study, registry), undefined, digests);
  fingerprint.catch(() => undefined); // awaited below; a failure while ingest runs is not unhandled
  await mkdir(path.dirname(dbFile), {recursive: true});
  await removeLeftovers(path.dirname(dbFile), buildingDbRule(dbFile));
  const building = `${dbFile}.building-${process.pid}`;
  await removeDb(building);
  const findings: FindingRow[] = [];
  const db = await openDatabase(building);
  try {
    // bounded memory whatever the input size: DuckDB spills to disk beyond this (issue: 20M-row files)
    await db.connection.run(`SET memory_limit = '${INGEST_MEMORY_LIMIT}'`);
    await populate(db.connection, study, registry, findings, digests);
    const {digest, files} = await fingerprint;
    await insertRows(db.connection, "meta", [{key: "fingerprint", value: digest}]);
    await insertRows(db.connection, "file_hashes", files);
    await db.connection.run("CHECKPOINT");
  } catch (error) {
    db.close();
    await removeDb(building);
    throw error;
  }
  db.close();
  await rename(building, dbFile);
  await rm(`${dbFile}.wal`, {force: true});
  return {dbFile, study, ingested: true, findings};
}

async function populate(
  connection: IngestContext["connection"],
  study: Study,
  registry: Readonly<Record<string, PipelineAdapter>>,
  findings: FindingRow[],
  digests: ContentDigests
): Promise<void> {
  await connection.run(SCHEMA_SQL);
  // prediction rows live only while ingest compares them (TEMP tables shadow the empty stored ones);
  // the database keeps the comparison itself (metrics/correctness-store.ts)
  for (const table of PREDICTION_TABLES) await connection.run(`CREATE TEMP TABLE ${table} AS SELECT * FROM main.${table} LIMIT 0`);
  const adapter = adapterOf(study, registry);
  if (!adapter) {
    const line = study.text.split("\n").findIndex((l) => /^pipeline\s*:/.test(l)) + 1;
    throw new InputError(`unknown pipeline '${study.pipeline}'`, {file: study.file, line: line || undefined, expected: `one of: ${Object.keys(registry).join(", ")}`});
  }
  // the pipeline's own tables and views (PipelineAdapter.schemaSql, views), after the engine's schema
  if (adapter.schemaSql) await connection.run(adapter.schemaSql);
  await insertRows(connection, "pipeline_views", pipelineViewRows(adapter, VIEWS.map((v) => v.name)));
  await insertRows(connection, "pipeline_profile", profileRows(adapter, study));
  const artifacts: ArtifactRow[] = [];
  const context: IngestContext = {
    connection,
    study,
    finding: (row) => findings.push(row),
    artifact: (row) => artifacts.push(row),
    hashFile: (file) => digests.of(file)
  };
  await insertRows(connection, "meta", [
    {key: "schema_version", value: String(SCHEMA_VERSION)},
    {key: "benchbook_version", value: BENCHBOOK_VERSION},
    {key: "study_file", value: study.file},
    {key: "study_text", value: study.text}
  ]);
  await insertRows(connection, "releases", [
    {
      release: study.release,
      title: study.title,
      pipeline: study.pipeline,
      study_file: study.file,
      baseline_label: study.baseline?.label ?? null,
      baseline_total_seconds: study.baseline?.total_seconds ?? null,
      reference_label: study.reference?.label ?? null,
      tolerance: study.tolerance
    }
  ]);
  for (const [i, run] of study.runs.entries()) await adapter.ingestRun(context, await withRunnerFiles(study, run), i + 1);
  if (study.reference) await adapter.ingestReference(context, study.reference, study.runs.length + 1);
  else findings.push({run_id: null, code: "no_reference", severity: "info", message: "the study names no reference outputs: correctness has no data", file: study.file, line: null, affects: ["correctness"]});
  if (!study.baseline) findings.push({run_id: null, code: "no_baseline", severity: "info", message: "the study names no baseline: baseline speedup has no data", file: study.file, line: null, affects: ["baseline"]});
  await ingestExecutions(connection, study);
  // the input checksums `benchbook run` recorded: runs compared with each other must share them
  await connection.run(`UPDATE runs SET input_sha256 = e.sums
    FROM (SELECT run_id, array_to_string(list_sort(json_extract_string(manifest, '$.inputs[*].sha256')), ',') AS sums FROM executions WHERE representative) e
    WHERE runs.run_id = e.run_id AND e.sums <> ''`);
  await insertRows(connection, "artifacts", artifacts);
  await insertRows(connection, "findings", findings.map((f) => ({...f, affects: f.affects.join(",")})));
  // the views' rows stored for reports; the comparison is computed from the prediction rows on the way,
  // which are dropped once it is stored
  await storeAllViewResults(connection, {
    computeCorrectness: async () => {
      await storeCorrectness(connection);
      for (const table of PREDICTION_TABLES) await connection.run(`DROP TABLE temp.${table}`);
    }
  });
}

const PREDICTION_TABLES = ["predictions_frame", "predictions_consensus"] as const;

/**
 * Whether the study's database is up to date with the study's inputs. `current`: the database opened
 * read-only when it is (the caller closes it), so a report reads the file it checked instead of opening
 * it twice; null when the file is missing, unreadable, of an older schema or stale. `fingerprint`: the
 * inputs' fingerprint when it was computed (a database to compare against existed), so an ingest that
 * follows does not hash the inputs again. An input that cannot be read is the fingerprint's error.
 */
export interface DatabaseCheck {
  current: Database | null;
  fingerprint: Fingerprint | null;
  /** the files the check read, by digest: the ingest that follows records them without reading again */
  digests: ContentDigests;
  /** the stored findings of a current database */
  findings: FindingRow[];
}

export async function checkDatabase(study: Study, dbFile: string, registry: Readonly<Record<string, PipelineAdapter>> = adapters): Promise<DatabaseCheck> {
  const digests = new ContentDigests();
  const none: DatabaseCheck = {current: null, fingerprint: null, findings: [], digests};
  const info = await stat(dbFile).catch(() => null);
  if (!info?.isFile()) return none;
  const db = await openDatabase(dbFile, {readOnly: true}).catch(() => null);
  if (!db) return none; // unreadable: rebuild it
  try {
    const stored = await storedInputs(db.connection).catch(() => null); // an older database: rebuild it
    if (!stored) {
      db.close();
      return none;
    }
    const fingerprint = await inputFingerprint(study, adapterOf(study, registry), stored.files, digests);
    if (fingerprint.digest === stored.digest) return {current: db, fingerprint, findings: stored.findings, digests};
    db.close();
    return {current: null, fingerprint, findings: [], digests};
  } catch (error) {
    db.close();
    throw error;
  }
}

/** What an existing database holds: its fingerprint, the file hashes it was made from, its findings. */
async function storedInputs(connection: IngestContext["connection"]): Promise<{digest: string; files: Map<string, FileHash>; findings: FindingRow[]} | null> {
  const [row] = await queryRows<{value: string}>(connection, "SELECT value FROM meta WHERE key = 'fingerprint'");
  if (!row) return null;
  const files = await queryRows<FileHash>(connection, "SELECT * FROM file_hashes");
  const findings = await queryRows<FindingRow & {affects: string}>(connection, "SELECT * FROM findings");
  return {
    digest: row.value,
    files: new Map(files.map((f) => [f.path, f])),
    findings: findings.map((f) => ({...f, affects: f.affects ? f.affects.split(",") : []}))
  };
}

function adapterOf(study: Study, registry: Readonly<Record<string, PipelineAdapter>>): PipelineAdapter | undefined {
  return Object.hasOwn(registry, study.pipeline) ? registry[study.pipeline] : undefined;
}

async function removeDb(file: string): Promise<void> {
  await rm(file, {force: true});
  await rm(`${file}.wal`, {force: true});
}
