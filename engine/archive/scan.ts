/**
 * Reads the archive back: every release folder's manifest and report, its sign-off, and the replaced
 * builds kept by --force. The index, versions.json and the trend page are made from this alone, never
 * from a database, so old releases stay listed after their runs are gone.
 */
import type {Report} from "../report/types.ts";
import type {Manifest} from "./manifest.ts";
import {readSignoffs, signoffState, type SignoffState} from "./signoff.ts";
import {verifyArchive} from "./verify.ts";

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

/** A folder of releases/ that fails verification: listed as broken, never with a status. */
export interface BrokenRelease {
  name: string;
  dir: string;
  problems: string[];
}

export interface ArchiveContents {
  /** oldest first: by study date (undated last), then release name */
  releases: ArchivedRelease[];
  replaced: ReplacedBuild[];
  broken: BrokenRelease[];
}

export async function scanArchive(root: string): Promise<ArchiveContents> {
  const releases: ArchivedRelease[] = [];
  const replaced: ReplacedBuild[] = [];
  const broken: BrokenRelease[] = [];
  // every checksum is recomputed: an edited report.json must never reach the index as a PASS
  for (const check of await verifyArchive(root)) {
    const {name, dir, manifest, report} = check;
    if (check.problems.length || !manifest) {
      broken.push({name, dir, problems: check.problems});
      continue;
    }
    if (manifest.release === name) {
      releases.push({release: name, dir, manifest, report: report!, signoff: signoffState(await readSignoffs(root, name), manifest.content_sha256)});
    } else replaced.push({release: manifest.release, dir, manifest});
  }
  releases.sort(byDateThenName);
  replaced.sort((a, b) => compareNames(a.release, b.release) || a.manifest.build_time.localeCompare(b.manifest.build_time));
  return {releases, replaced, broken};
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
