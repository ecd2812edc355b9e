/**
 * Run one command as its own process group with stdout and stderr both written to one log file, as
 * `2>&1 > log` would: the child gets the same open file for fd 1 and 2, so the kernel keeps the arrival
 * order exactly, and the log is complete even when benchbook itself dies. The terminal copy (the "tee")
 * is read back from the file while it grows.
 */
import {closeSync, openSync, readSync} from "node:fs";
import {mkdir} from "node:fs/promises";
import path from "node:path";
import {execa} from "execa";
import {groupMembers, sleep, stopGroup} from "./process-group.ts";

export interface ExecuteOptions {
  argv: string[];
  cwd: string;
  /** the complete environment of the child */
  env: Record<string, string | undefined>;
  logFile: string;
  timeoutMs: number;
  /** between SIGTERM and SIGKILL */
  killGraceMs: number;
  signal?: AbortSignal;
  onOutput?: (chunk: Buffer) => void;
  /** how often the log is read back for the terminal */
  pollMs?: number;
}

export type ProcessEnd = "exited" | "timed_out" | "interrupted" | "spawn_failed";

export interface ProcessOutcome {
  end: ProcessEnd;
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
  startedAt: Date;
  endedAt: Date;
  /** why it could not start, or what interrupted it */
  detail: string | null;
  /** SIGKILL was needed because the group ignored SIGTERM for the grace period */
  killed: boolean;
  /** group members still alive after the leader exited (stopped by benchbook) */
  leftoverProcesses: number;
}

export async function executeCommand(options: ExecuteOptions): Promise<ProcessOutcome> {
  const {argv, cwd, env, logFile, timeoutMs, killGraceMs, signal, onOutput} = options;
  await mkdir(path.dirname(logFile), {recursive: true});
  await mkdir(cwd, {recursive: true});
  const writeFd = openSync(logFile, "w");
  const readFd = openSync(logFile, "r");
  let offset = 0;
  const buffer = Buffer.alloc(64 * 1024);
  const drain = () => {
    for (;;) {
      const n = readSync(readFd, buffer, 0, buffer.length, offset);
      if (n <= 0) return;
      offset += n;
      onOutput?.(Buffer.from(buffer.subarray(0, n)));
    }
  };

  const startedAt = new Date();
  let end: ProcessEnd = "exited";
  let detail: string | null = null;
  let killed = false;
  let leftoverProcesses = 0;
  let stopping: Promise<void> | null = null;

  if (signal?.aborted) {
    closeSync(writeFd);
    closeSync(readFd);
    return {end: "interrupted", pid: null, exitCode: null, signal: null, startedAt, endedAt: new Date(), detail: abortDetail(signal), killed, leftoverProcesses};
  }

  // execa's types list only fds 3-9, but a plain fd number is handed to spawn() as is at runtime:
  // that is what gives the child the log file itself rather than a pipe benchbook must keep draining.
  const logFd = writeFd as unknown as 3;
  const child = execa(argv[0]!, argv.slice(1), {
    cwd,
    env,
    extendEnv: false,
    stdin: "ignore",
    stdout: logFd,
    stderr: logFd,
    detached: true,
    reject: false,
    buffer: false,
    cleanup: false
  });
  const pid = child.pid ?? null;
  let exitedAt: Date | null = null;
  const leaderExited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exitedAt = new Date();
      resolve();
    })
  );

  const stop = (why: ProcessEnd, text: string) => {
    if (stopping || pid === null) return;
    end = why;
    detail = text;
    stopping = stopGroup(pid, killGraceMs).then((r) => {
      killed = r.killed;
    });
  };
  const timer = setTimeout(() => stop("timed_out", `no exit within ${timeoutMs / 1000} s`), timeoutMs);
  const onAbort = () => stop("interrupted", abortDetail(signal!));
  signal?.addEventListener("abort", onAbort, {once: true});
  const poller = setInterval(drain, options.pollMs ?? 100);

  try {
    if (pid !== null) {
      await leaderExited;
      // From here on the pipeline has ended by itself: a late timeout or Ctrl-C does not change that.
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // Workers the leader left behind would hold GPUs into the next execution: stop them too.
      if (!stopping) {
        const left = await groupMembers(pid);
        if (left.length) {
          leftoverProcesses = left.length;
          const r = await stopGroup(pid, killGraceMs);
          killed = r.killed;
        }
      }
    }
    const result = await child;
    if (stopping) await stopping;
    if (pid === null || (result.failed && result.exitCode === undefined && result.signal === undefined)) {
      end = "spawn_failed";
      detail = result.shortMessage ?? "could not start the command";
    }
    // A group that ignored TERM may still be dying from KILL: wait briefly so the next run starts clean.
    if (pid !== null) for (let i = 0; i < 40 && (await groupMembers(pid)).length; i++) await sleep(25);
    return {
      end,
      pid,
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      startedAt,
      endedAt: exitedAt ?? new Date(),
      detail,
      killed,
      leftoverProcesses
    };
  } finally {
    clearTimeout(timer);
    clearInterval(poller);
    signal?.removeEventListener("abort", onAbort);
    drain();
    closeSync(writeFd);
    closeSync(readFd);
  }
}

function abortDetail(signal: AbortSignal): string {
  const reason = signal.reason;
  if (typeof reason === "string") return reason;
  if (reason instanceof Error && reason.name !== "AbortError") return reason.message;
  return "aborted";
}
