/**
 * buildSite on the example study: the built site is complete, self-contained (no external host), shows
 * the same figures as the report, and a rebuild after the data changed never shows the old numbers.
 */
import {copyFile, mkdtemp, readdir, readFile, rm, writeFile} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openDatabase, queryRows} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {storeAllViewResults} from "../../../engine/metrics/views.ts";
import type {Report} from "../../../engine/report/types.ts";
import {buildSite, SITE_ROOT} from "../../../engine/site/build.ts";
import {loadStudy} from "../../../engine/study.ts";

const STUDY = fileURLToPath(new URL("../../../data/example/study.yaml", import.meta.url));
const PAGES = ["index.html", "timing.html", "correctness.html", "gpu.html", "runs.html"];
/** XML namespace URIs are identifiers inside SVG/DOM code, never fetched */
const NAMESPACE = /^http:\/\/www\.w3\.org\//;

let tmp: string;
let dbFile: string;
let site: string;
let report: Report;

async function reportOf(file: string): Promise<Report> {
  const {buildReport} = await import("../../../engine/report/report.ts");
  const study = await loadStudy(STUDY);
  const db = await openDatabase(file, {readOnly: true});
  try {
    return await buildReport(db.connection, {criteria: study.criteria});
  } finally {
    db.close();
  }
}

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, {recursive: true, withFileTypes: true})).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function dataFile(dir: string, name: string): Promise<unknown> {
  const match = (await files(path.join(dir, "_file", "data"))).find((f) => path.basename(f).startsWith(`${name}.`) && f.endsWith(".json"));
  if (!match) throw new Error(`no ${name}.json in ${dir}`);
  return JSON.parse(await readFile(match, "utf8"));
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "bb-site-"));
  ({dbFile} = await ingestStudy(STUDY, {dbFile: path.join(tmp, "example.duckdb")}));
  report = await reportOf(dbFile);
  site = path.join(tmp, "out", "site");
  await buildSite({dbFile, studyFile: STUDY, outDir: site});
}, 240_000);

afterAll(async () => {
  if (tmp) await rm(tmp, {recursive: true, force: true});
});

describe("buildSite", () => {
  it("writes every page and no staging folder", async () => {
    const names = await readdir(site);
    for (const page of PAGES) expect(names).toContain(page);
    expect(await readdir(path.dirname(site))).toEqual(["site"]);
  });

  it("references no external host in any built file", async () => {
    const offenders: string[] = [];
    for (const file of await files(site)) {
      const text = await readFile(file, "utf8");
      for (const url of text.match(/https?:\/\/[^\s"'`)<>]+/g) ?? []) if (!NAMESPACE.test(url)) offenders.push(`${path.relative(site, file)}: ${url}`);
    }
    expect(offenders).toEqual([]);
  });

  it("uses relative URLs only, so the site works under any sub-path", async () => {
    for (const page of PAGES) {
      const html = await readFile(path.join(site, page), "utf8");
      expect(html).not.toMatch(/(?:src|href)="\/(?!\/)/);
      expect(html).not.toMatch(/import\("\/(?!\/)/);
    }
  });

  it("ships the report's figures: criteria and scaling identical to the report", async () => {
    const overview = (await dataFile(site, "overview")) as {criteria: Report["criteria"]; summary: Report["summary"]};
    expect(overview.criteria).toEqual(report.criteria);
    expect(overview.summary).toEqual(report.summary);
    const timing = (await dataFile(site, "timing")) as {scaling: Array<Report["scaling"][number]>};
    expect(timing.scaling.map(({from, to, speedup, efficiency, amdahl, what_if}) => ({from, to, speedup, efficiency, amdahl, what_if}))).toEqual(
      report.scaling.map(({from, to, speedup, efficiency, amdahl, what_if}) => ({from, to, speedup, efficiency, amdahl, what_if}))
    );
  });

  it("keeps the data a page loads small: mismatch detail is capped, the full list is a separate file", async () => {
    const correctness = (await dataFile(site, "correctness")) as {mismatch_limit: number; mismatches: unknown[]; correctness: Array<{mismatches_total: number}>};
    const total = correctness.correctness.reduce((s, c) => s + c.mismatches_total, 0);
    expect(correctness.mismatches.length).toBeLessThanOrEqual(correctness.mismatch_limit * correctness.correctness.length);
    const parquet = (await files(path.join(site, "_file", "data"))).find((f) => f.endsWith(".parquet"));
    expect(parquet).toBeDefined();
    // every mismatching row of every run and level is in the download
    const db = await openDatabase(":memory:");
    try {
      const rows = await queryRows<{n: number; runs: number}>(db.connection, `SELECT count(*)::INTEGER AS n, count(DISTINCT run || level)::INTEGER AS runs FROM read_parquet('${parquet!.replaceAll("'", "''")}')`);
      expect(rows).toEqual([{n: total, runs: correctness.correctness.filter((c) => c.mismatches_total > 0).length}]);
    } finally {
      db.close();
    }
  });

  it("a rebuild after the database changed shows the new numbers, not the cached ones, also while another build runs", async () => {
    const changed = path.join(tmp, "changed.duckdb");
    await copyFile(dbFile, changed);
    const db = await openDatabase(changed);
    try {
      await db.connection.run("UPDATE runs SET total_seconds = total_seconds + 1000, total_hms = NULL WHERE role = 'run'");
      await storeAllViewResults(db.connection); // as ingest ends: the views' rows stored from the tables
      await db.connection.run("CHECKPOINT");
    } finally {
      db.close();
    }
    const expected = await reportOf(changed);
    const srcBefore = await files(SITE_ROOT);
    // builds work in private copies of the pages: two at once must not see each other's data
    const other = path.join(tmp, "other");
    await Promise.all([buildSite({dbFile: changed, studyFile: STUDY, outDir: site}), buildSite({dbFile, studyFile: STUDY, outDir: other})]);
    const timing = (await dataFile(site, "timing")) as {runs: Array<{id: string; total_seconds: number | null}>};
    expect(timing.runs.map((r) => [r.id, r.total_seconds])).toEqual(expected.runs.map((r) => [r.id, r.total_seconds]));
    expect(timing.runs.map((r) => r.total_seconds)).not.toEqual(report.runs.map((r) => r.total_seconds));
    const otherTiming = (await dataFile(other, "timing")) as {runs: Array<{id: string; total_seconds: number | null}>};
    expect(otherTiming.runs.map((r) => r.total_seconds)).toEqual(report.runs.map((r) => r.total_seconds));
    // nothing written into the checkout's pages (the shared npm bundle cache aside)
    expect((await files(SITE_ROOT)).filter((f) => !f.includes(`${path.sep}_node${path.sep}`))).toEqual(srcBefore.filter((f) => !f.includes(`${path.sep}_node${path.sep}`)));
    await rm(other, {recursive: true, force: true});
  }, 120_000);

  it("fails with a clear error and leaves the previous site in place when the input is bad", async () => {
    const before = await readdir(site);
    const notADatabase = path.join(tmp, "broken.duckdb");
    await writeFile(notADatabase, "not a database");
    await expect(buildSite({dbFile: notADatabase, studyFile: STUDY, outDir: site})).rejects.toThrow();
    await expect(buildSite({dbFile: path.join(tmp, "missing.duckdb"), studyFile: STUDY, outDir: site})).rejects.toThrow(/missing\.duckdb: not found/);
    expect(await readdir(site)).toEqual(before);
    expect(await readdir(path.dirname(site))).toEqual(["site"]);
  });
});
