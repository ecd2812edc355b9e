import {readdirSync, readFileSync, statSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {FIXTURES, GPU_CAPTURE, REPO} from "../helpers/tmp.ts";

// Built from parts so this file does not name the folder it forbids.
const SIBLING = ["..", "shared"].join("/");
const SKIP = new Set(["node_modules", ".git", "dist", ".benchbook", "test-artifacts", "cache", "out"]);

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

describe("the repository stands alone (a clone has no sibling shared folder)", () => {
  it("no file in the repository refers to the workspace's shared folder", () => {
    const offenders: string[] = [];
    for (const file of files(REPO)) {
      if (statSync(file).size > 2_000_000) continue;
      const text = readFileSync(file, "utf8");
      text.split("\n").forEach((line, i) => {
        if (line.includes(SIBLING)) offenders.push(`${path.relative(REPO, file)}:${i + 1}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it("the real fixtures the tests read live inside the repository, each folder with its provenance", () => {
    for (const dir of [FIXTURES, GPU_CAPTURE]) {
      expect(path.relative(REPO, dir).startsWith("..")).toBe(false);
      expect(readFileSync(path.join(dir, "PROVENANCE.md"), "utf8")).toMatch(/Origin[\s\S]*Licence/);
    }
    expect(readFileSync(path.join(FIXTURES, "test_with_orfs_refactored/.checkpoints/pipeline_state.json"), "utf8")).toContain("500_model.pth");
    expect(readFileSync(path.join(GPU_CAPTURE, "samples_1000ms.csv"), "utf8").split("\n").length).toBeGreaterThan(200);
  });

  it("the README points at the project's own description of the artifact formats, which exists", () => {
    const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
    expect(readme).toContain("](loaders/virnucpro/FORMATS.md)");
    const formats = readFileSync(path.join(REPO, "loaders/virnucpro/FORMATS.md"), "utf8");
    for (const topic of ["Console log", "Worker logs", "gpu_metrics", "pipeline_state.json", "Predictions", "Phase 10"]) expect(formats).toContain(topic);
  });

  it("CI runs the suite from a copy of the checkout in a fresh temporary folder", () => {
    const ci = readFileSync(path.join(REPO, ".ci/run"), "utf8");
    expect(ci).toMatch(/mktemp -d/);
    expect(ci.indexOf("mktemp -d")).toBeLessThan(ci.indexOf("npm ci"));
    expect(ci).toMatch(/cd "\$clone"[\s\S]*npm ci[\s\S]*npm run typecheck[\s\S]*npm test/);
  });
});
