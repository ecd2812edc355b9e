/**
 * `benchbook verify [--archive DIR] [release]`: recompute every checksum the archived manifests hold.
 * Exit 0 when every release folder verifies, 1 when any does not (each problem names its file), 2 on
 * unusable input (no such archive or release).
 */
import {stat} from "node:fs/promises";
import path from "node:path";
import {InputError} from "../engine/errors.ts";
import {ArchiveError, checkReleaseName, DEFAULT_ARCHIVE} from "../engine/archive/fs.ts";
import {withArchiveLock} from "../engine/archive/lock.ts";
import {verifyArchive} from "../engine/archive/verify.ts";
import {parseVerbArguments} from "./args.ts";
import {STDIO, type CommandIo} from "./io.ts";
import {usageOf} from "./usage.ts";

export async function verifyCommand(argv: string[], io: CommandIo = STDIO): Promise<number> {
  const {values, positionals} = parseVerbArguments(argv, {
    usage: usageOf("verify"),
    options: {archive: {type: "string", default: DEFAULT_ARCHIVE}},
    positionals: {max: 1, what: "release name"}
  });
  const release = positionals[0] === undefined ? undefined : checkReleaseName(positionals[0]);
  const root = path.resolve(values.archive);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new InputError(info ? "is not a folder" : "not found", {file: root, expected: "an archive folder written by `benchbook build` (default dist/)"});
  try {
    // under the lock: a build in progress is waited for, and a --force rebuild that was killed is undone first
    const checks = await withArchiveLock(root, () => verifyArchive(root, release), {notify: (line) => io.err(`benchbook verify: ${line}\n`)}).catch((error: NodeJS.ErrnoException) => {
      // a read-only archive (a mounted copy, a published folder) cannot be written by anyone: no lock needed
      if (error.code === "EROFS" || error.code === "EACCES" || error.code === "EPERM") return verifyArchive(root, release);
      throw error;
    });
    if (checks.length === 0) {
      io.out(`${root}: no release archived\n`);
      return 0;
    }
    let failed = 0;
    for (const check of checks) {
      if (check.problems.length === 0) {
        io.out(`${check.name}: OK (${check.checked} data file${check.checked === 1 ? "" : "s"} match the manifest, content ${check.manifest!.content_sha256.slice(0, 12)})\n`);
      } else {
        failed++;
        io.out(`${check.name}: FAILED\n${check.problems.map((p) => `  ${path.join(root, p)}\n`).join("")}`);
      }
    }
    io.out(failed ? `${failed} of ${checks.length} release folders fail verification\n` : `all ${checks.length} release folders verify\n`);
    return failed ? 1 : 0;
  } catch (error) {
    if (error instanceof ArchiveError) {
      io.err(`benchbook verify: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
