/**
 * One writer per archive: two `benchbook build`/`approve` commands on the same archive would race on
 * the release renames and on the index. The lock is a folder (mkdir is atomic) holding its owner's pid;
 * the lock of a process that died is taken over.
 */
import {mkdir, readFile, rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {setTimeout as sleep} from "node:timers/promises";
import {ArchiveError, assertNoSymlink} from "./fs.ts";

export const ARCHIVE_LOCK = ".lock";

export async function withArchiveLock<T>(root: string, fn: () => Promise<T>, options: {timeoutMs?: number} = {}): Promise<T> {
  await assertNoSymlink(root, ARCHIVE_LOCK);
  const lock = path.join(root, ARCHIVE_LOCK);
  const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (!(await ownerAlive(lock))) {
        await rm(lock, {recursive: true, force: true});
        continue;
      }
      if (Date.now() > deadline) throw new ArchiveError(`another benchbook command holds ${lock} (remove it if none is running)`);
      await sleep(200);
    }
  }
  try {
    await writeFile(path.join(lock, "pid"), String(process.pid));
    return await fn();
  } finally {
    await rm(lock, {recursive: true, force: true});
  }
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function ownerAlive(lock: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path.join(lock, "pid"), "utf8");
  } catch {
    // the owner may be between mkdir and writing its pid: give it a moment before declaring it dead
    await sleep(500);
    text = await readFile(path.join(lock, "pid"), "utf8").catch(() => "");
  }
  return processAlive(Number(text.trim()));
}
