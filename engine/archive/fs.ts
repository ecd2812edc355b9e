/**
 * The archive's file-system rules. Every path written inside the archive is checked component by
 * component with lstat, so a symlink planted in the archive (releases/, a release folder, signoffs/)
 * can never redirect a write or a read outside it. Files are replaced by rename, never rewritten in place,
 * so a reader (or a crash) never sees half a file.
 */
import {lstat, mkdir, rename, rm, writeFile} from "node:fs/promises";
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

const RELEASE_EXPECTED = "a release name such as v2.0: not '.' or '..', no leading '.', no '/', '\\' or control characters";

/**
 * Release names become folder names: refuse anything that could address another folder. A leading '.'
 * is refused too because the archive keeps its own working folders (.staging-*, .lock) under dot-names.
 */
export function checkReleaseName(name: string, source: {file?: string; what?: string} = {}): string {
  // eslint-disable-next-line no-control-regex
  const bad = name === "" || name.startsWith(".") || /[/\\\u0000-\u001f\u007f]/.test(name);
  if (bad) {
    throw new InputError(`${source.what ?? "release"} ${JSON.stringify(name)} cannot be used as a release folder name`, {file: source.file, expected: RELEASE_EXPECTED});
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

/** The archive root: created when missing (the root itself may be a symlink: the user chose it). */
export async function openArchiveRoot(dir: string): Promise<string> {
  const root = path.resolve(dir);
  await mkdir(root, {recursive: true});
  return root;
}
