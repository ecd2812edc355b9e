import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {afterEach} from "vitest";

export const REPO = path.resolve(fileURLToPath(new URL("../..", import.meta.url)));
/** real VirNucPro outputs (test/fixtures/upstream/PROVENANCE.md), inside the repository so a bare clone tests */
export const FIXTURES = path.join(REPO, "test", "fixtures", "upstream");
/** the real 2 x H200 nvidia-smi capture (test/fixtures/gpu-capture-h200x2/PROVENANCE.md) */
export const GPU_CAPTURE = path.join(REPO, "test", "fixtures", "gpu-capture-h200x2");

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
