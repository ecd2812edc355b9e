/**
 * Archive integrity without a site build (an injected builder writes two pages): tampered data is
 * refused by every command and never shown as a status, a corrupt manifest is listed as broken, a
 * non-archive folder is not written into, a killed --force rebuild is undone by the next command,
 * banners follow the sign-off file, and concurrent approves are all recorded.
 */
import {execFile} from "node:child_process";
import {cp, mkdir, readFile, readdir, rename, writeFile} from "node:fs/promises";
import path from "node:path";
import {promisify} from "node:util";
import {beforeAll, describe, expect, it} from "vitest";
import {buildArchive, type BuildArchiveOptions} from "../../../engine/archive/build.ts";
import {runVerb} from "../../../commands/cli.ts";
import {verifyCommand} from "../../../commands/verify.ts";
import {ArchiveError} from "../../../engine/archive/fs.ts";
import {writeArchiveRoot} from "../../../engine/archive/root.ts";
import {InputError} from "../../../engine/errors.ts";
import type {Report} from "../../../engine/report/types.ts";
import {useTmp} from "../../helpers/tmp.ts";
import {captureIo, copyExample, RC1, ROOT, snapshot, V20} from "./helpers.ts";

const run = promisify(execFile);
const tmp = useTmp();
let dbDir: string;
let shared: string;

const PAGE = "<html><body><main><h1>release page</h1></main></body></html>";
const fakeSite: BuildArchiveOptions["siteBuilder"] = async ({outDir}) => {
  await mkdir(outDir, {recursive: true});
  await writeFile(path.join(outDir, "index.html"), PAGE);
  await writeFile(path.join(outDir, "timing.html"), PAGE);
};
const read = (file: string) => readFile(file, "utf8");
const json = async <T>(file: string) => JSON.parse(await read(file)) as T;

/** A fresh archive holding v2.0-rc1 and v2.0 (copied from one build shared by the file). */
async function archive(): Promise<string> {
  const dir = path.join(await tmp(), "dist");
  await cp(shared, dir, {recursive: true});
  return dir;
}

beforeAll(async () => {
  const {mkdtemp} = await import("node:fs/promises");
  const os = await import("node:os");
  const base = await mkdtemp(path.join(os.tmpdir(), "bb-integrity-"));
  dbDir = path.join(base, "db");
  shared = path.join(base, "dist");
  await buildArchive([RC1, V20], {archive: shared, dbDir, siteBuilder: fakeSite});
  return async () => {
    const {rm} = await import("node:fs/promises");
    await rm(base, {recursive: true, force: true});
  };
}, 120_000);

describe("one parse, one report per release", () => {
  it("hands the site builder the study and the report the release's data was written from", async () => {
    const calls: Array<Parameters<NonNullable<BuildArchiveOptions["siteBuilder"]>>[0]> = [];
    const dist = path.join(await tmp(), "dist");
    await buildArchive([V20], {archive: dist, dbDir, siteBuilder: async (o) => (calls.push(o), fakeSite(o))});
    expect(calls).toHaveLength(1);
    const [o] = calls;
    const archived = await json<{criteria: Array<{id: string; status: string; value: number | null}>}>(path.join(dist, "releases", "v2.0", "data", "criteria.json"));
    expect(o!.study?.release).toBe("v2.0");
    expect(o!.study?.text).toBe(await read(path.join(dist, "releases", "v2.0", "data", "study.yaml")));
    expect(o!.report?.criteria.map((c) => [c.id, c.status, c.value])).toEqual(archived.criteria.map((c) => [c.id, c.status, c.value]));
  });
});

/** Flip every criterion of the archived v2.0 report to pass, as a hand edit would. */
async function flipToPass(dist: string): Promise<void> {
  const file = path.join(dist, "releases", "v2.0", "data", "report.json");
  const report = await json<Report>(file);
  for (const c of report.criteria) c.status = "pass";
  report.summary = {...report.summary, met: report.criteria.length, overall: "pass"};
  await writeFile(file, JSON.stringify(report));
}

