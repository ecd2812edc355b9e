/**
 * The report site in a real browser: build the example study's site, serve it under a sub-path on
 * 127.0.0.1 and load every page in Debian's headless Chromium. Screenshots go to test-artifacts/site/.
 */
import {copyFile, mkdir, mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openDatabase} from "../../engine/db/duckdb.ts";
import {ingestStudy} from "../../engine/ingest/ingest.ts";
import type {Report} from "../../engine/report/types.ts";
import {buildSite} from "../../engine/site/build.ts";
import {installViews} from "../../engine/metrics/views.ts";
import {storeCorrectness} from "../../engine/metrics/correctness-store.ts";
import {serveDirectory, type StaticServer} from "../../engine/server/serve.ts";
import {loadStudy} from "../../engine/study.ts";
import {chromiumAvailable, CHROMIUM, openBrowser, type BrowserSession, type PageVisit} from "./browser.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const STUDY = path.join(ROOT, "data", "example", "study.yaml");
const ARTIFACTS = path.join(ROOT, "test-artifacts", "site");
const SUB_PATH = "releases/v2.0/";
const PAGES = [
  {file: "index.html", name: "overview", minCharts: 0},
  {file: "timing.html", name: "timing", minCharts: 3},
  {file: "correctness.html", name: "correctness", minCharts: 4},
  {file: "gpu.html", name: "gpu", minCharts: 4},
  {file: "runs.html", name: "runs", minCharts: 0}
];
const STATUS_WORDS: Record<string, string> = {pass: "PASS", fail: "FAIL", no_data: "NO DATA", invalid: "INVALID", inconclusive: "INCONCLUSIVE"};

if (!chromiumAvailable()) {
  console.warn(`SKIPPED browser test: ${CHROMIUM} not found (install it with \`apt-get install -y chromium\`; .ci/run does)`);
}

async function reportOf(dbFile: string, studyFile: string): Promise<Report> {
  const {buildReport} = await import("../../engine/report/report.ts");
  const study = await loadStudy(studyFile);
  const db = await openDatabase(dbFile, {readOnly: true});
  try {
    return await buildReport(db.connection, {criteria: study.criteria});
  } finally {
    db.close();
  }
}

function expectCleanVisit(visit: PageVisit, minCharts: number) {
  expect(visit.pageErrors, "uncaught errors").toEqual([]);
  expect(visit.consoleErrors, "console errors").toEqual([]);
  expect(visit.externalRequests, "requests leaving 127.0.0.1").toEqual([]);
  expect(visit.failedRequests, "failed requests").toEqual([]);
  expect(visit.charts.length).toBeGreaterThanOrEqual(minCharts);
  for (const chart of visit.charts) expect(chart.marks, "a chart with no marks").toBeGreaterThan(0);
}

describe.skipIf(!chromiumAvailable())("report site in Chromium", () => {
  let tmp: string;
  let server: StaticServer;
  let browser: BrowserSession;
  let report: Report;
  let base: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "bb-e2e-"));
    await mkdir(ARTIFACTS, {recursive: true});
    const {dbFile} = await ingestStudy(STUDY, {dbFile: path.join(tmp, "example.duckdb")});
    report = await reportOf(dbFile, STUDY);
    await buildSite({dbFile, studyFile: STUDY, outDir: path.join(tmp, "site", SUB_PATH)});
    server = await serveDirectory(path.join(tmp, "site"));
    base = new URL(SUB_PATH, server.url).href;
    browser = await openBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) await rm(tmp, {recursive: true, force: true});
  });

  for (const page of PAGES) {
    it(`${page.name}: loads from a sub-path with no error, no external request, and charts with marks`, async () => {
      const {tab, ...visit} = await browser.visit(new URL(page.file, base).href, {screenshot: path.join(ARTIFACTS, `${page.name}.png`)});
      try {
        expectCleanVisit(visit, page.minCharts);
        expect(await tab.locator("#observablehq-main h1").first().textContent()).toBeTruthy();
      } finally {
        await tab.close();
      }
    });
  }

  it("overview: the scoreboard shows every criterion's status, value and target as in the report", async () => {
    const {tab} = await browser.visit(new URL("index.html", base).href);
    try {
      expect(report.criteria.length).toBeGreaterThan(0);
      // the example study is built to exercise both outcomes
      expect(new Set(report.criteria.map((c) => c.status))).toContain("pass");
      expect(new Set(report.criteria.map((c) => c.status))).toContain("fail");
      for (const c of report.criteria) {
        const row = tab.locator(`.bb-scoreboard tr[data-criterion="${c.id}"]`);
        await expect(row.getAttribute("data-status")).resolves.toBe(c.status);
        const text = (await row.textContent()) ?? "";
        expect(text).toContain(STATUS_WORDS[c.status]);
        expect(text).toContain(c.display_value ?? "no data");
        expect(text).toContain(c.display_target);
      }
      const overall = await tab.locator("[data-overall]").textContent();
      expect(overall).toContain(`${report.summary.met} of ${report.summary.total} criteria met`);
    } finally {
      await tab.close();
    }
  });

  it("overview: headline formulas carry the report's inputs", async () => {
    const {tab} = await browser.visit(new URL("index.html", base).href);
    try {
      const cards = await tab.locator("[data-headline]").allTextContents();
      const scaling = report.scaling[0];
      if (scaling?.speedup != null) {
        expect(cards.join("\n")).toContain(`${scaling.from_seconds!.toFixed(1)} s / ${scaling.to_seconds!.toFixed(1)} s = ${scaling.speedup.toFixed(2)}x`);
      }
      for (const run of report.runs.filter((r) => r.total_seconds != null)) expect(cards.join("\n")).toContain(`${run.total_seconds!.toFixed(1)} s`);
    } finally {
      await tab.close();
    }
  });

  it("correctness: the mismatch table searches, and links the full list as a download", async () => {
    const total = report.correctness.reduce((s, c) => s + c.mismatches_total, 0);
    const {tab} = await browser.visit(new URL("correctness.html", base).href);
    try {
      const table = tab.locator("form table, table").filter({has: tab.locator("th", {hasText: "max |Δscore|"})}).first();
      if (total > 0) {
        const first = report.correctness.find((c) => c.mismatches.length > 0)!.mismatches[0]!;
        await tab.locator("input[type=search]").fill(first.id);
        await expect.poll(() => table.textContent()).toContain(first.id);
        const download = tab.locator("a[download='mismatches.parquet']");
        await expect.poll(() => download.textContent()).toContain(`Download all ${total.toLocaleString("en-US")} mismatching rows`);
        const href = await download.getAttribute("href");
        const response = await fetch(new URL(href!, new URL("correctness.html", base)).href);
        expect(response.ok).toBe(true);
        expect(Buffer.from(await response.arrayBuffer()).subarray(0, 4).toString("latin1")).toBe("PAR1");
      }
    } finally {
      await tab.close();
    }
  });
});

