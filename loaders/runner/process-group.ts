/**
 * Stopping a pipeline means stopping its whole process group: VirNucPro spawns GPU workers and DataLoader
 * processes, and killing only the leader would leave them holding the GPUs (and the log file) while the
 * next execution starts. The pipeline is spawned detached, so it leads its own group (pgid = its pid).
 */
import {readdir, readFile} from "node:fs/promises";

/** Live (not zombie) members of a process group. Linux reads /proc; elsewhere only "some member exists". */
export async function groupMembers(pgid: number): Promise<number[]> {
  if (process.platform !== "linux") {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        let stat: string;
        try {
          stat = await readFile(`/proc/${e}/stat`, "utf8");
        } catch {
          return; // exited while we looked
        }
        // `pid (comm) state ppid pgrp …`; comm may contain spaces and parentheses, so split after the last ')'.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const state = fields[0];
        if (Number(fields[2]) === pgid && state !== "Z" && state !== "X") members.push(Number(e));
      })
  );
  return members.sort((a, b) => a - b);
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nobody left
  }
}

export interface StopResult {
  /** members found alive when stopping started */
  members: number;
  /** SIGKILL was needed after the grace period */
  killed: boolean;
}

/** TERM the group, wait up to `graceMs` for every member to go, then KILL whatever is left. */
export async function stopGroup(pgid: number, graceMs: number, pollMs = 50): Promise<StopResult> {
  const initial = await groupMembers(pgid);
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  let alive = initial.length;
  while (Date.now() < deadline) {
    alive = (await groupMembers(pgid)).length;
    if (alive === 0) return {members: initial.length, killed: false};
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
  alive = (await groupMembers(pgid)).length;
  if (alive === 0) return {members: initial.length, killed: false};
  signalGroup(pgid, "SIGKILL");
  return {members: initial.length, killed: true};
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
