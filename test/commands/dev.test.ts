/**
 * `benchbook dev` on study B after study A must serve B's data: Framework's loader cache (keyed by the
 * loader, not the database) is cleared before the preview starts; bundled npm modules stay.
 */
import {mkdir, readdir, readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {devCommand} from "../../commands/dev.ts";
import {browserFormat} from "../../engine/site/browser-format.ts";
import {useTmp} from "../helpers/tmp.ts";
import {RC1, V20} from "../engine/archive/helpers.ts";

const tmp = useTmp();

describe("benchbook dev", () => {
  it("clears the loader output an earlier preview of another study left, and previews this study's database", async () => {
    const dir = await tmp();
    const cache = path.join(dir, "src", ".observablehq", "cache");
    const launched: Array<Record<string, string>> = [];
    const deps = {siteRoot: path.join(dir, "src"), launch: async (env: Record<string, string>) => void launched.push(env)};
    await devCommand([RC1, "--db", path.join(dir, "a.duckdb")], undefined, deps);
    // what Framework cached while previewing study A
    await mkdir(path.join(cache, "data"), {recursive: true});
    await writeFile(path.join(cache, "data", "overview.json"), '{"release":"v2.0-rc1"}');
    await mkdir(path.join(cache, "_node", "d3@7"), {recursive: true});
    await devCommand([V20, "--db", path.join(dir, "b.duckdb")], undefined, deps);
    expect(await readdir(cache)).toEqual(["_node"]);
    expect(launched.map((e) => path.basename(e.BENCHBOOK_DB!))).toEqual(["a.duckdb", "b.duckdb"]);
    expect(launched[1]!.BENCHBOOK_STUDY).toBe(V20);
    // the pages' formatter is written from engine/render/format.ts, not kept by hand in src/
    expect(await readFile(path.join(dir, "src", "components", "format.js"), "utf8")).toBe(await browserFormat());
  }, 60_000);
});