describe.skipIf(!chromiumAvailable())("strings from logs in the browser", () => {
  let tmp: string;
  let server: StaticServer;
  let browser: BrowserSession;
  const HOSTILE_ID = `<img src=x onerror="window.__bbInjected=1">seq_1`;
  const HOSTILE_MESSAGE = `<script>window.__bbInjected=2</script> odd line`;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "bb-e2e-html-"));
    const {dbFile: exampleDb} = await ingestStudy(STUDY, {dbFile: path.join(tmp, "example.duckdb")});
    const dbFile = path.join(tmp, "hostile.duckdb");
    await copyFile(exampleDb, dbFile);
    const db = await openDatabase(dbFile);
    try {
      const run = (await db.connection.runAndReadAll("SELECT run_id FROM runs WHERE role = 'run' ORDER BY ord LIMIT 1")).getRowObjectsJson()[0]!.run_id as string;
      const id = HOSTILE_ID.replaceAll("'", "''");
      // a sequence whose label flips between the reference and the run, and a finding with markup
      await db.connection.run(`INSERT INTO predictions_consensus VALUES ('reference', '${id}', true, 0.05, 0.95), ('${run}', '${id}', false, 0.97, 0.03)`);
      await db.connection.run(`INSERT INTO findings VALUES ('${run}', 'test_markup', 'warning', '${HOSTILE_MESSAGE}', NULL, NULL, 'metadata')`);
      // ingest stored the comparison, not the prediction rows: store it again from the inserted rows
      await installViews(db.connection);
      await storeCorrectness(db.connection);
      await db.connection.run("CHECKPOINT");
    } finally {
      db.close();
    }
    await buildSite({dbFile, studyFile: STUDY, outDir: path.join(tmp, "site")});
    server = await serveDirectory(path.join(tmp, "site"));
    browser = await openBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) await rm(tmp, {recursive: true, force: true});
  });

  it("a sequence ID and a finding containing HTML render as text", async () => {
    const {tab, ...visit} = await browser.visit(new URL("correctness.html", server.url).href);
    try {
      expect(visit.pageErrors).toEqual([]);
      await tab.locator("input[type=search]").fill("seq_1");
      await expect.poll(() => tab.locator("#observablehq-main").textContent()).toContain(HOSTILE_ID);
      expect(await tab.locator("#observablehq-main img[src='x']").count()).toBe(0);
      expect(await tab.evaluate(() => (window as unknown as {__bbInjected?: number}).__bbInjected)).toBeUndefined();
    } finally {
      await tab.close();
    }
    const {tab: overview} = await browser.visit(server.url);
    try {
      await expect.poll(() => overview.locator("#observablehq-main").textContent()).toContain(HOSTILE_MESSAGE);
      expect(await overview.evaluate(() => (window as unknown as {__bbInjected?: number}).__bbInjected)).toBeUndefined();
    } finally {
      await overview.close();
    }
  });
});
