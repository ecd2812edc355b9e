/**
 * One site build at a time per source root: Framework keeps its loader cache inside the root, so two
 * concurrent builds (two studies, or parallel tests) would clear or read each other's data files.
 */
import {mkdir} from "node:fs/promises";
import path from "node:path";
import {withLockDir} from "../lock.ts";

export const BUILD_LOCK = "build.lock";

export async function withBuildLock<T>(root: string, fn: () => Promise<T>, options: {timeoutMs?: number} = {}): Promise<T> {
  // inside the (git-ignored) cache folder, so a lock left by a killed build never shows up in the checkout
  const lock = path.join(root, ".observablehq", "cache", BUILD_LOCK);
  await mkdir(path.dirname(lock), {recursive: true});
  return withLockDir(lock, fn, {
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    onWait: (message) => process.stderr.write(`benchbook: ${message}\n`),
    busy: (l, holder) => new Error(`${l} is still held by ${holder} (remove it if no site build is running)`)
  });
}
