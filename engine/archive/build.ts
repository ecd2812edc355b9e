/**
 * `benchbook build`: archive one or more releases.
 *
 * Order of work, so that a failure anywhere leaves the archive exactly as it was:
 * 1. ingest each study and compute its report and manifest (fast); compare with what is archived —
 *    an identical content hash is a no-op, a different one is refused unless --force;
 * 2. build every site that needs building into <archive>/.staging-<pid>/, side by side (slow; Framework may fail);
 * 3. only then move each staged release into releases/<release>/ (the old one, with --force, is first
 *    renamed to releases/<release>.replaced-<its build time>; nothing is ever deleted);
 * 4. regenerate the archive root from the archived data.
 */
import {readdir, rename, rm} from "node:fs/promises";
import path from "node:path";
import {buildSite, type BuildSiteOptions} from "../site/build.ts";
import {loadStudy, type Study} from "../study.ts";
import {ArchiveError, assertNoSymlink, checkReleaseName, DATA_DIR, ensureDir, lstatOrNull, openArchiveRoot, RELEASES_DIR, writeArchiveFile} from "./fs.ts";
import {processAlive, withArchiveLock} from "./lock.ts";
import {contentHash, prepareRelease, type Manifest, type PreparedRelease} from "./manifest.ts";
import {clearSwapJournal, writeSwapJournal} from "./repair.ts";
import {assertRootWritable, writeArchiveRoot} from "./root.ts";
import type {BrokenRelease} from "./scan.ts";
import {checkReleaseFolder, refuseTampered, type ReleaseCheck} from "./verify.ts";
import {readSignoffs, signoffState, writeBanners} from "./signoff.ts";

export interface BuildArchiveOptions {
  archive: string;
  force?: boolean;
  /** folder for the study databases (default: each study's own .benchbook/ folder) */
  dbDir?: string;
  /** the site builder; tests substitute one that fails to check that nothing is left behind */
  siteBuilder?: (options: BuildSiteOptions) => Promise<void>;
  /** build time recorded in the manifests (default: now) */
  now?: () => Date;
  log?: (line: string) => void;
  /** told about archived folders that fail verification (listed as broken in the index) */
  onBroken?: (broken: BrokenRelease[]) => void;
  /** tests: called between the two renames of a --force replacement, to simulate a crash there */
  betweenSwapRenames?: () => void;
}

export type BuildAction = "archived" | "unchanged" | "replaced";

export interface BuildOutcome {
  release: string;
  action: BuildAction;
  /** release folder, absolute */
  dir: string;
  /** where the previous build went (action 'replaced') */
  replacedDir?: string;
  manifest: Manifest;
}

const STAGING_PREFIX = ".staging-";

export async function buildArchive(studyFiles: string[], options: BuildArchiveOptions): Promise<BuildOutcome[]> {
  if (studyFiles.length === 0) throw new ArchiveError("no study file given");
  const log = options.log ?? (() => {});
  // names first: a bad release name must not even be ingested
  const seen = new Map<string, string>();
  const studies: Study[] = [];
  for (const file of studyFiles) {
    const study = await loadStudy(file);
    studies.push(study);
    checkReleaseName(study.release, {file: study.file, what: "field 'release':"});
    const other = seen.get(study.release);
    if (other) throw new ArchiveError(`${other} and ${study.file} are both release '${study.release}'; build them separately`);
    seen.set(study.release, study.file);
  }
  const root = await openArchiveRoot(options.archive);
  return withArchiveLock(root, async () => {
    await assertNoSymlink(root, RELEASES_DIR);
    await assertRootWritable(root);
    await removeAbandonedStaging(root);
    const buildTime = (options.now?.() ?? new Date()).toISOString();
    const plans: Array<{prepared: PreparedRelease; action: BuildAction; previous: Manifest | null}> = [];
    for (const study of studies) {
      const dbFile = options.dbDir ? path.join(path.resolve(options.dbDir), `${study.release}.duckdb`) : undefined;
      log(`${study.release}: ingesting ${study.file} (skipped when unchanged)`);
      const prepared = await prepareRelease(study, {dbFile, buildTime});
      const previous = await archivedRelease(root, prepared.manifest.release);
      // a folder that fails verification is never "unchanged": without --force it is refused below
      if (previous && previous.problems.length && !options.force) refuseTampered(previous, "build over it");
      const manifest = previous?.problems.length === 0 ? previous.manifest : null;
      const action: BuildAction = previous === undefined ? "archived" : manifest && sameContent(manifest, prepared.manifest) ? "unchanged" : "replaced";
      plans.push({prepared, action, previous: previous?.manifest ?? null});
    }
    const conflicts = plans.filter((p) => p.action === "replaced");
    if (conflicts.length && !options.force) {
      throw new ArchiveError(
        conflicts
          .map(
            (p) =>
              `release ${p.prepared.manifest.release} is already archived in ${path.join(root, RELEASES_DIR, p.prepared.manifest.release)} with different content ` +
              `(archived ${p.previous?.content_sha256?.slice(0, 12) ?? "unreadable manifest"}, new ${p.prepared.manifest.content_sha256.slice(0, 12)}); ` +
              `archived releases are immutable: rebuild with --force to archive the new build and keep the old one as releases/${p.prepared.manifest.release}.replaced-<build time>`
          )
          .join("\n")
      );
    }
    const toBuild = plans.filter((p) => p.action !== "unchanged");
    const staging = path.join(root, `${STAGING_PREFIX}${process.pid}`);
    const outcomes: BuildOutcome[] = [];
    if (toBuild.length) {
      await rm(staging, {recursive: true, force: true});
      await ensureDir(root, path.basename(staging));
      try {
        // site builds work in private copies of the pages, so the releases build side by side; every
        // build is awaited before anything is committed or the staging folder removed
        const staged = await Promise.allSettled(toBuild.map((plan) => stageRelease(root, staging, plan.prepared, options.siteBuilder ?? buildSite, log)));
        const failed = staged.find((r): r is PromiseRejectedResult => r.status === "rejected");
        if (failed) throw failed.reason;
        await ensureDir(root, RELEASES_DIR);
        for (const plan of toBuild) outcomes.push(await commitRelease(root, staging, plan.prepared, plan.previous, options.betweenSwapRenames));
      } finally {
        await rm(staging, {recursive: true, force: true});
      }
    }
    for (const plan of plans.filter((p) => p.action === "unchanged")) {
      outcomes.push({release: plan.prepared.manifest.release, action: "unchanged", dir: path.join(root, RELEASES_DIR, plan.prepared.manifest.release), manifest: plan.previous!});
    }
    const contents = await writeArchiveRoot(root);
    if (contents.broken.length) options.onBroken?.(contents.broken);
    return outcomes.sort((a, b) => studyFiles.indexOf(seen.get(a.release)!) - studyFiles.indexOf(seen.get(b.release)!));
  });
}

