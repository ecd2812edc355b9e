/**
 * Reads the archive back: every release folder's manifest and report, its sign-off, and the replaced
 * builds kept by --force. The index, versions.json and the trend page are made from this alone, never
 * from a database, so old releases stay listed after their runs are gone.
 */
import {readdir, readFile} from "node:fs/promises";
import path from "node:path";
import type {Report} from "../report/types.ts";
import {ArchiveError, assertNoSymlink, DATA_DIR, lstatOrNull, RELEASES_DIR} from "./fs.ts";
import type {Manifest} from "./manifest.ts";
import {readSignoffs, signoffState, type SignoffState} from "./signoff.ts";

export interface ArchivedRelease {
  release: string;
  /** folder relative to the archive root */
  dir: string;
  manifest: Manifest;
  report: Report;
  signoff: SignoffState;
}

export interface ReplacedBuild {
  release: string;
  dir: string;
  manifest: Manifest;
}

export interface ArchiveContents {
  /** oldest first: by study date (undated last), then release name */
  releases: ArchivedRelease[];
  replaced: ReplacedBuild[];
}

export async function scanArchive(root: string): Promise<ArchiveContents> {
  await assertNoSymlink(root, RELEASES_DIR);
  const base = path.join(root, RELEASES_DIR);
  const names = (await readdir(base).catch(() => [] as string[])).filter((n) => !n.startsWith(".")).sort();
  const releases: ArchivedRelease[] = [];
  const replaced: ReplacedBuild[] = [];
  for (const name of names) {
    const info = await lstatOrNull(path.join(base, name));
    if (info?.isSymbolicLink()) throw new ArchiveError(`${path.join(base, name)} is a symlink; the archive never reads or writes through symlinks (remove it)`);
    if (!info?.isDirectory()) continue;
    const dir = path.join(RELEASES_DIR, name);
    const manifest = await readJson<Manifest>(root, path.join(dir, DATA_DIR, "manifest.json"));
    if (!manifest) continue; // not a benchbook release folder: leave it alone, do not list it
    if (manifest.release === name) {
      const report = await readJson<Report>(root, path.join(dir, DATA_DIR, "report.json"));
      if (!report) throw new ArchiveError(`${path.join(root, dir, DATA_DIR, "report.json")} is missing or unreadable; the release folder is incomplete`);
      releases.push({release: name, dir, manifest, report, signoff: signoffState(await readSignoffs(root, name), manifest.content_sha256)});
    } else if (name.startsWith(`${manifest.release}.replaced-`)) {
      replaced.push({release: manifest.release, dir, manifest});
    }
  }
  releases.sort(byDateThenName);
  replaced.sort((a, b) => compareNames(a.release, b.release) || a.manifest.build_time.localeCompare(b.manifest.build_time));
  return {releases, replaced};
}

function compareNames(a: string, b: string): number {
  return a.localeCompare(b, "en", {numeric: true});
}

function byDateThenName(a: {manifest: Manifest; release: string}, b: {manifest: Manifest; release: string}): number {
  const da = a.manifest.date;
  const db = b.manifest.date;
  if (da !== db) {
    if (da == null) return 1;
    if (db == null) return -1;
    return da < db ? -1 : 1;
  }
  return compareNames(a.release, b.release);
}

async function readJson<T>(root: string, rel: string): Promise<T | null> {
  await assertNoSymlink(root, rel);
  try {
    return JSON.parse(await readFile(path.join(root, rel), "utf8")) as T;
  } catch {
    return null;
  }
}