describe("a release edited after its build", () => {
  it("fails verify, naming the file, while an intact archive verifies", async () => {
    const dist = await archive();
    let io = captureIo();
    expect(await verifyCommand(["--archive", dist], io)).toBe(0);
    expect(io.stdout).toMatch(/v2\.0: OK \(3 data files match the manifest/);
    await flipToPass(dist);
    io = captureIo();
    expect(await verifyCommand(["--archive", dist], io)).toBe(1);
    expect(io.stdout).toContain(`v2.0: FAILED\n  ${path.join(dist, "releases", "v2.0", "data", "report.json")}: modified after the build`);
    expect(io.stdout).toContain("v2.0-rc1: OK");
    io = captureIo();
    expect(await verifyCommand(["v2.0-rc1", "--archive", dist], io)).toBe(0);
  });

  it("is refused by build, approve, reject and export, which change nothing", async () => {
    const dist = await archive();
    await flipToPass(dist);
    const before = await snapshot(dist);
    const error = await buildArchive([V20], {archive: dist, dbDir, siteBuilder: fakeSite}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as Error).message).toMatch(/release 'v2\.0' fails verification, refusing to build over it:\n.*data\/report\.json: modified/);
    for (const [command, args] of [
      ["approve", ["v2.0", "--by", "Mallory"]],
      ["reject", ["v2.0", "--by", "Mallory", "--note", "x"]],
      ["export", ["v2.0", "--single-file", "--output", path.join(dist, "..", "out.html")]]
    ] as const) {
      const io = captureIo();
      expect(await runVerb(command, [...args, "--archive", dist], io), command).toBe(1);
      expect(io.stderr, command).toMatch(/fails verification.*\n.*report\.json: modified after the build/);
    }
    expect(await snapshot(dist)).toEqual(before);
  });

  it("is listed as broken, never with a status, in the index and versions.json", async () => {
    const dist = await archive();
    await flipToPass(dist);
    const contents = await writeArchiveRoot(dist);
    expect(contents.broken.map((b) => b.name)).toEqual(["v2.0"]);
    const index = await read(path.join(dist, "index.html"));
    expect(index).toContain('data-broken="v2.0"');
    expect(index).not.toContain('data-release="v2.0"');
    const versions = await json<{releases: Array<{release: string}>; broken: Array<{folder: string; problems: string[]}>; latest: string}>(path.join(dist, "versions.json"));
    expect(versions.releases.map((r) => r.release)).toEqual(["v2.0-rc1"]);
    expect(versions.broken[0]!.folder).toBe("releases/v2.0/");
    expect(versions.latest).toBe("v2.0-rc1");
  });

  it("a rewritten manifest fails on its own content hash", async () => {
    const dist = await archive();
    const file = path.join(dist, "releases", "v2.0", "data", "manifest.json");
    const manifest = await json<{summary: {overall: string}}>(file);
    manifest.summary.overall = "pass";
    await writeFile(file, JSON.stringify(manifest));
    const io = captureIo();
    expect(await verifyCommand(["--archive", dist], io)).toBe(1);
    expect(io.stdout).toContain("data/manifest.json: was edited after the build");
  });

  it("a --force rebuild replaces it and keeps the damaged folder", async () => {
    const dist = await archive();
    await flipToPass(dist);
    const [outcome] = await buildArchive([V20], {archive: dist, dbDir, siteBuilder: fakeSite, force: true});
    expect(outcome!.action).toBe("replaced");
    expect(await verifyCommand(["v2.0", "--archive", dist], captureIo())).toBe(0);
  });
});

describe("a corrupt manifest, a folder that is not an archive", () => {
  it("lists a release with an unreadable manifest as broken and makes build exit non-zero", async () => {
    const dist = await archive();
    await writeFile(path.join(dist, "releases", "v2.0-rc1", "data", "manifest.json"), "{not json");
    const broken: string[] = [];
    await buildArchive([V20], {archive: dist, dbDir, siteBuilder: fakeSite, onBroken: (b) => broken.push(...b.map((x) => x.name))});
    expect(broken).toEqual(["v2.0-rc1"]);
    const versions = await json<{releases: Array<{release: string}>; broken: Array<{folder: string; problems: string[]}>}>(path.join(dist, "versions.json"));
    expect(versions.broken).toEqual([{folder: "releases/v2.0-rc1/", problems: ["releases/v2.0-rc1/data/manifest.json: is not valid JSON"]}]);
    expect(await read(path.join(dist, "index.html"))).toContain('data-broken="v2.0-rc1"');
    const io = captureIo();
    expect(await runVerb("approve", ["v2.0", "--by", "Ada", "--archive", dist], io)).toBe(1);
    expect(io.stdout).toContain("v2.0: Approved by Ada");
    expect(io.stderr).toContain("releases/v2.0-rc1/data/manifest.json: is not valid JSON");
  });

  it("refuses to build into a folder that holds other files, and leaves its index.html alone", async () => {
    const site = await tmp();
    await writeFile(path.join(site, "index.html"), "my own home page");
    await writeFile(path.join(site, "notes.txt"), "x");
    await expect(buildArchive([V20], {archive: site, dbDir, siteBuilder: fakeSite})).rejects.toThrow(/is not a benchbook archive.*refusing to write an index/);
    expect(await readdir(site)).toEqual(["index.html", "notes.txt"]);
    expect(await read(path.join(site, "index.html"))).toBe("my own home page");
  });

  it("refuses a file as the archive, and a 300-character release name, with one input error", async () => {
    await expect(runVerb("approve", ["v2.0", "--by", "A", "--archive", "/dev/null"], captureIo())).rejects.toThrow(InputError);
    await expect(runVerb("approve", ["v2.0", "--by", "A", "--archive", "/dev/null"], captureIo())).rejects.toThrow(/\/dev\/null: is not a folder/);
    await expect(runVerb("approve", ["v".repeat(300), "--by", "A", "--archive", await archive()], captureIo())).rejects.toThrow(/300 characters\) cannot be used as a release folder name \(expected a release name such as v2\.0: at most 100 characters/);
  });
});

