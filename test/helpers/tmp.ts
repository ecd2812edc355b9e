import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {afterEach} from "vitest";

export const SHARED = path.resolve(fileURLToPath(new URL("../../../shared", import.meta.url)));
export const FIXTURES = path.join(SHARED, "virnucpro", "fixtures");
export const REPO = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** A temp folder removed after the current test. */
export function useTmp(): () => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, {recursive: true, force: true})));
  });
  return async () => {
    const d = await mkdtemp(path.join(tmpdir(), "benchbook-test-"));
    dirs.push(d);
    return d;
  };
}
