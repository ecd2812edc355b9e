/**
 * A hand-edited manifest of an archived release must not pass as "unchanged": the archive recomputes the
 * stored manifest's content hash instead of trusting the stored value. The site builder is replaced by a
 * one-page stub (the real Framework build is covered by archive.test.ts), so this runs in seconds.
 */
import {mkdir, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {buildArchive} from "../../../engine/archive/build.ts";
import {ArchiveError} from "../../../engine/archive/fs.ts";
import type {Manifest} from "../../../engine/archive/manifest.ts";
import type {BuildSiteOptions} from "../../../engine/site/build.ts";
import {copyExample, snapshot, V20} from "./helpers.ts";

let tmp: string;
let dbDir: string;

const stubSite = async (options: BuildSiteOptions) => {
  await mkdir(options.outDir, {recursive: true});
  await writeFile(path.join(options.outDir, "index.html"), "<html><body><main id=\"observablehq-main\"><h1>stub</h1></main></body></html>");
};

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "bb-tamper-"));
  dbDir = path.join(tmp, "db");
});

afterAll(async () => {
  if (tmp) await rm(tmp, {recursive: true, force: true});
});

async function archived(name: string): Promise<{archive: string; manifestFile: string}> {
  const archive = path.join(tmp, name);
  const [outcome] = await buildArchive([V20], {archive, dbDir, siteBuilder: stubSite});
  expect(outcome!.action).toBe("archived");
  return {archive, manifestFile: path.join(archive, "releases", "v2.0", "data", "manifest.json")};
}

async function editManifest(file: string, edit: (m: Manifest) => void): Promise<void> {
  const manifest = JSON.parse(await readFile(file, "utf8")) as Manifest;
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
}

describe("a tampered manifest in the archive", () => {
  it("the untouched archive is unchanged on a rebuild (the control)", async () => {
    const {archive} = await archived("control");
    const [again] = await buildArchive([V20], {archive, dbDir, siteBuilder: stubSite});
    expect(again!.action).toBe("unchanged");
  }, 120_000);

  it("the same study copied elsewhere is unchanged too: the manifest holds no path of the checkout", async () => {
    const {archive} = await archived("moved");
    const copy = await copyExample(path.join(tmp, "moved-study"), (text) => text);
    const [again] = await buildArchive([copy], {archive, dbDir: path.join(tmp, "db-moved"), siteBuilder: stubSite});
    expect(again!.action).toBe("unchanged");
  }, 120_000);

  it("a study whose content changed (its title) is refused, though the archived manifest is intact", async () => {
    const {archive} = await archived("changed");
    const copy = await copyExample(path.join(tmp, "changed-study"), (text) => text.replace(/^title: .*$/m, "title: retitled"));
    await expect(buildArchive([copy], {archive, dbDir: path.join(tmp, "db-changed"), siteBuilder: stubSite})).rejects.toThrow(/already archived .* with different content/);
  }, 120_000);

  it("an input's stored sha256 edited by hand (content hash left as it was): refused as different content, archive untouched", async () => {
    const {archive, manifestFile} = await archived("input-hash");
    await editManifest(manifestFile, (m) => {
      const input = m.inputs.find((i) => i.kind === "console_log")!;
      input.sha256 = "0".repeat(64);
    });
    const before = await snapshot(archive);
    const error = await buildArchive([V20], {archive, dbDir, siteBuilder: stubSite}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    // verification (benchbook verify's check) refuses it before any comparison of inputs, naming the file
    expect((error as Error).message).toContain("release 'v2.0' fails verification");
    expect((error as Error).message).toContain("releases/v2.0/data/manifest.json: was edited after the build");
    expect(await snapshot(archive)).toEqual(before);
  }, 120_000);

  it("a criterion's stored status turned into a pass: refused too", async () => {
    const {archive, manifestFile} = await archived("criterion");
    await editManifest(manifestFile, (m) => {
      const c = m.criteria.find((x) => x.status === "fail")!;
      c.status = "pass";
      m.summary = {...m.summary, met: m.summary.met + 1};
    });
    await expect(buildArchive([V20], {archive, dbDir, siteBuilder: stubSite})).rejects.toThrow(/fails verification[^]*manifest\.json: was edited after the build/);
  }, 120_000);

  it("with --force the tampered build is kept aside and the release rebuilt with the true hashes", async () => {
    const {archive, manifestFile} = await archived("forced");
    const original = JSON.parse(await readFile(manifestFile, "utf8")) as Manifest;
    await editManifest(manifestFile, (m) => void (m.inputs[0]!.bytes = 1));
    const [outcome] = await buildArchive([V20], {archive, dbDir, siteBuilder: stubSite, force: true});
    expect(outcome!.action).toBe("replaced");
    const rebuilt = JSON.parse(await readFile(manifestFile, "utf8")) as Manifest;
    expect(rebuilt.inputs).toEqual(original.inputs);
    expect(rebuilt.content_sha256).toBe(original.content_sha256);
    expect(JSON.parse(await readFile(path.join(outcome!.replacedDir!, "data", "manifest.json"), "utf8")).inputs[0].bytes).toBe(1);
  }, 120_000);
});
