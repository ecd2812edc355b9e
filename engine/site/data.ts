/**
 * What the site's data loaders (src/data/*.js through engine/site/loader.js under `benchbook dev`) share: where the study's database is, the Report,
 * and JSON output. Loaders run as separate processes started by Framework with the working directory of
 * the build, so everything comes from the environment set by buildSite (or `benchbook dev`):
 *   BENCHBOOK_DB           the study's DuckDB file (opened read-only)
 *   BENCHBOOK_STUDY        the study YAML (criteria)
 *   BENCHBOOK_REPORT_FILE  optional: the Report already computed by buildSite, so it is computed once per build
 */
import {readFile} from "node:fs/promises";
import type {DuckDBConnection} from "@duckdb/node-api";
import {openDatabase} from "../db/duckdb.ts";
import {installViews} from "../metrics/views.ts";
import type {Report} from "../report/types.ts";
import {loadStudy} from "../study.ts";

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: build the site with \`benchbook build <study.yaml>\` (or buildSite), which sets it`);
  return value;
}

export async function loadSiteReport(): Promise<Report> {
  const reportFile = process.env.BENCHBOOK_REPORT_FILE;
  if (reportFile) return JSON.parse(await readFile(reportFile, "utf8")) as Report;
  const study = await loadStudy(requireEnv("BENCHBOOK_STUDY"));
  const {buildReport} = await import("../report/report.ts");
  return withSiteDatabase((connection) => buildReport(connection, {criteria: study.criteria}));
}

/** Open the study database read-only, with the metric views installed as temporary views. */
export async function withSiteDatabase<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await openDatabase(requireEnv("BENCHBOOK_DB"), {readOnly: true});
  try {
    await installViews(db.connection);
    return await fn(db.connection);
  } finally {
    db.close();
  }
}

/** A loader's output. Non-finite numbers cannot appear in JSON: they become null, like missing data. */
export function writeJson(value: unknown): Promise<void> {
  const text = JSON.stringify(value, (_key, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}
