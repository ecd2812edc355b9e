/**
 * A lock held by one process at a time, that can never be held twice.
 *
 * The lock is a folder holding `owner.json` (pid, host, process start time, command, time taken). It is
 * taken by preparing a private folder with the owner file already written and renaming it onto the lock
 * name: rename(2) of a folder onto an existing non-empty folder fails, so exactly one contender wins and
 * there is never a lock without an owner.
 *
 * A lock whose owner is gone (a killed build) is taken over without deleting anything in place: it is
 * renamed to `<lock>.stale-<owner token>`. Two contenders that both saw the same dead owner rename to the
 * same name; the second rename fails while the first one's stale folder is there (a folder cannot be
 * renamed onto a non-empty one), so a contender can never move away a lock taken in the meantime.
 * Stale folders are removed only once they are old.
 *
 * "Gone" is decided on this host only: the pid is not alive, or it is alive but started at another time
 * (the pid was reused by an unrelated process). A lock held from another host, or by a live process, is
 * waited for with a stated deadline, and the waiting message names the holder.
 */
import {randomBytes} from "node:crypto";
import {readFileSync} from "node:fs";
import {mkdir, readdir, readFile, rename, rm, stat, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {setTimeout as sleep} from "node:timers/promises";

export interface LockOptions {
  timeoutMs: number;
  /** the error thrown when another live process still holds the lock at the deadline */
  busy: (lock: string, holder: string) => Error;
  /** told once, when the lock is held by someone else and this process starts waiting */
  onWait?: (message: string) => void;
  /** what this process is doing, recorded in the owner file (default: its command line) */
  command?: string;
}

export interface LockOwner {
  pid: number;
  host: string;
  /** the owner process's start time in clock ticks since boot (Linux), to tell a reused pid */
  process_start: string | null;
  /** ISO time the lock was taken */
  since: string;
  command: string;
  /** unique per acquisition */
  token: string;
}

export const OWNER_FILE = "owner.json";
/** stale folders younger than this are kept: a contender may still be about to rename onto the name */
const STALE_KEEP_MS = 10 * 60_000;
const POLL_MS = 100;

export async function withLockDir<T>(lock: string, fn: () => Promise<T>, options: LockOptions): Promise<T> {
  const owner = await acquire(lock, options);
  try {
    return await fn();
  } finally {
    await release(lock, owner);
  }
}

async function acquire(lock: string, options: LockOptions): Promise<LockOwner> {
  const deadline = Date.now() + options.timeoutMs;
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    process_start: processStart(process.pid),
    since: new Date().toISOString(),
    command: options.command ?? commandLine(),
    token: `${process.pid}-${randomBytes(6).toString("hex")}`
  };
  const prepared = `${lock}.new-${owner.token}`;
  await mkdir(prepared);
  await writeFile(path.join(prepared, OWNER_FILE), JSON.stringify(owner));
  let told = false;
  try {
    for (;;) {
      try {
        await rename(prepared, lock);
        await removeOldStale(lock);
        return owner;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST" && code !== "ENOTDIR" && code !== "EISDIR") throw error;
      }
      const holder = await readOwner(lock);
      if (holder === "missing") continue; // released between our rename and our read
      if (holder !== "unreadable" && holder !== "legacy" && ownerGone(holder)) {
        await takeOver(lock, holder.token);
        continue;
      }
      if (holder === "legacy") {
        // a lock folder of an older benchbook (a bare `pid` file): its pid is all there is to go on
        const pid = Number((await readFile(path.join(lock, "pid"), "utf8").catch(() => "")).trim());
        if (!processAlive(pid)) {
          await takeOver(lock, `legacy-${pid}`);
          continue;
        }
      }
      const who = describeHolder(holder);
      if (Date.now() > deadline) throw options.busy(lock, who);
      if (!told) {
        told = true;
        options.onWait?.(`waiting for ${lock}, held by ${who}; giving up at ${new Date(deadline).toISOString()} (after ${Math.round(options.timeoutMs / 1000)} s)`);
      }
      await sleep(POLL_MS);
    }
  } finally {
    await rm(prepared, {recursive: true, force: true});
  }
}

async function release(lock: string, owner: LockOwner): Promise<void> {
  // move it away first: removing in place would let a contender see a half-removed folder
  const held = await readOwner(lock);
  if (typeof held === "string" || held.token !== owner.token) return; // not ours any more: leave it
  const gone = `${lock}.released-${owner.token}`;
  await rename(lock, gone);
  await rm(gone, {recursive: true, force: true});
}

async function takeOver(lock: string, deadToken: string): Promise<void> {
  try {
    await rename(lock, `${lock}.stale-${deadToken.replace(/[^A-Za-z0-9_.-]/g, "_")}`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOENT: released or taken over by another contender; ENOTEMPTY/EEXIST: another contender moved
    // this very stale lock first, and what holds the name now is someone else's
    if (code !== "ENOENT" && code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
}

async function removeOldStale(lock: string): Promise<void> {
  const dir = path.dirname(lock);
  const prefix = `${path.basename(lock)}.stale-`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(prefix))) {
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > STALE_KEEP_MS) await rm(path.join(dir, name), {recursive: true, force: true});
  }
}

async function readOwner(lock: string): Promise<LockOwner | "missing" | "unreadable" | "legacy"> {
  let text: string;
  try {
    text = await readFile(path.join(lock, OWNER_FILE), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      if (!(await stat(lock).catch(() => null))) return "missing";
      if (await stat(path.join(lock, "pid")).catch(() => null)) return "legacy";
      return "unreadable";
    }
    return "unreadable";
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner.pid === "number" && typeof owner.token === "string" ? owner : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** True when the owner certainly no longer runs: same host, and its pid is dead or belongs to another process. */
export function ownerGone(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  if (!processAlive(owner.pid)) return true;
  const start = processStart(owner.pid);
  return owner.process_start !== null && start !== null && start !== owner.process_start;
}

export function describeHolder(holder: LockOwner | string): string {
  if (typeof holder === "string") return holder === "legacy" ? "a live process (lock of an older benchbook)" : "an owner that cannot be read (remove the lock folder if no benchbook command runs)";
  return `pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.command})`;
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

/** Field 22 of /proc/<pid>/stat (start time in ticks since boot); null where there is no /proc. */
export function processStart(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name (field 2) is in parentheses and may hold spaces: count fields after its ')'
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function commandLine(): string {
  return `${path.basename(process.argv[1] ?? "node")} ${process.argv.slice(2).join(" ")}`.trim().slice(0, 300);
}
