import {mkdir, readdir, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {clearLoaderCache} from "../../../engine/site/build.ts";
import {useTmp} from "../../helpers/tmp.ts";

const tmp = useTmp();

describe("clearLoaderCache (what `benchbook dev` runs before a preview)", () => {
  it("removes cached loader output and keeps the version-keyed npm bundles", async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, "data"), {recursive: true});
    await mkdir(path.join(dir, "_node", "d3@7.9.0"), {recursive: true});
    await writeFile(path.join(dir, "data", "overview.json"), "{}");
    await writeFile(path.join(dir, "_node", "d3@7.9.0", "index.js"), "");
    await clearLoaderCache(dir);
    expect(await readdir(dir)).toEqual(["_node"]);
    expect(await readdir(path.join(dir, "_node", "d3@7.9.0"))).toEqual(["index.js"]);
  });

  it("accepts a cache that does not exist yet", async () => {
    await expect(clearLoaderCache(path.join(await tmp(), "none"))).resolves.toBeUndefined();
  });
});
