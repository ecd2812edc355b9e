/**
 * One writer per archive: two `benchbook build`/`approve` commands on the same archive would race on
 * the release renames and on the index.
 */
import path from "node:path";
import {processAlive, withLockDir} from "../lock.ts";
import {ArchiveError, assertNoSymlink} from "./fs.ts";

export {processAlive};

export const ARCHIVE_LOCK = ".lock";

export async function withArchiveLock<T>(root: string, fn: () => Promise<T>, options: {timeoutMs?: number} = {}): Promise<T> {
  await assertNoSymlink(root, ARCHIVE_LOCK);
  return withLockDir(path.join(root, ARCHIVE_LOCK), fn, {
    timeoutMs: options.timeoutMs ?? 15 * 60_000,
    busy: (lock) => new ArchiveError(`another benchbook command holds ${lock} (remove it if none is running)`)
  });
}
