/**
 * Builds the Observable Framework report site of one study database.
 *
 * Every build works on its own temporary copy of the pages (src/ → <tmp>/src): Framework keeps its
 * loader cache inside the page root and reuses cached loader output even when its inputs changed, so
 * a private root means no stale numbers and no lock — builds of different studies run side by side.
 * Only the bundled npm modules (`_node`, keyed by package version, so they cannot go stale) are shared
 * through src/.observablehq/cache/_node, copied in before and new files moved back after a build.
 * The report and every data file are computed here, in this process with one database connection
 * (page-data.ts), and the data loaders only copy them: a build runs `buildReport` once and starts no
 * TypeScript loader. The site is built into a staging folder and moved over `outDir` only when the build
 * succeeded: a failed build leaves the previous site in place.
 */
import {cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile} from "node:fs/promises";
import {randomUUID} from "node:crypto";
import os from "node:os";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import {execa} from "execa";
import {openDatabase} from "../db/duckdb.ts";
import {installViews} from "../metrics/views.ts";
import {InputError} from "../errors.ts";
import {removeLeftovers, SITE_WORK_PREFIX, siteWorkRule} from "../leftovers.ts";
import type {Report} from "../report/types.ts";
import {loadStudy, type CriterionSpec, type Study} from "../study.ts";
import {writeBrowserFormat} from "./browser-format.ts";

export interface BuildSiteOptions {
  dbFile: string;
  studyFile: string;
  outDir: string;
  /** kept for callers that publish under a sub-path; the site uses relative URLs only, so any path works */
  basePath?: string;
  /** the study and its report when the caller already has them (the archive build): not parsed or computed again */
  study?: Study;
  report?: Report;
}

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SITE_ROOT = path.join(PROJECT_ROOT, "src");
/** bundled npm packages shared by all builds: their paths carry the package version, so they cannot go stale */
export const SHARED_NODE_CACHE = path.join(SITE_ROOT, ".observablehq", "cache", "_node");
const OBSERVABLE_BIN = path.join(PROJECT_ROOT, "node_modules", "@observablehq", "framework", "dist", "bin", "observable.js");

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
  const study = options.study ?? (await loadStudy(studyFile));

  await removeLeftovers(os.tmpdir(), siteWorkRule);
  // the pid in the name lets a later build tell a killed build's folder from a running one's
  const work = await mkdtemp(path.join(os.tmpdir(), `${SITE_WORK_PREFIX}${process.pid}-`));
  try {
    const reportFile = path.join(work, "report.json");
    const dataDir = path.join(work, "data");
    await mkdir(dataDir);
    await writeFile(reportFile, JSON.stringify(await computeSiteData(dbFile, study.criteria, dataDir, options.report)));
    const staging = `${outDir}.building-${process.pid}`;
    await rm(staging, {recursive: true, force: true});
    await mkdir(path.dirname(outDir), {recursive: true});
    try {
      const root = await copySiteRoot(work);
      await runFramework({
        BENCHBOOK_SITE_ROOT: root,
        BENCHBOOK_DB: dbFile,
        BENCHBOOK_STUDY: studyFile,
        BENCHBOOK_OUT: staging,
        BENCHBOOK_REPORT_FILE: reportFile,
        BENCHBOOK_DATA_DIR: dataDir,
        BENCHBOOK_TITLE: `${study.title} (${study.release})`
      });
      await shareNodeBundles(path.join(root, ".observablehq", "cache", "_node"), SHARED_NODE_CACHE);
      await finishPages(staging);
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

/**
 * What Framework's page template lacks: a document language (screen readers), pinch zoom (Framework
 * sets maximum-scale=1), and a word to the reader who opened a page from disk, where browsers refuse to
 * run its module scripts and every section would stay empty. A classic inline script still runs there.
 */
export function finishPage(html: string): string {
  return html
    .replace(/<html(?![^>]*\blang=)([^>]*)>/i, '<html lang="en"$1>')
    .replace(/(<meta name="viewport" content="[^"]*?),\s*maximum-scale=1(?:\.0)?/i, "$1")
    .replace(/<main\b[^>]*>/i, (main) => `${main}${FILE_NOTICE}`);
}

export const FILE_NOTICE =
  '<div class="bb-file-notice" id="bb-file-notice" role="alert" hidden><strong>This page must be served over HTTP.</strong> ' +
  "Opened from a file, the browser does not run its scripts, so its figures and charts stay empty. " +
  "Run <code>benchbook serve &lt;folder&gt;</code> on the folder that holds the site (or the release archive) and open the address it prints; " +
  "<code>benchbook export &lt;release&gt; --single-file</code> writes a one-file overview that opens from disk.</div>" +
  '<script>if (location.protocol === "file:") document.getElementById("bb-file-notice").hidden = false;</script>';

async function finishPages(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.endsWith(".html")) continue;
    const file = path.join(dir, name);
    await writeFile(file, finishPage(await readFile(file, "utf8")));
  }
}

