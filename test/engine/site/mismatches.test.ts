/**
 * The correctness page reshapes its mismatch table in the browser with arquero (src/components/
 * mismatches.js): filtering by run, level and kind, and counting the rows each group holds. The rows
 * and ranks are SQL's; these functions only narrow and group them.
 */
import {readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
// @ts-expect-error a page component in plain JS, without type declarations
import {filterMismatches, groupMismatches, mismatchChoices} from "../../../src/components/mismatches.js";
import {REPO} from "../../helpers/tmp.ts";

const rows = [
  {run: "2gpu", level: "consensus", rank: 2, id: "s2_chunk_1", label_mismatch: false, diff: 0.02},
  {run: "1gpu", level: "per_frame", rank: 1, id: "s1_chunk_1F1", label_mismatch: true, diff: 0.6},
  {run: "2gpu", level: "consensus", rank: 1, id: "s3_chunk_1", label_mismatch: "true", diff: 0.4},
  {run: "2gpu", level: "per_frame", rank: 1, id: "s3_chunk_1R2", label_mismatch: false, diff: 0.03}
];

describe("mismatch table reshaping (arquero)", () => {
  it("offers the runs and levels present", () => {
    expect(mismatchChoices(rows)).toEqual({runs: ["1gpu", "2gpu"], levels: ["consensus", "per_frame"]});
    expect(mismatchChoices([])).toEqual({runs: [], levels: []});
  });

  it("filters by run, level and kind (a CSV's 'true' counts as a label mismatch), keeping SQL's rank order", () => {
    expect(filterMismatches(rows, {run: "2gpu", level: "consensus"}).map((d: {id: string}) => d.id)).toEqual(["s3_chunk_1", "s2_chunk_1"]);
    expect(filterMismatches(rows, {kind: "label differs"}).map((d: {id: string}) => d.id)).toEqual(["s1_chunk_1F1", "s3_chunk_1"]);
    expect(filterMismatches(rows, {run: "1gpu", kind: "score only"})).toEqual([]);
    expect(filterMismatches(rows, {run: null, level: null, kind: null})).toHaveLength(4);
  });

  it("counts the rows per run, level and kind", () => {
    expect(groupMismatches(rows)).toEqual([
      {run: "1gpu", level: "per_frame", kind: "label differs", rows: 1},
      {run: "2gpu", level: "consensus", kind: "label differs", rows: 1},
      {run: "2gpu", level: "consensus", kind: "score only", rows: 1},
      {run: "2gpu", level: "per_frame", kind: "score only", rows: 1}
    ]);
    expect(groupMismatches([])).toEqual([]);
    // a study without mismatching rows (csv and hyperfine examples): the table is empty, the page does not fail
    expect(filterMismatches([], {run: null, level: null, kind: null})).toEqual([]);
    expect(mismatchChoices([])).toEqual({runs: [], levels: []});
  });

  it("the page imports arquero's table modules explicitly from node_modules (no CDN, nothing from Node)", () => {
    const component = readFileSync(path.join(REPO, "src/components/mismatches.js"), "utf8");
    // from node_modules, never a CDN; and not the package entry, whose file loaders import node:fs
    expect(component).toMatch(/from "arquero\/src\/table\/index\.js";/);
    const imports = component.split("\n").filter((l) => l.startsWith("import "));
    expect(imports.join("\n")).not.toMatch(/from "arquero";|node:|npm:|https?:/);
    expect(readFileSync(path.join(REPO, "src/correctness.md"), "utf8")).toContain('from "./components/mismatches.js"');
  });
});
