/**
 * The release archive end to end, without a browser: two example releases archived, a second fresh
 * archive of v2.0 for the byte-identical rule, sign-off, a refused and a forced rebuild with hostile
 * strings, and every refusal (symlinks, bad names, failed builds) leaving the archive as it was.
 * Site builds are slow (~15 s each), so four are shared by the whole file.
 */
import {createHash} from "node:crypto";
import {cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {buildArchive, type BuildOutcome} from "../../../engine/archive/build.ts";
import {runVerb} from "../../../commands/cli.ts";
import {exportRelease} from "../../../engine/archive/export.ts";
import {ArchiveError} from "../../../engine/archive/fs.ts";
import type {Manifest} from "../../../engine/archive/manifest.ts";
import {InputError} from "../../../engine/errors.ts";
import {NA} from "../../../engine/render/format.ts";
import type {Report} from "../../../engine/report/types.ts";
import {captureIo, copyExample, HOSTILE_CRITERION, HOSTILE_LABEL, HOSTILE_TITLE, hostileEdit, htmlFiles, RC1, ROOT, snapshot, V20} from "./helpers.ts";

const DATA_FILES = ["report.json", "criteria.json", "study.yaml"];

let tmp: string;
let dbDir: string;
let archiveA: string;
let archiveB: string;
let hostileStudy: string;
let first: BuildOutcome[];

const read = (file: string) => readFile(file, "utf8");
const json = async <T>(file: string) => JSON.parse(await read(file)) as T;
const rel = (archive: string, ...parts: string[]) => path.join(archive, ...parts);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "bb-archive-"));
  dbDir = path.join(tmp, "db");
  archiveA = path.join(tmp, "a");
  archiveB = path.join(tmp, "b");
  first = await buildArchive([RC1, V20], {archive: archiveA, dbDir});
  await buildArchive([V20], {archive: archiveB, dbDir});
  hostileStudy = await copyExample(path.join(tmp, "hostile"), hostileEdit);
}, 400_000);

afterAll(async () => {
  if (tmp) await rm(tmp, {recursive: true, force: true});
});

