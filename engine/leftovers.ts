/**
 * What a killed benchbook leaves behind (kill -9 runs no cleanup): half-built databases
 * (`<db>.building-<pid>`, a whole database each) and site work folders in the temp folder. They are
 * removed by the next command, but only when all of these hold, so nothing that is not ours, or still
 * in use, is ever touched: the name is one benchbook gives, the pid in it is not alive on this host,
 * the entry belongs to this user, and it has not been modified for a while.
 */
import {lstat, readdir, rm} from "node:fs/promises";
import path from "node:path";
import {processAlive} from "./lock.ts";

/** an entry modified more recently than this may belong to a live process on another host */
export const LEFTOVER_MIN_AGE_MS = 10 * 60_000;

export interface LeftoverRule {
  /** the name pattern; its first group is the pid of the process that made the entry */
  pattern: RegExp;
  minAgeMs?: number;
}

/** Remove the stale leftovers in `dir` matching `rule`; returns the removed paths. */
export async function removeLeftovers(dir: string, rule: LeftoverRule, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(dir).catch(() => [] as string[]);
  const uid = process.getuid?.();
  for (const name of names) {
    const match = rule.pattern.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (!Number.isInteger(pid) || pid <= 0 || processAlive(pid)) continue;
    const file = path.join(dir, name);
    const info = await lstat(file).catch(() => null);
    if (!info || info.isSymbolicLink()) continue;
    if (uid !== undefined && info.uid !== uid) continue;
    if (now - info.mtimeMs < (rule.minAgeMs ?? LEFTOVER_MIN_AGE_MS)) continue;
    await rm(file, {recursive: true, force: true});
    removed.push(file);
  }
  return removed;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `<db file name>.building-<pid>` and its `.wal` */
export function buildingDbRule(dbFile: string): LeftoverRule {
  return {pattern: new RegExp(`^${escapeRegExp(path.basename(dbFile))}\\.building-(\\d+)(?:\\.wal)?$`)};
}

/** the site builder's work folders in the temp folder: `benchbook-site-<pid>-<random>` */
export const SITE_WORK_PREFIX = "benchbook-site-";
export const siteWorkRule: LeftoverRule = {pattern: new RegExp(`^${SITE_WORK_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`)};