/** The Report and every data file of the site, from one read-only connection (the loaders copy them). */
async function computeSiteData(dbFile: string, criteria: CriterionSpec[] | undefined, dataDir: string, given?: Report) {
  const {buildReport} = await import("../report/report.ts");
  const {computePageData} = await import("./page-data.ts");
  const db = await openDatabase(dbFile, {readOnly: true});
  try {
    // the page data reads the metric views, which buildReport installs; a given report still needs them
    if (given) await installViews(db.connection);
    const report = given ?? (await buildReport(db.connection, {criteria}));
    await computePageData(report, db.connection, dataDir);
    return report;
  } finally {
    db.close();
  }
}

/**
 * A private page root for one build, in `work`: the pages, components and stylesheet copied, with the
 * reports' formatter as components/format.js (browser-format.ts); each data
 * loader replaced by a one-line import of the original, so its relative imports still resolve in the
 * checkout; node_modules linked beside the root (Framework resolves npm imports and the stylesheet's
 * ../node_modules from there) and a package.json marking it ES modules; the shared npm bundles copied into the root's own cache.
 */
export async function copySiteRoot(work: string, source: string = SITE_ROOT): Promise<string> {
  const root = path.join(work, "src");
  const skip = path.join(source, ".observablehq");
  await cp(source, root, {recursive: true, filter: (src) => src !== skip});
  await writeBrowserFormat(root);
  for (const file of await readdir(path.join(source, "data"))) {
    if (/\.(ts|js)$/.test(file)) await writeFile(path.join(root, "data", file), `import ${JSON.stringify(pathToFileURL(path.join(source, "data", file)).href)};\n`);
  }
  await symlink(path.join(PROJECT_ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
  // the loaders are ES modules (top-level await), as the project's package.json declares
  await writeFile(path.join(work, "package.json"), JSON.stringify({type: "module", private: true}));
  try {
    // not the partial copies another build is moving into place right now
    await cp(SHARED_NODE_CACHE, path.join(root, ".observablehq", "cache", "_node"), {recursive: true, filter: (src) => !path.basename(src).includes(PARTIAL_MARK)});
  } catch {
    // first build on this checkout: Framework bundles the npm modules itself
  }
  return root;
}

/** Move the npm bundles this build made and the shared cache lacks into it, one file at a time, atomically. */
const PARTIAL_MARK = ".tmp-";

export async function shareNodeBundles(from: string, to: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(from, {withFileTypes: true, recursive: true});
  } catch {
    return;
  }
  for (const entry of entries.filter((e) => e.isFile() && !e.name.includes(PARTIAL_MARK))) {
    const rel = path.relative(from, path.join(entry.parentPath, entry.name));
    const target = path.join(to, rel);
    if (await stat(target).then(() => true, () => false)) continue;
    await mkdir(path.dirname(target), {recursive: true});
    // unique per call: two builds of one process (an archive build, the e2e tests) share the pid
    const partial = `${target}${PARTIAL_MARK}${process.pid}-${randomUUID()}`;
    await cp(path.join(from, rel), partial);
    await rename(partial, target);
  }
}

/**
 * Remove cached loader output from a page root's cache (`benchbook dev` previews src/ itself, and
 * Framework would serve another study's figures); the version-keyed npm bundles in `_node` stay.
 */
export async function clearLoaderCache(cacheDir: string = path.join(SITE_ROOT, ".observablehq", "cache")): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(cacheDir);
  } catch {
    return;
  }
  await Promise.all(entries.filter((e) => e !== "_node").map((e) => rm(path.join(cacheDir, e), {recursive: true, force: true})));
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
