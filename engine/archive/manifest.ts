/**
 * A release's archived data and its provenance manifest.
 *
 * Everything archived is made portable: paths inside the study folder become relative to it, so the same
 * study checked out elsewhere archives to the same bytes. The manifest's content hash covers everything
 * but the build time; two builds with the same hash are the same release, which is what makes
 * "already archived, unchanged" and stale sign-offs decidable.
 */
import path from "node:path";
import {hashFile} from "../artifacts.ts";
import {openDatabase, queryRows} from "../db/duckdb.ts";
import {ingestStudy} from "../ingest/ingest.ts";
import type {Report} from "../report/types.ts";
import type {Study} from "../study.ts";
import {BENCHBOOK_VERSION} from "../version.ts";
import {canonicalJson, sha256} from "./json.ts";

export const MANIFEST_FORMAT = 1;

export interface ManifestInput {
  /** relative to the study folder, or absolute when the study names a file outside it */
  path: string;
  kind: string;
  run: string;
  bytes: number | null;
  sha256: string | null;
}

export interface Manifest {
  format: number;
  release: string;
  title: string;
  /** the study's `date`; orders releases on the trend page */
  date: string | null;
  study_file: string;
  study_sha256: string;
  inputs: ManifestInput[];
  /** sha256 of the archived data files (data/report.json, …) */
  outputs: Record<string, {bytes: number; sha256: string}>;
  tools: {benchbook: string; duckdb: string; node: string};
  criteria: Array<{id: string; status: string; value: number | null; display_value: string | null; comparison: string; target: number}>;
  summary: Report["summary"];
  build_time: string;
  /** sha256 of this manifest's canonical JSON without build_time and content_sha256 */
  content_sha256: string;
}

export interface PreparedRelease {
  study: Study;
  dbFile: string;
  report: Report;
  /** data/<name> → file content */
  files: Record<string, string>;
  manifest: Manifest;
}

export function contentHash(manifest: Omit<Manifest, "build_time" | "content_sha256"> & Partial<Manifest>): string {
  const {build_time: _time, content_sha256: _hash, ...content} = manifest;
  return sha256(canonicalJson(content));
}

/** Rewrite absolute paths under the study folder as relative ones, in every string of a JSON value. */
export function portable<T>(value: T, study: Pick<Study, "dir" | "file">): T {
  const prefix = study.dir.endsWith(path.sep) ? study.dir : study.dir + path.sep;
  const name = path.basename(study.file);
  const fix = (s: string) => (s === study.file ? name : s.includes(prefix) ? s.split(prefix).join("") : s);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return fix(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

interface ArtifactRecord {
  run_id: string;
  kind: string;
  path: string;
  bytes: number | null;
  sha256: string | null;
}

/** Ingest (when needed), compute the report and assemble the release's data files and manifest. */
export async function prepareRelease(source: string | Study, options: {dbFile?: string; buildTime: string}): Promise<PreparedRelease> {
  const {dbFile, study} = await ingestStudy(source, {dbFile: options.dbFile});
  const {buildReport} = await import("../report/report.ts");
  const db = await openDatabase(dbFile, {readOnly: true});
  let report: Report;
  let artifacts: ArtifactRecord[];
  let duckdb: string;
  try {
    report = await buildReport(db.connection, {criteria: study.criteria});
    artifacts = await queryRows<ArtifactRecord>(db.connection, "SELECT run_id, kind, path, CAST(bytes AS DOUBLE) AS bytes, sha256 FROM artifacts");
    duckdb = (await queryRows<{v: string}>(db.connection, "SELECT version() AS v"))[0]!.v;
  } finally {
    db.close();
  }
  const archivedReport = portable(report, study);
  const files: Record<string, string> = {
    "report.json": canonicalJson(archivedReport),
    "criteria.json": canonicalJson({release: study.release, summary: report.summary, criteria: archivedReport.criteria}),
    "study.yaml": study.text
  };
  const outputs = Object.fromEntries(Object.entries(files).map(([name, text]) => [`data/${name}`, {bytes: Buffer.byteLength(text), sha256: sha256(text)}]));
  const content: Omit<Manifest, "build_time" | "content_sha256"> = {
    format: MANIFEST_FORMAT,
    release: study.release,
    title: study.title,
    date: study.date ?? null,
    study_file: path.basename(study.file),
    study_sha256: sha256(study.text),
    inputs: await inputsOf(artifacts, study),
    outputs,
    tools: {benchbook: BENCHBOOK_VERSION, duckdb, node: process.version},
    criteria: report.criteria.map((c) => ({id: c.id, status: c.status, value: c.value, display_value: c.display_value, comparison: c.comparison, target: c.target})),
    summary: report.summary
  };
  const manifest: Manifest = {...content, build_time: options.buildTime, content_sha256: contentHash(content)};
  files["manifest.json"] = canonicalJson(manifest);
  return {study, dbFile, report: archivedReport, files, manifest};
}

async function inputsOf(artifacts: ArtifactRecord[], study: Study): Promise<ManifestInput[]> {
  const inputs: ManifestInput[] = [];
  for (const a of artifacts) {
    let {bytes, sha256: digest} = a;
    if (digest == null) {
      // a file ingest read without hashing (or could not read): hash it here when it is there at all
      const hashed = await hashFile(a.path).catch(() => null);
      if (hashed) ({bytes, sha256: digest} = hashed);
    }
    inputs.push({path: portable(a.path, study), kind: a.kind, run: a.run_id, bytes: bytes == null ? null : Number(bytes), sha256: digest});
  }
  inputs.push({path: path.basename(study.file), kind: "study", run: "", bytes: Buffer.byteLength(study.text), sha256: sha256(study.text)});
  return inputs.sort((x, y) => cmp(x.path, y.path) || cmp(x.kind, y.kind) || cmp(x.run, y.run));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
