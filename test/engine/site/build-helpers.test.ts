import {mkdir, mkdtemp, readdir, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {clearLoaderCache} from "../../../engine/site/build.ts";
import {withBuildLock} from "../../../engine/site/lock.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "bb-build-"));
});
afterEach(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe("clearLoaderCache", () => {
  it("removes cached loader output and keeps the version-keyed npm bundles and the build lock", async () => {
    await mkdir(path.join(dir, "build.lock"));
    // a waiting build's prepared lock and a dead owner's moved-aside lock: removing them would crash the waiter
    await mkdir(path.join(dir, "build.lock.new-123-abc"));
    await mkdir(path.join(dir, "build.lock.stale-9-def"));
    await mkdir(path.join(dir, "data"), {recursive: true});
    await mkdir(path.join(dir, "_node", "d3@7.9.0"), {recursive: true});
    await writeFile(path.join(dir, "data", "overview.json"), "{}");
    await writeFile(path.join(dir, "_node", "d3@7.9.0", "index.js"), "");
    await clearLoaderCache(dir);
    expect((await readdir(dir)).sort()).toEqual(["_node", "build.lock", "build.lock.new-123-abc", "build.lock.stale-9-def"]);
  });

  it("accepts a cache that does not exist yet", async () => {
    await expect(clearLoaderCache(path.join(dir, "none"))).resolves.toBeUndefined();
  });
});

describe("withBuildLock", () => {
  it("runs one build at a time", async () => {
    const events: string[] = [];
    const job = (name: string) =>
      withBuildLock(dir, async () => {
        events.push(`${name} start`);
        await new Promise((r) => setTimeout(r, 150));
        events.push(`${name} end`);
      });
    await Promise.all([job("a"), job("b")]);
    expect(events[1]).toBe(`${events[0]!.split(" ")[0]} end`);
    expect(events).toHaveLength(4);
  });

  it("takes over a lock whose owner is gone and releases it after an error", async () => {
    const lock = path.join(dir, ".observablehq", "cache", "build.lock");
    await mkdir(lock, {recursive: true});
    await writeFile(path.join(lock, "pid"), "999999999");
    await expect(withBuildLock(dir, async () => Promise.reject(new Error("boom")), {timeoutMs: 2000})).rejects.toThrow("boom");
    // the dead owner's lock is moved aside (kept a while so no contender can move a newer lock onto its name)
    expect(await readdir(path.join(dir, ".observablehq", "cache"))).toEqual(["build.lock.stale-legacy-999999999"]);
  });
});
