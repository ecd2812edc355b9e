/**
 * Change detector for ingest: study text, the contents of every file the study points at (a file edited
 * in place with its size and mtime restored must not leave a stale database), and benchbook's own code
 * (a changed parser or view must re-ingest). Files are hashed with sha256, the digest their artifact
 * rows record, so one read of each file serves both (ContentDigests).
 *
 * Hashing hundreds of MB of predictions on every `report` would cost more than the report, so each
 * file's hash is stored with the stat fields that change whenever its bytes can have changed (device,
 * inode, size, mtime and ctime to the nanosecond) and reused while they all match. ctime is the
 * guard: any write and any utimes() that puts an mtime back sets it to now, and no user call sets it
 * back (git's index trusts the same fields). `ingest --force` hashes everything again.
 */
import {createHash, type Hash} from "node:crypto";
import {readdir, stat} from "node:fs/promises";
import type {BigIntStats} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import type {PipelineAdapter} from "./adapter.ts";
import {SCHEMA_SQL, SCHEMA_VERSION} from "../db/schema.ts";
import {resolveStudyPath, type Study} from "../study.ts";
import {BENCHBOOK_VERSION} from "../version.ts";
import {runPaths} from "../../loaders/runner/layout.ts";
import {ContentDigests} from "../artifacts.ts";

/** One hashed file, as stored in the database's file_hashes table. */
export interface FileHash {
  path: string;
  dev: string;
  ino: string;
  size: string;
  mtime_ns: string;
  ctime_ns: string;
  sha256: string;
}

export interface Fingerprint {
  digest: string;
  files: FileHash[];
}

/**
 * `known`: hashes of an earlier ingest, reused for files whose stat fields all still match. `digests`:
 * the command's file digests, shared with the ingest that follows (its artifact rows).
 */
export async function inputFingerprint(study: Study, adapter: PipelineAdapter | undefined, known: Map<string, FileHash> = new Map(), digests = new ContentDigests()): Promise<Fingerprint> {
  const hash = createHash("sha256");
  // the schema text itself, not only its version: a database of another schema is always rebuilt
  const ownCode = await codeHash(known);
  hash.update(`${BENCHBOOK_VERSION}\n${SCHEMA_VERSION}\n${SCHEMA_SQL}\n${ownCode.digest}\n${study.text}\n`);
  hash.update(`${adapter?.schemaSql ?? ""}\n${JSON.stringify(adapter?.views ?? [])}\n`);
  const roots: string[] = [];
  for (const run of study.runs) {
    if (run.command) {
      // what `benchbook run` writes: manifests, repeats, and the default log and GPU samples
      const paths = runPaths(study, run);
      roots.push(paths.manifest, paths.executions, paths.log, paths.gpuSamples);
    }
    for (const key of ["log", "outputs", "gpu_metrics", "gpu_samples", "worker_logs"] as const) {
      const v = run[key];
      if (v) roots.push(resolveStudyPath(study, v.includes("*") ? path.dirname(v) : v, key));
    }
  }
  if (study.reference) {
    roots.push(resolveStudyPath(study, study.reference.outputs, "reference.outputs"));
    if (study.reference.log) roots.push(resolveStudyPath(study, study.reference.log, "reference.log"));
  }
  roots.push(...(adapter?.inputFiles?.(study) ?? []));
  const files = new Map<string, FileHash>(ownCode.files); // by path: roots may overlap
  for (const root of roots.sort()) await hashTree(root, hash, 0, known, files, digests);
  return {digest: hash.digest("hex"), files: [...files.values()]};
}

const RACY_NS = 3_000_000_000n;

async function hashTree(p: string, hash: Hash, depth: number, known: Map<string, FileHash>, files: Map<string, FileHash>, digests: ContentDigests): Promise<void> {
  let s;
  try {
    s = await stat(p, {bigint: true});
  } catch {
    hash.update(`${p}\tmissing\n`);
    return;
  }
  if (s.isFile()) {
    hash.update(`${p}\t${s.size}\t${await fileHash(p, s, known, files, digests)}\n`);
    return;
  }
  if (!s.isDirectory() || depth > 8) return;
  const entries = (await readdir(p)).sort();
  for (const e of entries) await hashTree(path.join(p, e), hash, depth + 1, known, files, digests);
}

/** The file's sha256: the stored one while every stat field matches, else read; recorded in `files`. */
async function fileHash(p: string, s: BigIntStats, known: Map<string, FileHash>, files: Map<string, FileHash>, digests: ContentDigests): Promise<string> {
  const now = {path: p, dev: String(s.dev), ino: String(s.ino), size: String(s.size), mtime_ns: String(s.mtimeNs), ctime_ns: String(s.ctimeNs)};
  const before = known.get(p);
  const same = before && before.dev === now.dev && before.ino === now.ino && before.size === now.size && before.mtime_ns === now.mtime_ns && before.ctime_ns === now.ctime_ns;
  const sha256 = same ? before.sha256 : await contentHash(p, digests);
  // a file changed within a few seconds of being hashed may share its stat fields with what was hashed
  // (coarse file-system clocks: the "racy git" case): stored so that it never matches, it is read again
  const racy = BigInt(Date.now()) * 1_000_000n - s.ctimeNs < RACY_NS;
  if (sha256 !== "unreadable") files.set(p, {...now, ctime_ns: racy ? "racy" : now.ctime_ns, sha256});
  return sha256;
}

async function contentHash(file: string, digests: ContentDigests): Promise<string> {
  // an unreadable file: the adapter reports it with file and reason
  return digests.of(file).then((d) => d.sha256, () => "unreadable");
}

const CODE_ROOT = fileURLToPath(new URL("../..", import.meta.url));
let code: Promise<{digest: string; files: Map<string, FileHash>}> | null = null;

/** benchbook's own code as the fingerprint sees it, computed once per process. */
function codeHash(known: Map<string, FileHash>): Promise<{digest: string; files: Map<string, FileHash>}> {
  code ??= (async () => {
    const files = new Map<string, FileHash>();
    return {digest: await sourceHash(CODE_ROOT, known, files), files};
  })();
  return code;
}

/** Hash of the source files (.ts, .js, .mjs, .sql) below `root`/engine and `root`/loaders. */
export async function sourceHash(root: string, known: Map<string, FileHash> = new Map(), files: Map<string, FileHash> = new Map()): Promise<string> {
  const hash = createHash("sha256");
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, {withFileTypes: true})) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== "node_modules") await walk(p);
      else if (e.isFile() && /\.(ts|m?js|sql)$/.test(e.name)) found.push(p);
    }
  };
  for (const dir of ["engine", "loaders"]) await walk(path.join(root, dir)).catch(() => undefined);
  const digests = new ContentDigests();
  for (const f of found.sort()) hash.update(`${path.relative(root, f).split(path.sep).join("/")}\t${await fileHash(f, await stat(f, {bigint: true}), known, files, digests)}\n`);
  return hash.digest("hex");
}
