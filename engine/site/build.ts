/**
 * Builds the Observable Framework report site of one study database.
 *
 * Framework reuses cached loader output even when its inputs changed, so every build clears the loader
 * cache first (the bundled npm modules in `_node` are keyed by package version and stay). The report and
 * every data file are computed here, in this process with one database connection (page-data.ts), and
 * the data loaders only copy them: a build runs `buildReport` once and starts no TypeScript loader. The site is built into a staging folder and moved over `outDir` only when
 * the build succeeded: a failed build leaves the previous site in place.
 */
import {mkdir, mkdtemp, readdir, rename, rm, stat, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {execa} from "execa";
import {openDatabase} from "../db/duckdb.ts";
import {InputError} from "../errors.ts";
import {loadStudy, type CriterionSpec} from "../study.ts";
import {removeLeftovers, SITE_WORK_PREFIX, siteWorkRule} from "../leftovers.ts";
import {BUILD_LOCK, withBuildLock} from "./lock.ts";

export interface BuildSiteOptions {
  dbFile: string;
  studyFile: string;
  outDir: string;
  /** kept for callers that publish under a sub-path; the site uses relative URLs only, so any path works */
  basePath?: string;
}

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SITE_ROOT = path.join(PROJECT_ROOT, "src");
const CACHE_DIR = path.join(SITE_ROOT, ".observablehq", "cache");
const OBSERVABLE_BIN = path.join(PROJECT_ROOT, "node_modules", "@observablehq", "framework", "dist", "bin", "observable.js");
/** bundled npm packages: their paths carry the package version, so they cannot go stale */
const KEEP_IN_CACHE = new Set(["_node", BUILD_LOCK]);

export class SiteBuildError extends Error {
  constructor(message: string, readonly output: string) {
    super(message);
    this.name = "SiteBuildError";
  }
}

export async function buildSite(options: BuildSiteOptions): Promise<void> {
  const dbFile = path.resolve(options.dbFile);
  const studyFile = path.resolve(options.studyFile);
  const outDir = path.resolve(options.outDir);
  await requireFile(dbFile, "a DuckDB database written by `benchbook ingest`");
  const study = await loadStudy(studyFile);

  await removeLeftovers(os.tmpdir(), siteWorkRule);
  // the pid in the name lets a later build tell a killed build's folder from a running one's
  const work = await mkdtemp(path.join(os.tmpdir(), `${SITE_WORK_PREFIX}${process.pid}-`));
  try {
    const reportFile = path.join(work, "report.json");
    const dataDir = path.join(work, "data");
    await mkdir(dataDir);
    await writeFile(reportFile, JSON.stringify(await computeSiteData(dbFile, study.criteria, dataDir)));
    const staging = `${outDir}.building-${process.pid}`;
    await rm(staging, {recursive: true, force: true});
    await mkdir(path.dirname(outDir), {recursive: true});
    try {
      await withBuildLock(SITE_ROOT, async () => {
        await clearLoaderCache();
        await runFramework({
          BENCHBOOK_DB: dbFile,
          BENCHBOOK_STUDY: studyFile,
          BENCHBOOK_OUT: staging,
          BENCHBOOK_REPORT_FILE: reportFile,
          BENCHBOOK_DATA_DIR: dataDir,
          BENCHBOOK_TITLE: `${study.title} (${study.release})`
        });
        // this build's loader output must not be picked up by a later build of another database
        await clearLoaderCache();
      });
    } catch (error) {
      await rm(staging, {recursive: true, force: true});
      throw error;
    }
    await rm(outDir, {recursive: true, force: true});
    await rename(staging, outDir);
  } finally {
    await rm(work, {recursive: true, force: true});
  }
}

/** The Report and every data file of the site, from one read-only connection (the loaders copy them). */
async function computeSiteData(dbFile: string, criteria: CriterionSpec[] | undefined, dataDir: string) {
  const {buildReport} = await import("../report/report.ts");
  const {computePageData} = await import("./page-data.ts");
  const db = await openDatabase(dbFile, {readOnly: true});
  try {
    const report = await buildReport(db.connection, {criteria});
    await computePageData(report, db.connection, dataDir);
    return report;
  } finally {
    db.close();
  }
}

/** Remove cached loader output (and Framework's own client bundles, rebuilt every build anyway). */
export async function clearLoaderCache(cacheDir: string = CACHE_DIR): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(cacheDir);
  } catch {
    return;
  }
  // the lock's siblings (a waiting build's prepared lock, a dead owner's moved-aside lock) belong to the lock
  await Promise.all(entries.filter((e) => !KEEP_IN_CACHE.has(e) && !e.startsWith(`${BUILD_LOCK}.`)).map((e) => rm(path.join(cacheDir, e), {recursive: true, force: true})));
}

async function runFramework(env: Record<string, string>): Promise<void> {
  const result = await execa("node", [OBSERVABLE_BIN, "build"], {
    cwd: PROJECT_ROOT,
    env: {...env, OBSERVABLE_TELEMETRY_DISABLE: "1", NO_COLOR: "1", FORCE_COLOR: "0"},
    all: true,
    reject: false,
    stdin: "ignore"
  });
  const output = stripAnsi(result.all ?? "");
  if (result.exitCode !== 0 || result.failed) {
    // Framework stops at the first failing loader; its own error and the loader's stderr are at the end
    const cause = /^(?:\w*Error|InputError)\b.*$/m.exec(output)?.[0] ?? /^Unexpected error: .*$/m.exec(output)?.[0] ?? "see output";
    throw new SiteBuildError(`observable build failed (exit ${result.exitCode ?? result.signal}): ${cause}\n${tail(output)}`, output);
  }
}

async function requireFile(file: string, expected: string): Promise<void> {
  try {
    if ((await stat(file)).isFile()) return;
  } catch {
    // reported below
  }
  throw new InputError("not found", {file, expected});
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