describe("archiving two releases", () => {
  it("puts each release's site and data in releases/<release>/ and leaves no working folder", async () => {
    expect(first.map((o) => [o.release, o.action])).toEqual([
      ["v2.0-rc1", "archived"],
      ["v2.0", "archived"]
    ]);
    for (const release of ["v2.0", "v2.0-rc1"]) {
      const dir = rel(archiveA, "releases", release);
      expect(await htmlFiles(dir)).toEqual(expect.arrayContaining(["index.html", "timing.html", "correctness.html", "gpu.html", "runs.html"]));
      for (const name of [...DATA_FILES, "manifest.json"]) expect((await read(path.join(dir, "data", name))).length).toBeGreaterThan(0);
    }
    expect(Object.keys(await snapshot(archiveA)).filter((k) => /\.staging|\.lock|\.building-|\.tmp-/.test(k))).toEqual([]);
  });

  it("archives the study file verbatim and the report with paths relative to the study folder", async () => {
    const dir = rel(archiveA, "releases", "v2.0", "data");
    expect(await read(path.join(dir, "study.yaml"))).toBe(await read(V20));
    for (const name of ["report.json", "criteria.json", "manifest.json"]) {
      const text = await read(path.join(dir, name));
      expect(text, `${name} names the checkout`).not.toContain(ROOT);
      expect(text, `${name} names the temp folder`).not.toContain(tmp);
    }
    const report = await json<Report>(path.join(dir, "report.json"));
    expect(report.release).toBe("v2.0");
    expect(report.runs.flatMap((r) => r.artifacts.map((a) => a.path))).toContain("runs/1gpu/console.log");
  });

  it("writes a provenance manifest with every input's sha256 and bytes, the tool versions and the criteria", async () => {
    const manifest = await json<Manifest>(rel(archiveA, "releases", "v2.0", "data", "manifest.json"));
    const report = await json<Report>(rel(archiveA, "releases", "v2.0", "data", "report.json"));
    expect(manifest.study_file).toBe("study.yaml");
    expect(manifest.tools.node).toBe(process.version);
    expect(manifest.tools.duckdb).toMatch(/^v\d+\.\d+/);
    expect(manifest.tools.benchbook).toBe(JSON.parse(await read(path.join(ROOT, "package.json"))).version);
    expect(manifest.build_time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(manifest.content_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.criteria.map((c) => [c.id, c.status])).toEqual(report.criteria.map((c) => [c.id, c.status]));
    expect(manifest.summary).toEqual(report.summary);
    const kinds = new Set(manifest.inputs.map((i) => i.kind));
    for (const kind of ["study", "console_log", "worker_log", "predictions_consensus"]) expect(kinds).toContain(kind);
    for (const input of manifest.inputs) {
      expect(path.isAbsolute(input.path), input.path).toBe(false);
      expect(input.sha256, input.path).toMatch(/^[0-9a-f]{64}$/);
    }
    // the recorded hashes are the files' hashes, not something else
    for (const input of manifest.inputs.filter((_, i) => i % 7 === 0)) {
      const bytes = await readFile(path.join(path.dirname(V20), input.path));
      expect(input.bytes).toBe(bytes.length);
      expect(input.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
    for (const name of DATA_FILES) {
      const bytes = await readFile(rel(archiveA, "releases", "v2.0", "data", name));
      expect(manifest.outputs[`data/${name}`]).toEqual({bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex")});
    }
  });

  it("lists both releases in versions.json, newest by study date as latest, with a redirect in latest/", async () => {
    const versions = await json<{latest: string; releases: Array<{release: string; date: string; path: string; signoff: {state: string}}>; replaced: unknown[]}>(rel(archiveA, "versions.json"));
    expect(versions.releases.map((r) => [r.release, r.date, r.path])).toEqual([
      ["v2.0-rc1", "2026-02-02", "releases/v2.0-rc1/"],
      ["v2.0", "2026-02-09", "releases/v2.0/"]
    ]);
    expect(versions.latest).toBe("v2.0");
    expect(versions.replaced).toEqual([]);
    const latest = await read(rel(archiveA, "latest", "index.html"));
    expect(latest).toContain(`url=../releases/v2.0/index.html`);
  });

  it("shows every release's headline figures, status and sign-off on index.html, from the archived reports", async () => {
    const index = await read(rel(archiveA, "index.html"));
    for (const release of ["v2.0", "v2.0-rc1"]) {
      const report = await json<Report>(rel(archiveA, "releases", release, "data", "report.json"));
      const row = new RegExp(`<tr data-release="${release.replaceAll(".", "\\.")}"[\\s\\S]*?</tr>`).exec(index)?.[0] ?? "";
      expect(row, `row of ${release}`).toContain(`data-overall="${report.summary.overall}"`);
      expect(row).toContain(`${report.summary.met} of ${report.summary.total} criteria met`);
      for (const run of report.runs) expect(row).toContain(`${run.total_seconds!.toFixed(1)} s`);
      expect(row).toContain(`${report.scaling[0]!.speedup!.toFixed(2)}x`);
      expect(row).toContain(`${report.baseline!.speedup!.toFixed(2)}x`);
      for (const c of report.correctness.filter((c) => c.level === "consensus")) expect(row).toContain(`${(c.label_agreement! * 100).toFixed(2)} %`);
      expect(row).toContain(`data-signoff="none"`);
      expect(row).toContain("Not signed off");
      expect(row).toContain(`href="releases/${release}/index.html"`);
    }
    expect(index.indexOf('data-release="v2.0"')).toBeLessThan(index.indexOf('data-release="v2.0-rc1"'));
  });

  it("draws trend.html from both releases, oldest first, as static SVG with a mark per value", async () => {
    const trend = await read(rel(archiveA, "trend.html"));
    expect(trend).not.toMatch(/<script/i);
    expect(trend).not.toMatch(/(?:src|href)="https?:/i);
    const titles = [...trend.matchAll(/<figure class="chart" data-chart="([^"]*)"/g)].map((m) => m[1]);
    expect(titles).toEqual(expect.arrayContaining(["Total wall time per run", "Multi-GPU scaling (speedup)", "Speedup over the baseline", "Consensus label agreement", "ESM-2 Feature Extraction"]));
    const total = /data-chart="Total wall time per run"[\s\S]*?<\/figure>/.exec(trend)![0];
    const marks = [...total.matchAll(/<circle class="bb-mark"[^>]*data-release="([^"]*)" data-value="([^"]*)"/g)].map((m) => [m[1], Number(m[2])]);
    const rc1 = await json<Report>(rel(archiveA, "releases", "v2.0-rc1", "data", "report.json"));
    const v20 = await json<Report>(rel(archiveA, "releases", "v2.0", "data", "report.json"));
    expect(marks).toEqual(expect.arrayContaining([...rc1.runs.map((r) => ["v2.0-rc1", r.total_seconds]), ...v20.runs.map((r) => ["v2.0", r.total_seconds])]));
    expect(marks).toHaveLength(rc1.runs.length + v20.runs.length);
    expect(total.indexOf(">v2.0-rc1<")).toBeLessThan(total.indexOf(">v2.0<"));
  });

  it("marks every page of a release as not signed off", async () => {
    const dir = rel(archiveA, "releases", "v2.0");
    for (const name of await htmlFiles(dir)) {
      const html = await read(path.join(dir, name));
      expect(html, name).toMatch(/<main[^>]*><!-- benchbook:signoff --><div class="bb-signoff bb-signoff--none" data-signoff="none"/);
      expect(html.split("<!-- benchbook:signoff -->")).toHaveLength(2);
    }
  });
});

describe("rebuilding the same inputs into a fresh archive", () => {
  it("gives byte-identical release data, and a manifest that differs only in build time", async () => {
    for (const name of DATA_FILES) {
      expect(await read(rel(archiveB, "releases", "v2.0", "data", name)), name).toBe(await read(rel(archiveA, "releases", "v2.0", "data", name)));
    }
    const a = await json<Manifest>(rel(archiveA, "releases", "v2.0", "data", "manifest.json"));
    const b = await json<Manifest>(rel(archiveB, "releases", "v2.0", "data", "manifest.json"));
    expect(b.build_time).not.toBe(a.build_time);
    expect({...b, build_time: null}).toEqual({...a, build_time: null});
  });

  it("gives the same site files; the pages differ only in the lastModified times Framework writes", async () => {
    const a = await snapshot(rel(archiveA, "releases", "v2.0"));
    const b = await snapshot(rel(archiveB, "releases", "v2.0"));
    expect(Object.keys(b)).toEqual(Object.keys(a));
    const differing = Object.keys(a).filter((k) => a[k] !== b[k]);
    // everything outside the pages (scripts, styles, data attachments) is byte-identical
    expect(differing.filter((k) => !k.endsWith(".html") && k !== "data/manifest.json")).toEqual([]);
    const mask = (html: string) => html.replace(/"lastModified":\d+/g, '"lastModified":0');
    for (const page of differing.filter((k) => k.endsWith(".html"))) {
      expect(mask(await read(rel(archiveB, "releases", "v2.0", page))), page).toBe(mask(await read(rel(archiveA, "releases", "v2.0", page))));
    }
  });
});

describe("building a release that is already archived", () => {
  it("with the same inputs: says it is unchanged, exits 0 and touches nothing", async () => {
    const before = await snapshot(archiveA);
    const outcomes = await buildArchive([V20], {archive: archiveA, dbDir});
    expect(outcomes.map((o) => o.action)).toEqual(["unchanged"]);
    const io = captureIo();
    // the CLI keeps its database beside the study: build a copy of the study, so the checkout stays clean
    const copy = await copyExample(path.join(tmp, "same-inputs"), (text) => text);
    expect(await runVerb("build", [copy, "--archive", archiveA], io)).toBe(0);
    expect(io.stdout).toContain("v2.0 already archived, unchanged");
    expect(await snapshot(archiveA)).toEqual(before);
  }, 120_000);

  it("with different inputs: refuses with exit 1, naming the release and --force, and changes nothing", async () => {
    const before = await snapshot(archiveA);
    const io = captureIo();
    expect(await runVerb("build", [hostileStudy, "--archive", archiveA], io)).toBe(1);
    expect(io.stderr).toContain("release v2.0 is already archived");
    expect(io.stderr).toContain("--force");
    expect(await snapshot(archiveA)).toEqual(before);
  }, 120_000);
});

describe("a failed build leaves the archive exactly as it was", () => {
  it("when the site build fails after writing part of its output", async () => {
    const before = await snapshot(archiveA);
    let outDir = "";
    const failing = async (options: {outDir: string}) => {
      outDir = options.outDir;
      await mkdir(outDir, {recursive: true});
      await writeFile(path.join(outDir, "index.html"), "<p>half a site</p>");
      throw new Error("observable build failed (simulated)");
    };
    await expect(buildArchive([hostileStudy], {archive: archiveA, dbDir: path.join(tmp, "db-hostile"), force: true, siteBuilder: failing})).rejects.toThrow("simulated");
    expect(outDir.startsWith(archiveA)).toBe(true);
    expect(await snapshot(archiveA)).toEqual(before);
  }, 120_000);

  it("when a study cannot be reported (a criterion with an unknown metric), naming the study file", async () => {
    const study = await copyExample(path.join(tmp, "bad-metric"), (t) => `${t}criteria:\n  - {id: bogus, label: Bogus, metric: no.such_metric, comparison: ">", target: 1}\n`);
    const before = await snapshot(archiveA);
    const error = await buildArchive([study], {archive: archiveA, dbDir: path.join(tmp, "db-bad"), force: true}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(study);
    expect((error as Error).message).toContain("no.such_metric");
    expect(await snapshot(archiveA)).toEqual(before);
  }, 120_000);
});

describe("symlinks and release names", () => {
  it("refuses an archive whose releases/ is a symlink, and writes nothing through it", async () => {
    const archive = path.join(tmp, "linked");
    const elsewhere = path.join(tmp, "elsewhere");
    await mkdir(elsewhere, {recursive: true});
    await mkdir(archive, {recursive: true});
    await symlink(elsewhere, path.join(archive, "releases"));
    const error = await buildArchive([V20], {archive, dbDir}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as Error).message).toContain(path.join(archive, "releases"));
    expect((error as Error).message).toContain("symlink");
    expect(await snapshot(elsewhere)).toEqual({"./": "dir"});
  });

  it("refuses a release folder or sign-off folder that is a symlink", async () => {
    const archive = path.join(tmp, "linked-release");
    const elsewhere = path.join(tmp, "elsewhere-release");
    await mkdir(path.join(elsewhere, "data"), {recursive: true});
    await writeFile(path.join(elsewhere, "data", "manifest.json"), await read(rel(archiveA, "releases", "v2.0", "data", "manifest.json")));
    await mkdir(path.join(archive, "releases"), {recursive: true});
    await symlink(elsewhere, path.join(archive, "releases", "v2.0"));
    const before = await snapshot(elsewhere);
    await expect(buildArchive([V20], {archive, dbDir})).rejects.toThrow(/releases\/v2\.0 is a symlink/);
    const io = captureIo();
    expect(await runVerb("approve", ["v2.0", "--by", "Mallory", "--archive", archive], io)).toBe(1);
    expect(io.stderr).toContain("symlink");
    expect(await snapshot(elsewhere)).toEqual(before);

    const signoffs = path.join(tmp, "linked-signoffs");
    await mkdir(path.join(tmp, "elsewhere-signoffs"), {recursive: true});
    await mkdir(signoffs, {recursive: true});
    await symlink(path.join(tmp, "elsewhere-signoffs"), path.join(signoffs, "signoffs"));
    // an archive copy of v2.0 is enough to reach the sign-off write
    await mkdir(path.join(signoffs, "releases", "v2.0", "data"), {recursive: true});
    await writeFile(path.join(signoffs, "releases", "v2.0", "data", "manifest.json"), await read(rel(archiveA, "releases", "v2.0", "data", "manifest.json")));
    expect(await runVerb("approve", ["v2.0", "--by", "Mallory", "--archive", signoffs], captureIo())).toBe(1);
    expect(await snapshot(path.join(tmp, "elsewhere-signoffs"))).toEqual({"./": "dir"});
  });

  it("refuses a symlinked index.html before doing any work, so no release is archived by a failing command", async () => {
    const archive = path.join(tmp, "linked-index");
    await cp(archiveB, archive, {recursive: true});
    const outside = path.join(tmp, "outside-index.html");
    await writeFile(outside, "not the archive's");
    await rm(path.join(archive, "index.html"));
    await symlink(outside, path.join(archive, "index.html"));
    const before = await snapshot(archive);
    await expect(buildArchive([RC1], {archive, dbDir})).rejects.toThrow(/index\.html is a symlink/);
    expect(await runVerb("approve", ["v2.0", "--by", "Mallory", "--archive", archive], captureIo())).toBe(1);
    expect(await snapshot(archive)).toEqual(before);
    expect(await read(outside)).toBe("not the archive's");
  });

  it("refuses release names that could address another folder, from a study or the command line", async () => {
    for (const name of ["..", "."]) {
      const study = await copyExample(path.join(tmp, `name-${name.length}`), (t) => t.replace(/^release: .*$/m, `release: "${name}"`));
      const error = await buildArchive([study], {archive: path.join(tmp, "names"), dbDir}).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(InputError);
      expect((error as Error).message).toContain(study);
    }
    for (const name of ["..", ".", "a/b", "a\\b", "v2\u0000", "v2\n", "", ".hidden"]) {
      await expect(runVerb("approve", [name, "--by", "X", "--archive", archiveA], captureIo()), JSON.stringify(name)).rejects.toBeInstanceOf(InputError);
      await expect(runVerb("export", [name, "--single-file", "--archive", archiveA], captureIo()), JSON.stringify(name)).rejects.toBeInstanceOf(InputError);
    }
  });
});

describe("sign-off", () => {
  it("approve and reject record the decision with the manifest hash; the latest decision counts", async () => {
    const manifest = await json<Manifest>(rel(archiveA, "releases", "v2.0-rc1", "data", "manifest.json"));
    const io = captureIo();
    expect(await runVerb("reject", ["v2.0-rc1", "--by", "Grace", "--note", "scaling below target", "--archive", archiveA], io)).toBe(0);
    expect(io.stdout).toContain("v2.0-rc1: Rejected by Grace on");
    expect(await runVerb("approve", ["v2.0-rc1", "--by", "Ada <QA>", "--note", "accepted as <b>rc</b> & known gaps", "--archive", archiveA], io)).toBe(0);
    const file = await json<{release: string; history: Array<{decision: string; by: string; note: string | null; content_sha256: string; at: string}>}>(rel(archiveA, "signoffs", "v2.0-rc1.json"));
    expect(file.history.map((h) => [h.decision, h.by, h.content_sha256])).toEqual([
      ["rejected", "Grace", manifest.content_sha256],
      ["approved", "Ada <QA>", manifest.content_sha256]
    ]);
    const dir = rel(archiveA, "releases", "v2.0-rc1");
    for (const name of await htmlFiles(dir)) {
      const html = await read(path.join(dir, name));
      expect(html, name).toContain('data-signoff="approved"');
      expect(html).toContain("Approved by Ada &lt;QA&gt; on ");
      expect(html).toContain("accepted as &lt;b&gt;rc&lt;/b&gt; &amp; known gaps");
      expect(html).not.toContain("<b>rc</b>");
      expect(html.split("<!-- benchbook:signoff -->")).toHaveLength(2);
    }
    const index = await read(rel(archiveA, "index.html"));
    expect(/<tr data-release="v2\.0-rc1"[^>]*data-signoff="approved"/.test(index)).toBe(true);
  });

  it("reject needs a note and approve needs --by; an unknown release names the archive's releases", async () => {
    await expect(runVerb("reject", ["v2.0", "--by", "Grace", "--archive", archiveA], captureIo())).rejects.toThrow(/--note/);
    await expect(runVerb("approve", ["v2.0", "--archive", archiveA], captureIo())).rejects.toThrow(/--by/);
    const error = await runVerb("approve", ["v9", "--by", "Grace", "--archive", archiveA], captureIo()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/v9.*not archived.*v2\.0/s);
  });
});

describe("--force rebuild with changed inputs", () => {
  let outcome: BuildOutcome;
  let oldManifest: Manifest;

  beforeAll(async () => {
    expect(await runVerb("approve", ["v2.0", "--by", "Grace", "--note", "ok", "--archive", archiveA], captureIo())).toBe(0);
    oldManifest = await json<Manifest>(rel(archiveA, "releases", "v2.0", "data", "manifest.json"));
    [outcome] = await buildArchive([hostileStudy], {archive: archiveA, dbDir: path.join(tmp, "db-hostile"), force: true});
  }, 300_000);

  it("archives the new build and keeps the old one, renamed with its build time", async () => {
    expect(outcome!.action).toBe("replaced");
    expect(path.basename(outcome!.replacedDir!)).toMatch(/^v2\.0\.replaced-\d{8}T\d{6}Z$/);
    expect(await json<Manifest>(path.join(outcome!.replacedDir!, "data", "manifest.json"))).toEqual(oldManifest);
    const current = await json<Manifest>(rel(archiveA, "releases", "v2.0", "data", "manifest.json"));
    expect(current.content_sha256).not.toBe(oldManifest.content_sha256);
    expect(current.title).toBe(HOSTILE_TITLE);
  });

  it("lists the replaced build in versions.json and index.html as a replaced build, not a release", async () => {
    const versions = await json<{releases: Array<{release: string}>; replaced: Array<{release: string; path: string; content_sha256: string}>}>(rel(archiveA, "versions.json"));
    expect(versions.releases.map((r) => r.release)).toEqual(["v2.0-rc1", "v2.0"]);
    expect(versions.replaced).toEqual([{release: "v2.0", path: `releases/${path.basename(outcome!.replacedDir!)}/`, build_time: oldManifest.build_time, content_sha256: oldManifest.content_sha256}]);
    const index = await read(rel(archiveA, "index.html"));
    expect(index).toContain(`data-replaced="v2.0"`);
    expect(index.match(/<tr data-release=/g)).toHaveLength(2);
  });

  it("shows the earlier approval as stale on the new pages and the index", async () => {
    const dir = rel(archiveA, "releases", "v2.0");
    for (const name of await htmlFiles(dir)) {
      const html = await read(path.join(dir, name));
      expect(html, name).toContain('data-signoff="stale"');
      expect(html).toContain("Approval STALE: inputs changed since approval by Grace");
    }
    const index = await read(rel(archiveA, "index.html"));
    expect(/<tr data-release="v2\.0"[^>]*data-signoff="stale"/.test(index)).toBe(true);
    const versions = await json<{releases: Array<{release: string; signoff: {state: string; stale: boolean}}>}>(rel(archiveA, "versions.json"));
    expect(versions.releases.find((r) => r.release === "v2.0")!.signoff).toMatchObject({state: "approved", stale: true});
    // a fresh decision on the new content is current again
    expect(await runVerb("approve", ["v2.0", "--by", "Grace", "--archive", archiveA], captureIo())).toBe(0);
    expect(await read(path.join(dir, "index.html"))).toContain('data-signoff="approved"');
    expect(await runVerb("reject", ["v2.0", "--by", "Grace", "--note", "re-check stale inputs", "--archive", archiveA], captureIo())).toBe(0);
  }, 120_000);

  it("escapes the hostile title, run label and criterion label on the archive's pages", async () => {
    for (const page of ["index.html", "trend.html"]) {
      const text = await read(rel(archiveA, page));
      expect(text, page).not.toContain("<script>window.__bbTitle");
      expect(text, page).not.toContain("<img src=x");
    }
    const index = await read(rel(archiveA, "index.html"));
    expect(index).toContain("&lt;script&gt;window.__bbTitle=1&lt;/script&gt; &amp; &quot;quoted&quot; &#39;title&#39;");
    const exported = await exportRelease(archiveA, "v2.0");
    expect(exported).not.toContain(HOSTILE_LABEL);
    expect(exported).not.toContain(HOSTILE_CRITERION);
    expect(exported).not.toContain("<script>window");
    expect(exported).toContain("&lt;img src=x onerror=&quot;window.__bbLabel=1&quot;&gt;");
    expect(exported).toContain("&lt;b onmouseover=&quot;x()&quot;&gt;1-GPU&lt;/b&gt; &lt; 1 h");
  });
});

describe("export --single-file", () => {
  it("writes one HTML file with the scoreboard, headline formulas, warnings and sign-off, and no external reference", async () => {
    const output = path.join(tmp, "rc1.html");
    const io = captureIo();
    expect(await runVerb("export", ["v2.0-rc1", "--single-file", "--output", output, "--archive", archiveA], io)).toBe(0);
    expect(io.stdout).toContain(output);
    const html = await read(output);
    const report = await json<Report>(rel(archiveA, "releases", "v2.0-rc1", "data", "report.json"));
    for (const c of report.criteria) {
      const row = new RegExp(`<tr data-criterion="${c.id}" data-status="${c.status}">[\\s\\S]*?</tr>`).exec(html)?.[0];
      expect(row, c.id).toBeTruthy();
      expect(row).toContain(c.display_value ?? NA);
    }
    const scaling = report.scaling[0]!;
    expect(html).toContain(`${scaling.from_seconds!.toFixed(1)} s / ${scaling.to_seconds!.toFixed(1)} s = ${scaling.speedup!.toFixed(2)}x`);
    for (const w of report.warnings) expect(html).toContain(`<strong>${w.ref}</strong>`);
    expect(html).toContain('data-signoff="approved"');
    expect(html).toContain(`${report.summary.met} of ${report.summary.total} criteria met`);
    // self-contained: no file or host is referenced
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\b(?:src|href)=["']?(?!#)/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "")).not.toMatch(/https?:\/\//);
    // the report is embedded as data, in full
    const embedded = /<script type="application\/json" id="benchbook-report">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(embedded).report).toEqual(report);
  });

  it("requires --single-file", async () => {
    await expect(runVerb("export", ["v2.0", "--archive", archiveA], captureIo())).rejects.toThrow(/--single-file/);
  });
});