function sameContent(archived: Manifest, next: Manifest): boolean {
  // recompute rather than trust the stored hash: a hand-edited manifest must not pass as unchanged
  return archived.content_sha256 === next.content_sha256 && contentHash(archived) === archived.content_sha256;
}

/** undefined: not archived; else the folder's verification (a damaged manifest shows as problems) */
async function archivedRelease(root: string, release: string): Promise<ReleaseCheck | undefined> {
  const dir = path.join(RELEASES_DIR, release);
  await assertNoSymlink(root, dir);
  const info = await lstatOrNull(path.join(root, dir));
  if (!info) return undefined;
  if (!info.isDirectory()) throw new ArchiveError(`${path.join(root, dir)} exists and is not a release folder`);
  await assertNoSymlink(root, path.join(dir, DATA_DIR, "manifest.json"));
  return checkReleaseFolder(root, release);
}

async function stageRelease(root: string, staging: string, prepared: PreparedRelease, siteBuilder: (o: BuildSiteOptions) => Promise<void>, log: (line: string) => void): Promise<void> {
  const release = prepared.manifest.release;
  const outDir = path.join(staging, release);
  log(`${release}: building the report site`);
  await siteBuilder({dbFile: prepared.dbFile, studyFile: prepared.study.file, outDir, study: prepared.study, report: prepared.report});
  const rel = path.relative(root, outDir);
  if (await lstatOrNull(path.join(outDir, DATA_DIR))) {
    throw new ArchiveError(`the report site of ${release} has its own '${DATA_DIR}' entry, which the archived data would overwrite`);
  }
  for (const [name, text] of Object.entries(prepared.files)) await writeArchiveFile(root, path.join(rel, DATA_DIR, name), text);
  // a --force rebuild keeps the earlier sign-offs: they show as stale on the new pages
  const state = signoffState(await readSignoffs(root, release), prepared.manifest.content_sha256);
  await writeBanners(root, rel, state, release);
}

async function commitRelease(root: string, staging: string, prepared: PreparedRelease, previous: Manifest | null, betweenRenames?: () => void): Promise<BuildOutcome> {
  const release = prepared.manifest.release;
  const target = path.join(root, RELEASES_DIR, release);
  await assertNoSymlink(root, path.join(RELEASES_DIR, release));
  let replacedDir: string | undefined;
  if (await lstatOrNull(target)) {
    replacedDir = await freeName(path.join(root, RELEASES_DIR), `${release}.replaced-${stamp(previous?.build_time)}`);
    // a crash between the two renames is undone by the next command (repair.ts)
    await writeSwapJournal(root, {release, replaced: path.basename(replacedDir)});
    await rename(target, replacedDir);
    betweenRenames?.();
  }
  try {
    await rename(path.join(staging, release), target);
  } catch (error) {
    if (replacedDir) await rename(replacedDir, target);
    throw error;
  } finally {
    if (replacedDir) await clearSwapJournal(root, release);
  }
  return {release, action: replacedDir ? "replaced" : "archived", dir: target, replacedDir, manifest: prepared.manifest};
}

/** 2026-02-09T10:11:12.345Z → 20260209T101112Z: sortable and safe in any file system */
function stamp(iso: string | undefined): string {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(iso) : null;
  return m ? `${m[1]}${m[2]}${m[3]}T${m[4]}${m[5]}${m[6]}Z` : "unknown";
}

async function freeName(dir: string, name: string): Promise<string> {
  for (let i = 1; ; i++) {
    const candidate = path.join(dir, i === 1 ? name : `${name}-${i}`);
    if (!(await lstatOrNull(candidate))) return candidate;
  }
}

/** Staging folders of builds that were killed (their pid is gone). */
async function removeAbandonedStaging(root: string): Promise<void> {
  for (const name of await readdir(root)) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const pid = Number(name.slice(STAGING_PREFIX.length));
    if (!processAlive(pid)) await rm(path.join(root, name), {recursive: true, force: true});
  }
}
