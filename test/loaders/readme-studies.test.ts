/** The README's csv and hyperfine study files are valid studies as printed (a user copies them). */
import {readFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {parseStudy} from "../../engine/study.ts";
import {adapters} from "../../loaders/index.ts";
import {REPO} from "../helpers/tmp.ts";

describe("README study files", () => {
  it("parses the csv and the hyperfine study, each within twenty-odd lines", async () => {
    const readme = await readFile(path.join(REPO, "README.md"), "utf8");
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^pipeline: (csv|hyperfine)$/m.test(b));
    expect(blocks.map((b) => /^pipeline: (\w+)$/m.exec(b)![1])).toEqual(["csv", "hyperfine"]);
    for (const block of blocks) {
      const study = parseStudy(block, "/s/study.yaml", adapters);
      expect(study.runs.length).toBe(2);
      expect(study.criteria?.length).toBe(1);
      expect(block.trim().split("\n").length).toBeLessThanOrEqual(22);
    }
  });
});
