/**
 * A lock held by one process at a time: a folder (mkdir is atomic) holding its owner's pid. The lock of
 * a process that died (a killed build) is taken over, so a crash never blocks the next command.
 */
import {mkdir, readFile, rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {setTimeout as sleep} from "node:timers/promises";

export interface LockOptions {
  timeoutMs: number;
  /** the error thrown when another live process still holds the lock at the deadline */
  busy: (lock: string) => Error;
}

export async function withLockDir<T>(lock: string, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
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
      if (Date.now() > deadline) throw options.busy(lock);
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
