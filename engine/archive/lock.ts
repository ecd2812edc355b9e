/**
 * One writer per archive: two `benchbook build`/`approve` commands on the same archive would race on
 * the release renames and on the index. The lock (engine/lock.ts) records its holder; a command that
 * finds it held says by whom and how long it will wait.
 */
import path from "node:path";
import {processAlive, withLockDir} from "../lock.ts";
import {ArchiveError, assertNoSymlink} from "./fs.ts";
import {repairInterruptedSwaps} from "./repair.ts";

export {processAlive};

export const ARCHIVE_LOCK = ".lock";
export const ARCHIVE_LOCK_TIMEOUT_MS = 15 * 60_000;

export interface ArchiveLockOptions {
  timeoutMs?: number;
  /** where the "waiting for the lock" and "repaired" lines go (default stderr) */
  notify?: (message: string) => void;
}

export async function withArchiveLock<T>(root: string, fn: () => Promise<T>, options: ArchiveLockOptions = {}): Promise<T> {
  await assertNoSymlink(root, ARCHIVE_LOCK);
  const timeoutMs = options.timeoutMs ?? ARCHIVE_LOCK_TIMEOUT_MS;
  const say = options.notify ?? ((message: string) => process.stderr.write(`benchbook: ${message}\n`));
  const locked = async () => {
    // every command that holds the lock first finishes what a killed one left half done
    for (const line of await repairInterruptedSwaps(root)) say(line);
    return fn();
  };
  return withLockDir(path.join(root, ARCHIVE_LOCK), locked, {
    timeoutMs,
    onWait: say,
    busy: (lock, holder) =>
      new ArchiveError(`${lock} is still held by ${holder} after waiting ${Math.round(timeoutMs / 1000)} s; if that process is not a benchbook command on this archive, remove ${lock}`)
  });
}
