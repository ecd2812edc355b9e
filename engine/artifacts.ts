/** Reading input artifacts: checksums, UTF-8 checks, locating files below a folder or by glob. */
import {createHash} from "node:crypto";
import {createReadStream} from "node:fs";
import {readdir, readFile, stat} from "node:fs/promises";
import path from "node:path";
import {InputError} from "./errors.ts";
import {mib} from "./render/format.ts";

export interface TextArtifact {
  file: string;
  text: string;
  bytes: number;
  sha256: string;
  /** 1-based line of the first invalid UTF-8 sequence (decoded with U+FFFD), if any */
  invalidUtf8Line: number | null;
}

/** Largest text artifact read whole; bigger logs would exceed V8's string limit. */
export const MAX_TEXT_BYTES = 512 * 1024 * 1024;

/** The artifact's stat, or an error naming the file when it is missing or not a regular file. */
async function statFile(file: string, what: string) {
  let s;
  try {
    s = await stat(file);
  } catch (error) {
    throw new InputError(`${what} does not exist`, {file, expected: `the ${what} named in the study file`, cause: error});
  }
  if (!s.isFile()) throw new InputError(`${what} is not a file`, {file, expected: "a regular file"});
  return s;
}

export async function readTextArtifact(file: string, what: string): Promise<TextArtifact> {
  const s = await statFile(file, what);
  if (s.size > MAX_TEXT_BYTES) throw new InputError(`${what} is ${mib(s.size / 2 ** 20)}`, {file, expected: `at most ${MAX_TEXT_BYTES / 2 ** 20} MiB`});
  const buffer = await readFile(file);
  const sha256 = createHash("sha256").update(buffer).digest("hex");
  let text: string;
  let invalidUtf8Line: number | null = null;
  try {
    text = new TextDecoder("utf-8", {fatal: true}).decode(buffer);
  } catch {
    text = new TextDecoder("utf-8").decode(buffer);
    const bad = text.indexOf("\ufffd");
    invalidUtf8Line = bad < 0 ? 1 : countLines(text, bad);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return {file, text, bytes: s.size, sha256, invalidUtf8Line};
}

function countLines(text: string, end: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** A file's sha256 (hex), streamed, and its length in bytes. */
export async function hashFile(file: string): Promise<{sha256: string; bytes: number}> {
  const hash = createHash("sha256");
  let bytes = 0;
  // 4 MiB reads: at the default 64 KiB, per-chunk overhead doubles the CPU time on prediction files
  for await (const chunk of createReadStream(file, {highWaterMark: 4 << 20})) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return {sha256: hash.digest("hex"), bytes};
}

/**
 * The sha256 of the files one ingest reads, by absolute path, each read once: the fingerprint hashes
 * every input and the adapters record the same digest for their artifacts (hashing 300 MB of
 * predictions twice was a tenth of ingest's CPU time). Made per command (a report's database check and
 * the ingest that follows share one), never kept beyond it, so a later command reads every file again.
 */
export class ContentDigests {
  readonly #digests = new Map<string, Promise<{sha256: string; bytes: number}>>();

  of(file: string): Promise<{sha256: string; bytes: number}> {
    const key = path.resolve(file);
    let digest = this.#digests.get(key);
    if (!digest) {
      digest = hashFile(key);
      // a failure is the caller's to report; an unread promise must not end the process
      digest.catch(() => undefined);
      this.#digests.set(key, digest);
    }
    return digest;
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Files named `name` anywhere below `dir` (sorted), not following symlinked folders. */
export async function findFilesNamed(dir: string, name: string, maxDepth = 6): Promise<string[]> {
  const found: string[] = [];
  async function walk(d: string, depth: number): Promise<void> {
    let entries;
    try {
      entries = await readdir(d, {withFileTypes: true});
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && depth < maxDepth) await walk(p, depth + 1);
      else if (e.isFile() && e.name === name) found.push(p);
    }
  }
  await walk(dir, 0);
  return found;
}

/**
 * Resolve a folder or a simple glob (`*` and `?` in the last path segment) to sorted files.
 * A folder yields the files in it matching `defaultPattern`.
 */
export async function resolveFileSet(spec: string, defaultPattern: RegExp): Promise<string[]> {
  const hasGlob = /[*?]/.test(path.basename(spec));
  const dir = hasGlob ? path.dirname(spec) : spec;
  const pattern = hasGlob ? globToRegExp(path.basename(spec)) : defaultPattern;
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    throw new InputError("does not exist", {file: dir, expected: "a folder (or glob) of files", cause: error});
  }
  if (!hasGlob && info.isFile()) return [spec];
  const entries = await readdir(dir, {withFileTypes: true});
  return entries
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  return new RegExp(`^${body}$`);
}

/**
 * Longest segment (text between `\r`/`\n`) handed on. A longer one (a tqdm bar redrawn without `\r`, a
 * binary dump, a multi-GB line without a newline) is cut there and the rest of it skipped, so memory
 * stays bounded whatever the input; the cut is reported (line and length) so the user sees it.
 */
export const MAX_SEGMENT_CHARS = 1024 * 1024;

export interface OverlongLine {
  /** 1-based physical line */
  line: number;
  /** characters in the over-long segment(s) of that line, of which the first MAX_SEGMENT_CHARS were read */
  chars: number;
}

export interface StreamedTextArtifact {
  file: string;
  bytes: number;
  sha256: string;
  /** physical `\n` lines, counted as splitting the whole text on `\n` would (a trailing newline opens no line) */
  lines: number;
  /** 1-based line of the first invalid UTF-8 sequence (decoded with U+FFFD), if any */
  invalidUtf8Line: number | null;
  /** lines cut at MAX_SEGMENT_CHARS, in file order */
  overlongLines: OverlongLine[];
}

/**
 * Read a text artifact as a stream of segments, the pieces between `\n` and `\r`, each with its 1-based
 * physical line, in file order, so a multi-GB log is never one string. Memory is bounded by the chunk
 * size and MAX_SEGMENT_CHARS (the rest of a longer segment is skipped and reported in overlongLines).
 * Same checks as readTextArtifact: UTF-8 validity with the line of the first bad byte, BOM removed
 * (TextDecoder drops it).
 */
export async function streamTextSegments(
  file: string,
  what: string,
  onSegment: (text: string, line: number) => void,
  options: {chunkBytes?: number; maxSegmentChars?: number} = {}
): Promise<StreamedTextArtifact> {
  await statFile(file, what);
  const maxChars = options.maxSegmentChars ?? MAX_SEGMENT_CHARS;
  const hash = createHash("sha256");
  let bytes = 0;
  let decoder = new TextDecoder("utf-8", {fatal: true});
  let invalidUtf8Line: number | null = null;
  let line = 1;
  /** the current segment so far: never longer than maxChars */
  let carry = "";
  /** characters of the current segment beyond maxChars, skipped */
  let skipped = 0;
  let lastChar = -1;
  const overlongLines: OverlongLine[] = [];
  const append = (piece: string) => {
    if (skipped > 0) {
      skipped += piece.length;
      return;
    }
    const room = maxChars - carry.length;
    if (piece.length <= room) carry += piece;
    else {
      carry += piece.slice(0, room);
      skipped = piece.length - room;
    }
  };
  const endSegment = () => {
    if (carry !== "") onSegment(carry, line);
    if (skipped > 0) {
      const last = overlongLines.at(-1);
      if (last?.line === line) last.chars += carry.length + skipped;
      else overlongLines.push({line, chars: carry.length + skipped});
    }
    carry = "";
    skipped = 0;
  };
  const emit = (text: string) => {
    if (text === "") return;
    lastChar = text.charCodeAt(text.length - 1);
    let start = 0;
    let nextN = text.indexOf("\n");
    let nextR = text.indexOf("\r");
    while (nextN >= 0 || nextR >= 0) {
      const isN = nextR < 0 || (nextN >= 0 && nextN < nextR);
      const end = isN ? nextN : nextR;
      append(text.slice(start, end));
      endSegment();
      start = end + 1;
      if (isN) {
        line++;
        nextN = text.indexOf("\n", start);
      } else nextR = text.indexOf("\r", start);
    }
    append(text.slice(start));
  };
  const badAt = (text: string) => {
    const bad = text.indexOf("\ufffd");
    let n = line;
    for (let i = text.indexOf("\n"); i >= 0 && i < bad; i = text.indexOf("\n", i + 1)) n++;
    return n;
  };
  for await (const chunk of createReadStream(file, {highWaterMark: options.chunkBytes ?? 1 << 20})) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
    let text: string;
    try {
      text = decoder.decode(buffer, {stream: true});
    } catch {
      // the first bad byte is in this chunk: go on with replacement characters and say where it was
      decoder = new TextDecoder("utf-8");
      text = decoder.decode(buffer, {stream: true});
      invalidUtf8Line = badAt(text);
    }
    emit(text);
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    rest = "\ufffd"; // the file ends inside a multi-byte sequence
    invalidUtf8Line ??= line;
  }
  emit(rest);
  endSegment();
  const lines = lastChar < 0 ? 0 : lastChar === 10 ? line - 1 : line;
  return {file, bytes, sha256: hash.digest("hex"), lines, invalidUtf8Line, overlongLines};
}
