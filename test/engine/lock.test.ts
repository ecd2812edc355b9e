/**
 * The lock (engine/lock.ts): never held twice, dead owners and reused pids taken over, a live holder
 * named while waiting with a stated deadline.
 */
import {mkdir, readdir, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {OWNER_FILE, processStart, withLockDir, type LockOwner} from "../../engine/lock.ts";
import {useTmp} from "../helpers/tmp.ts";

const tmp = useTmp();
const busy = (lock: string, holder: string) => new Error(`busy ${lock}: ${holder}`);

async function plantLock(lock: string, owner: Partial<LockOwner>): Promise<void> {
  await mkdir(lock);
  const full: LockOwner = {pid: 1, host: os.hostname(), process_start: null, since: "2026-12-01T08:00:00.000Z", command: "benchbook approve v2.0", token: "planted-1", ...owner};
  await writeFile(path.join(lock, OWNER_FILE), JSON.stringify(full));
}

describe("withLockDir", () => {
  it("runs the holders one at a time, and releases after an error", async () => {
    const lock = path.join(await tmp(), ".lock");
    let inside = 0;
    let most = 0;
    const job = () =>
      withLockDir(
        lock,
        async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
        },
        {timeoutMs: 10_000, busy}
      );
    await Promise.all(Array.from({length: 6}, job));
    expect(most).toBe(1);
    await expect(withLockDir(lock, () => Promise.reject(new Error("boom")), {timeoutMs: 1000, busy})).rejects.toThrow("boom");
    expect(await readdir(path.dirname(lock))).toEqual([]);
  });

  it("eight contenders that all find the same dead lock: exactly one holds it at a time", async () => {
    for (let round = 0; round < 5; round++) {
      const lock = path.join(await tmp(), ".lock");
      await plantLock(lock, {pid: 2 ** 22 + 99, token: `dead-${round}`});
      await writeFile(path.join(lock, "pid"), String(2 ** 22 + 99)); // what older versions read
      let inside = 0;
      let most = 0;
      const held: number[] = [];
      await Promise.all(
        Array.from({length: 8}, (_, i) =>
          withLockDir(
            lock,
            async () => {
              most = Math.max(most, ++inside);
              await new Promise((r) => setTimeout(r, 5));
              held.push(i);
              inside--;
            },
            {timeoutMs: 20_000, busy}
          )
        )
      );
      expect(most, `round ${round}`).toBe(1);
      expect(held.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it("takes over the lock of a dead pid, and of a live pid that started at another time (pid reuse)", async () => {
    const dir = await tmp();
    await plantLock(path.join(dir, "dead"), {pid: 2 ** 22 + 12345, token: "dead-1"});
    await expect(withLockDir(path.join(dir, "dead"), async () => "ran", {timeoutMs: 1000, busy})).resolves.toBe("ran");
    // the parent process is alive, but the lock says it started at another time: it is not the owner
    await plantLock(path.join(dir, "reused"), {pid: process.ppid, process_start: "1", token: "reused-1"});
    expect(processStart(process.ppid)).not.toBe("1");
    await expect(withLockDir(path.join(dir, "reused"), async () => "ran", {timeoutMs: 1000, busy})).resolves.toBe("ran");
    expect((await readdir(dir)).sort()).toEqual(["dead.stale-dead-1", "reused.stale-reused-1"]);
  });

  it("waits for a live holder, names it, and gives up at the stated deadline", async () => {
    const dir = await tmp();
    const lock = path.join(dir, ".lock");
    await plantLock(lock, {pid: process.ppid, process_start: processStart(process.ppid), token: "live-1"});
    const said: string[] = [];
    const started = Date.now();
    const error = await withLockDir(lock, async () => "ran", {timeoutMs: 400, busy, onWait: (m) => said.push(m)}).catch((e: Error) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((error as Error).message).toBe(`busy ${lock}: pid ${process.ppid} on ${os.hostname()} since 2026-12-01T08:00:00.000Z (benchbook approve v2.0)`);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^waiting for .*\\.lock, held by pid ${process.ppid} .*; giving up at \\S+ \\(after 0 s\\)$`));
    // a lock held from another host is never taken over: its pid means nothing here
    await plantLock(path.join(dir, "remote"), {pid: 2 ** 22 + 1, host: "other-host.example", token: "remote-1"});
    await expect(withLockDir(path.join(dir, "remote"), async () => "ran", {timeoutMs: 300, busy})).rejects.toThrow(/on other-host\.example/);
  });
});
