/**
 * The npm bundles Framework makes are shared between site builds through src/.observablehq/cache/_node.
 * Builds of one process run side by side (an archive build, the e2e tests), so moving their bundles into
 * the shared cache at once must not trip over each other's partial copies (CI failed on that once:
 * ENOENT unlinking `index.js.tmp-<pid>`), and a partial copy is never taken for a bundle.
 */
import {mkdir, readdir, readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {shareNodeBundles} from "../../../engine/site/build.ts";
import {useTmp} from "../../helpers/tmp.ts";

const tmp = useTmp();

describe("shared npm bundles", () => {
  it("builds of one process move the same bundles in at once", async () => {
    const dir = await tmp();
    const shared = path.join(dir, "shared");
    const roots = await Promise.all(
      Array.from({length: 6}, async (_, i) => {
        const from = path.join(dir, `build${i}`, "_node");
        for (const pkg of ["d3-force@3.0.1", "d3-array@3.2.4"]) {
          await mkdir(path.join(from, pkg), {recursive: true});
          await writeFile(path.join(from, pkg, "index.js"), `export default "${pkg}";\n`.repeat(2000));
        }
        // a partial copy another build left in its root: never shared
        await writeFile(path.join(from, "d3-force@3.0.1", "index.js.tmp-1-x"), "partial");
        return from;
      })
    );
    await Promise.all(roots.map((from) => shareNodeBundles(from, shared)));
    expect((await readdir(shared, {recursive: true})).sort()).toEqual(["d3-array@3.2.4", "d3-array@3.2.4/index.js", "d3-force@3.0.1", "d3-force@3.0.1/index.js"]);
    expect(await readFile(path.join(shared, "d3-force@3.0.1", "index.js"), "utf8")).toBe(`export default "d3-force@3.0.1";\n`.repeat(2000));
  });
});
