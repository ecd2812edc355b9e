/**
 * One site build at a time per source root: Framework keeps its loader cache inside the root, so two
 * concurrent builds (two studies, or parallel tests) would clear or read each other's data files.
 * The lock is a directory (mkdir is atomic) holding the owner's pid; a lock whose owner died is taken over.
 */
import {mkdir, readFile, rm, writeFile} from "node:fs/promises";
import path from "node:path";
import {setTimeout as sleep} from "node:timers/promises";

export const BUILD_LOCK = "build.lock";

export async function withBuildLock<T>(root: string, fn: () => Promise<T>, options: {timeoutMs?: number} = {}): Promise<T> {
  // inside the (git-ignored) cache folder, so a lock left by a killed build never shows up in the checkout
  const lock = path.join(root, ".observablehq", "cache", BUILD_LOCK);
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  await mkdir(path.dirname(lock), {recursive: true});
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
      if (Date.now() > deadline) throw new Error(`another site build holds ${lock} (remove it if no build is running)`);
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

async function ownerAlive(lock: string): Promise<boolean> {
  let pid: number;
  try {
    pid = Number(await readFile(path.join(lock, "pid"), "utf8"));
  } catch {
    return true; // just created, pid not written yet
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
