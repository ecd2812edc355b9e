/**
 * The archive's file-system rules. Every path written inside the archive is checked component by
 * component with lstat, so a symlink planted in the archive (releases/, a release folder, signoffs/)
 * can never redirect a write or a read outside it. Files are replaced by rename, never rewritten in place,
 * so a reader (or a crash) never sees half a file.
 */
import {lstat, mkdir, readdir, rename, rm, stat, writeFile} from "node:fs/promises";
import path from "node:path";
import {InputError} from "../errors.ts";

/** A refusal that is nobody's typo: the archive is in a state the command will not touch (exit 1). */
/** Where `build`, `serve` and the sign-off verbs find the archive unless --archive says otherwise. */
export const DEFAULT_ARCHIVE = "dist";

export class ArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveError";
  }
}

export const RELEASES_DIR = "releases";
export const SIGNOFFS_DIR = "signoffs";
export const DATA_DIR = "data";

/** file names are at most 255 bytes; a replaced build adds `.replaced-<time>-<n>` to the release name */
export const MAX_RELEASE_LENGTH = 100;
const RELEASE_EXPECTED = `a release name such as v2.0: at most ${MAX_RELEASE_LENGTH} characters, not '.' or '..', no leading '.', no '/', '\\' or control characters`;

/**
 * Release names become folder names: refuse anything that could address another folder. A leading '.'
 * is refused too because the archive keeps its own working folders (.staging-*, .lock) under dot-names.
 */
export function checkReleaseName(name: string, source: {file?: string; what?: string} = {}): string {
  // eslint-disable-next-line no-control-regex
  const bad = name === "" || name.length > MAX_RELEASE_LENGTH || name.startsWith(".") || /[/\\\u0000-\u001f\u007f]/.test(name);
  if (bad) {
    const shown = name.length > 40 ? `${JSON.stringify(name.slice(0, 40))}… (${name.length} characters)` : JSON.stringify(name);
    throw new InputError(`${source.what ?? "release"} ${shown} cannot be used as a release folder name`, {file: source.file, expected: RELEASE_EXPECTED});
  }
  return name;
}

export async function lstatOrNull(file: string) {
  try {
    return await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function components(rel: string): string[] {
  const parts = rel.split(/[/\\]+/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new ArchiveError(`internal: path '${rel}' leaves the archive`);
  return parts;
}

/** Throws when any existing component of root/rel is a symlink; missing components are fine. */
export async function assertNoSymlink(root: string, rel: string): Promise<void> {
  let current = root;
  for (const part of components(rel)) {
    current = path.join(current, part);
    const info = await lstatOrNull(current);
    if (!info) return;
    if (info.isSymbolicLink()) {
      throw new ArchiveError(`${current} is a symlink; the archive never writes or reads through symlinks (replace it with a real folder or file)`);
    }
  }
}

/** mkdir -p root/rel, refusing symlinks and non-folders on the way. */
export async function ensureDir(root: string, rel: string): Promise<string> {
  let current = root;
  for (const part of components(rel)) {
    current = path.join(current, part);
    const info = await lstatOrNull(current);
    if (!info) {
      await mkdir(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "EEXIST") throw error;
      });
      continue;
    }
    if (info.isSymbolicLink()) throw new ArchiveError(`${current} is a symlink; the archive never writes or reads through symlinks (replace it with a real folder)`);
    if (!info.isDirectory()) throw new ArchiveError(`${current} is not a folder`);
  }
  return current;
}

/** Write root/rel by writing a sibling temp file and renaming it over the target. */
export async function writeArchiveFile(root: string, rel: string, content: string | Uint8Array): Promise<string> {
  const dir = await ensureDir(root, path.dirname(rel));
  const target = path.join(dir, path.basename(rel));
  const info = await lstatOrNull(target);
  if (info?.isSymbolicLink()) throw new ArchiveError(`${target} is a symlink; the archive never writes through symlinks`);
  if (info && !info.isFile()) throw new ArchiveError(`${target} exists and is not a file`);
  const temp = `${target}.tmp-${process.pid}`;
  try {
    await writeFile(temp, content);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, {force: true});
    throw error;
  }
  return target;
}

/** Names benchbook itself keeps in an archive root while it works (locks, staging, journals). */
const WORKING_NAME = /^\.(?:lock|staging-|swap-)/;

/**
 * The archive root: created when missing (the root itself may be a symlink: the user chose it). A folder
 * that holds files but is not an archive (no versions.json, no releases/) is refused: writing index.html
 * there would overwrite someone's file.
 */
export async function openArchiveRoot(dir: string): Promise<string> {
  const root = path.resolve(dir);
  const info = await stat(root).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw new InputError(`cannot be used as an archive folder (${error.code ?? error.message})`, {file: root, expected: ARCHIVE_EXPECTED});
  });
  if (info && !info.isDirectory()) throw new InputError("is not a folder", {file: root, expected: ARCHIVE_EXPECTED});
  if (!info) {
    try {
      await mkdir(root, {recursive: true});
    } catch (error) {
      throw new InputError(`cannot be created (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {file: root, expected: ARCHIVE_EXPECTED});
    }
    return root;
  }
  const names = (await readdir(root)).filter((n) => !WORKING_NAME.test(n));
  if (names.length && !names.includes("versions.json") && !names.includes(RELEASES_DIR)) {
    throw new ArchiveError(`${root} is not a benchbook archive (it holds ${names.length} other file${names.length === 1 ? "" : "s"}, such as ${names.sort()[0]}, but no versions.json or releases/); refusing to write an index into it: choose an empty or new folder`);
  }
  return root;
}

const ARCHIVE_EXPECTED = "an archive folder written by `benchbook build` (default dist/), or a new one";
