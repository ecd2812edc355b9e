/**
 * Integrity of archived releases: every checksum the manifest holds is recomputed. A release whose data
 * was edited after it was built (report.json flipped to pass, a manifest rewritten by hand) fails here,
 * and every command that would show, sign off or export it refuses it: an archived PASS is only as good
 * as the bytes it was computed into.
 */
import {readdir, readFile} from "node:fs/promises";
import path from "node:path";
import {InputError} from "../errors.ts";
import type {Report} from "../report/types.ts";
import {ArchiveError, assertNoSymlink, DATA_DIR, lstatOrNull, RELEASES_DIR} from "./fs.ts";
import {canonicalJson, sha256} from "./json.ts";
import {contentHash, type Manifest} from "./manifest.ts";

export interface ReleaseCheck {
  /** the folder name under releases/ */
  name: string;
  /** folder relative to the archive root */
  dir: string;
  /** null when the manifest cannot be read at all */
  manifest: Manifest | null;
  /** the archived report, when it verified */
  report: Report | null;
  /** one line per problem, each naming the file; empty when the release verifies */
  problems: string[];
  /** files whose checksum was recomputed */
  checked: number;
}

const OUTPUT_KEY = /^data\/[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Check one folder of releases/ (a release or a replaced build). */
export async function checkReleaseFolder(root: string, name: string): Promise<ReleaseCheck> {
  const dir = path.join(RELEASES_DIR, name);
  const check: ReleaseCheck = {name, dir, manifest: null, report: null, problems: [], checked: 0};
  const problem = (rel: string, what: string) => check.problems.push(`${path.join(dir, rel)}: ${what}`);
  const manifestRel = path.join(DATA_DIR, "manifest.json");
  const manifestText = await readInside(root, path.join(dir, manifestRel));
  if (manifestText === null) {
    problem(manifestRel, "missing or unreadable");
    return check;
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestText) as Manifest;
  } catch {
    problem(manifestRel, "is not valid JSON");
    return check;
  }
  if (!isManifest(manifest)) {
    problem(manifestRel, "is not a benchbook manifest (release, outputs, summary or content_sha256 missing)");
    return check;
  }
  check.manifest = manifest;
  if (manifest.release !== name && !name.startsWith(`${manifest.release}.replaced-`)) {
    problem(manifestRel, `names release '${manifest.release}', not '${name}'`);
  }
  if (contentHash(manifest) !== manifest.content_sha256) problem(manifestRel, "was edited after the build (its content hash does not match its content)");
  for (const [key, expected] of Object.entries(manifest.outputs).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!OUTPUT_KEY.test(key)) {
      problem(manifestRel, `lists an output '${key}' outside data/`);
      continue;
    }
    const text = await readInside(root, path.join(dir, key));
    check.checked++;
    if (text === null) problem(key, "missing or unreadable");
    else if (sha256(text) !== expected.sha256 || Buffer.byteLength(text) !== expected.bytes) {
      problem(key, `modified after the build (sha256 ${sha256(text).slice(0, 12)}, ${Buffer.byteLength(text)} bytes; the manifest says ${String(expected.sha256).slice(0, 12)}, ${expected.bytes} bytes)`);
    }
  }
  const reportKey = `${DATA_DIR}/report.json`;
  if (!(reportKey in manifest.outputs)) problem(manifestRel, "has no checksum for data/report.json");
  if (check.problems.length === 0) {
    const report = JSON.parse((await readInside(root, path.join(dir, reportKey)))!) as Report;
    // the manifest's summary is what versions.json shows; the report's is what the pages show
    if (canonicalJson(report.summary) !== canonicalJson(manifest.summary)) problem(reportKey, "its summary disagrees with the manifest's");
    else check.report = report;
  }
  return check;
}

/** Every folder of releases/ (or the one named), in name order. */
export async function verifyArchive(root: string, release?: string): Promise<ReleaseCheck[]> {
  await assertNoSymlink(root, RELEASES_DIR);
  const names = (await readdir(path.join(root, RELEASES_DIR)).catch(() => [] as string[])).filter((n) => !n.startsWith(".")).sort();
  if (release !== undefined) {
    if (!names.includes(release)) {
      const known = names.filter((n) => !n.includes(".replaced-"));
      throw new InputError(`release '${release}' is not archived`, {file: path.join(root, RELEASES_DIR, release), expected: known.length ? `one of: ${known.join(", ")}` : "a release built with `benchbook build` (the archive has none)"});
    }
    return [await checkReleaseFolder(root, release)];
  }
  const checks: ReleaseCheck[] = [];
  for (const name of names) {
    const info = await lstatOrNull(path.join(root, RELEASES_DIR, name));
    if (info?.isSymbolicLink()) throw new ArchiveError(`${path.join(root, RELEASES_DIR, name)} is a symlink; the archive never reads or writes through symlinks (remove it)`);
    if (info?.isDirectory()) checks.push(await checkReleaseFolder(root, name));
  }
  return checks;
}

/** Throws when a release fails verification: commands must not build on, sign off or export it. */
export function refuseTampered(check: ReleaseCheck, what: string): void {
  if (check.problems.length === 0) return;
  throw new ArchiveError(`release '${check.name}' fails verification, refusing to ${what}:\n  ${check.problems.join("\n  ")}\n(\`benchbook verify\` lists every problem; rebuild it with \`benchbook build --force\`, which keeps the damaged folder as releases/${check.name}.replaced-<time>)`);
}

function isManifest(m: unknown): m is Manifest {
  const x = m as Manifest;
  return !!x && typeof x === "object" && typeof x.release === "string" && typeof x.content_sha256 === "string" && !!x.outputs && typeof x.outputs === "object" && !!x.summary && typeof x.build_time === "string";
}

async function readInside(root: string, rel: string): Promise<string | null> {
  try {
    await assertNoSymlink(root, rel);
    const info = await lstatOrNull(path.join(root, rel));
    if (!info?.isFile()) return null;
    return await readFile(path.join(root, rel), "utf8");
  } catch {
    return null;
  }
}