describe("kill -9 during a --force rebuild", () => {
  it("the next command puts the old release back, so latest/ never points at a missing folder", async () => {
    const dist = await archive();
    const study = await copyExample(await tmp(), (t) => t.replace(/^title: .*$/m, "title: Rebuilt"));
    const child = await run(process.execPath, ["--import", "tsx", path.join(ROOT, "test", "engine", "archive", "crash-force.ts"), dist, path.join(dbDir, "crash"), study], {cwd: ROOT}).catch((e: {code: number}) => e);
    expect((child as {code: number}).code).toBe(9);
    expect(await readdir(path.join(dist, "releases"))).not.toContain("v2.0"); // the state the crash left
    const io = captureIo();
    expect(await verifyCommand(["--archive", dist], io)).toBe(0);
    expect(io.stderr).toMatch(/releases\/v2\.0 restored from releases\/v2\.0\.replaced-/);
    const latest = await read(path.join(dist, "latest", "index.html"));
    expect(latest).toContain("../releases/v2.0/index.html");
    expect(await readdir(path.join(dist, "releases", "v2.0"))).toContain("index.html");
    expect((await readdir(dist)).filter((n) => n.startsWith(".swap-"))).toEqual([]);
  }, 60_000);
});

describe("sign-off banners", () => {
  it("come from the sign-off file on every command: a reject that died before rewriting the pages is shown", async () => {
    const dist = await archive();
    expect(await runVerb("approve", ["v2.0", "--by", "Ada", "--archive", dist], captureIo())).toBe(0);
    const page = path.join(dist, "releases", "v2.0", "timing.html");
    expect(await read(page)).toContain('data-signoff="approved"');
    // the reject was recorded, then the process died before any page was rewritten
    const file = path.join(dist, "signoffs", "v2.0.json");
    const signoffs = await json<{history: Array<Record<string, unknown>>}>(file);
    signoffs.history.push({...signoffs.history[0], decision: "rejected", by: "Grace", note: "slow", at: "2026-12-01T09:00:00.000Z"});
    await writeFile(file, JSON.stringify(signoffs));
    expect(await read(page)).toContain('data-signoff="approved"');
    expect(await runVerb("approve", ["v2.0-rc1", "--by", "Ada", "--archive", dist], captureIo())).toBe(0);
    for (const name of ["index.html", "timing.html"]) {
      const html = await read(path.join(dist, "releases", "v2.0", name));
      expect(html, name).toContain('data-signoff="rejected"');
      expect(html).not.toContain("Approved by");
    }
  });
});

describe("concurrent sign-offs", () => {
  it("eight approves at once, as separate processes, after a killed command left its lock: all recorded, none fails", async () => {
    const dist = await archive();
    // the lock of a killed command (a bare pid file, as older versions wrote): all eight find it dead at once
    await mkdir(path.join(dist, ".lock"));
    await writeFile(path.join(dist, ".lock", "pid"), String(2 ** 22 + 77));
    const bin = path.join(ROOT, "bin", "benchbook.js");
    const results = await Promise.all(
      Array.from({length: 8}, (_, i) => run(process.execPath, [bin, "approve", "v2.0", "--by", `user${i}`, "--archive", dist], {cwd: ROOT}).then((r) => ({code: 0, ...r}), (e: {code: number; stdout: string; stderr: string}) => e))
    );
    for (const r of results) expect(r.stderr).not.toMatch(/Error|ENOENT/);
    expect(results.map((r) => r.code)).toEqual(Array(8).fill(0));
    const history = (await json<{history: Array<{by: string}>}>(path.join(dist, "signoffs", "v2.0.json"))).history;
    expect(history.map((h) => h.by).sort()).toEqual(Array.from({length: 8}, (_, i) => `user${i}`));
    // the dead lock was moved aside once (kept a while, so no late contender can move a live lock onto its name)
    expect((await readdir(dist)).filter((n) => n.startsWith(".lock"))).toEqual([`.lock.stale-legacy-${2 ** 22 + 77}`]);
  }, 120_000);
});
