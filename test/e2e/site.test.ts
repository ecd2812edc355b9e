/**
 * The report site in a real browser: build the example study's site (and a copy with hostile strings,
 * side by side), serve both under sub-paths on 127.0.0.1 and load every page in one headless Chromium,
 * at 1400 and 390 px. Every page is checked as a reviewer looks at it: no sideways scroll, every chart
 * labelled and drawn, then the faults a benchmark owner reported, one test each. Screenshots go to
 * test-artifacts/site/.
 */
import {copyFile, mkdir, mkdtemp, readFile, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openDatabase} from "../../engine/db/duckdb.ts";
import {ingestStudy} from "../../engine/ingest/ingest.ts";
import type {Report} from "../../engine/report/types.ts";
import {buildSite} from "../../engine/site/build.ts";
import {installViews, storeAllViewResults} from "../../engine/metrics/views.ts";
import {NA} from "../../engine/render/format.ts";
import {storeCorrectness} from "../../engine/metrics/correctness-store.ts";
import {serveDirectory, type StaticServer} from "../../engine/server/serve.ts";
import {loadStudy} from "../../engine/study.ts";
import {chromiumAvailable, CHROMIUM, openBrowser, type BrowserSession, type PageVisit} from "./browser.ts";
import {collisions, contrastOf, expectReadableLayout, WIDTHS} from "./checks.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const STUDY = path.join(ROOT, "data", "example", "study.yaml");
const ARTIFACTS = path.join(ROOT, "test-artifacts", "site");
const SUB_PATH = "releases/v2.0/";
const HOSTILE_PATH = "hostile/";
const PAGES = [
  {file: "index.html", name: "overview", minCharts: 0},
  {file: "timing.html", name: "timing", minCharts: 3},
  {file: "correctness.html", name: "correctness", minCharts: 4},
  {file: "gpu.html", name: "gpu", minCharts: 8},
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


const HOSTILE_ID = `<img src=x onerror="window.__bbInjected=1">seq_1`;
const HOSTILE_MESSAGE = `<script>window.__bbInjected=2</script> odd line`;

/** The example database with a sequence ID and a finding that carry markup. */
async function hostileCopy(exampleDb: string, dbFile: string): Promise<void> {
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
    await storeAllViewResults(db.connection); // and the views' stored rows, as ingest ends
    await db.connection.run("CHECKPOINT");
  } finally {
    db.close();
  }
}

describe.skipIf(!chromiumAvailable())("report site in Chromium", () => {
  let tmp: string;
  let server: StaticServer;
  let browser: BrowserSession;
  let report: Report;
  let base: string;
  let siteDir: string;
  const url = (file: string) => new URL(file, base).href;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "bb-e2e-"));
    await mkdir(ARTIFACTS, {recursive: true});
    const {dbFile} = await ingestStudy(STUDY, {dbFile: path.join(tmp, "example.duckdb")});
    report = await reportOf(dbFile, STUDY);
    const hostileDb = path.join(tmp, "hostile.duckdb");
    await hostileCopy(dbFile, hostileDb);
    siteDir = path.join(tmp, "site", SUB_PATH);
    // one browser, and both sites built side by side (each build works in its own copy of the pages)
    [browser] = await Promise.all([
      openBrowser(),
      buildSite({dbFile, studyFile: STUDY, outDir: siteDir}),
      buildSite({dbFile: hostileDb, studyFile: STUDY, outDir: path.join(tmp, "site", HOSTILE_PATH)})
    ]);
    server = await serveDirectory(path.join(tmp, "site"));
    base = new URL(SUB_PATH, server.url).href;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) await rm(tmp, {recursive: true, force: true});
  });

  for (const page of PAGES) {
    it(`${page.name}: at ${WIDTHS.join(" and ")} px, from a sub-path: no error, no external request, no sideways scroll, every chart labelled and drawn`, async () => {
      for (const width of WIDTHS) {
        const {tab, ...visit} = await browser.visit(url(page.file), {width, screenshot: path.join(ARTIFACTS, `${page.name}-${width}.png`)});
        try {
          expectCleanVisit(visit, page.minCharts);
          expectReadableLayout(visit, page.minCharts);
          expect(await tab.locator("#observablehq-main h1").first().textContent()).toBeTruthy();
          // every chart's data can be taken away
          for (const figure of await tab.locator("figure.bb-figure").all()) {
            await expect(figure.locator("a[download$='.csv']").count()).resolves.toBe(1);
            await expect(figure.locator("a[download$='.json']").count()).resolves.toBe(1);
          }
        } finally {
          await tab.close();
        }
      }
    });
  }

  it("every page: a document language, pinch zoom allowed, and a notice instead of empty sections when opened from file://", async () => {
    for (const page of PAGES) {
      const html = await readFile(path.join(siteDir, page.file), "utf8");
      expect(html).toMatch(/<html lang="en"/);
      expect(html).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
    }
    const {tab: opener} = await browser.visit(url("runs.html"));
    const tab = await opener.context().newPage();
    try {
      await tab.goto(pathToFileURL(path.join(siteDir, "timing.html")).href, {waitUntil: "load"});
      const notice = tab.locator("#bb-file-notice");
      await expect(notice.isVisible()).resolves.toBe(true);
      expect(await notice.innerText()).toContain("benchbook serve");
      await opener.goto(url("timing.html"));
      await expect(opener.locator("#bb-file-notice").isVisible()).resolves.toBe(false);
    } finally {
      await tab.close();
      await opener.close();
    }
  });

  it("overview: the scoreboard shows every criterion's status, value and target as in the report, and each run's value beside its own status", async () => {
    const {tab} = await browser.visit(url("index.html"));
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
        expect(text).toContain(c.display_value ?? NA);
        expect(text).toContain(c.display_target);
        for (const p of c.per_run ?? []) {
          const cell = row.locator(`.bb-per-run [data-run="${p.run}"]`);
          await expect(cell.getAttribute("data-status")).resolves.toBe(p.status);
          if (p.value != null && c.display_target.endsWith("%")) {
            const digits = (/\.(\d+)/.exec(c.display_target)?.[1] ?? "").length;
            expect(await cell.innerText()).toContain(`${(p.value * 100).toFixed(digits)} %`);
          }
          expect(await cell.innerText()).toContain(STATUS_WORDS[p.status]);
        }
        // warning references lead to the warning
        for (const ref of c.flags) await expect(row.locator(`a[href="./index.html#warning-${ref}"]`).count()).resolves.toBe(1);
      }
      // the example's INVALID consensus comes from one run's value, which must be shown beside it
      const consensus = report.criteria.find((c) => c.status === "invalid" && c.per_run?.some((p) => p.status === "invalid"));
      expect(consensus, "the example has a criterion made INVALID by one run").toBeTruthy();
      const overall = await tab.locator("[data-overall]").textContent();
      expect(overall).toContain(`${report.summary.met} of ${report.summary.total} criteria met`);
      // readable: muted text and the weakest badge colours at 4.5:1 or more
      expect(await contrastOf(tab, ".bb-note")).toBeGreaterThanOrEqual(4.5);
      await tab.evaluate(() => {
        for (const s of ["inconclusive", "no_data", "invalid", "pass", "fail"]) {
          const b = document.createElement("span");
          b.className = `bb-status bb-status--${s}`;
          b.id = `probe-${s}`;
          b.textContent = s;
          document.querySelector("#observablehq-main")!.append(b);
        }
      });
      for (const s of ["inconclusive", "no_data", "invalid", "pass", "fail"]) expect(await contrastOf(tab, `#probe-${s}`), s).toBeGreaterThanOrEqual(4.5);
    } finally {
      await tab.close();
    }
  });

  it("overview: headline formulas carry the report's inputs, and durations read as the criteria show them", async () => {
    const {tab} = await browser.visit(url("index.html"));
    try {
      const cards = (await tab.locator("[data-headline]").allTextContents()).join("\n");
      const scaling = report.scaling[0];
      if (scaling?.speedup != null) {
        expect(cards).toContain(`${scaling.from_seconds!.toFixed(1)} s / ${scaling.to_seconds!.toFixed(1)} s = ${scaling.speedup.toFixed(2)}x`);
      }
      for (const run of report.runs.filter((r) => r.total_seconds != null)) expect(cards).toContain(`${run.total_seconds!.toFixed(1)} s`);
      // one H:M:S format: the wall-time criteria's display value appears as is on the card and the timing page
      const timeCriteria = report.criteria.filter((c) => c.metric === "run.total_seconds" && c.display_value);
      expect(timeCriteria.length).toBeGreaterThan(0);
      for (const c of timeCriteria) expect(cards).toContain(c.display_value!);
      await tab.goto(url("timing.html"));
      await tab.waitForLoadState("networkidle");
      const timingText = await tab.locator("#observablehq-main").innerText();
      for (const c of timeCriteria) expect(timingText).toContain(c.display_value!);
      for (const run of report.runs.filter((r) => r.total_hms)) expect(timingText).not.toContain(`(${run.total_hms})`);
    } finally {
      await tab.close();
    }
  });

  it("timing: the wall-time targets from the study's criteria on the stage chart; the scaling chart has whole GPU counts, Amdahl as a curve and the target line", async () => {
    const {tab} = await browser.visit(url("timing.html"));
    try {
      const stages = tab.locator("figure[data-chart='stage-times']");
      const stageText = await stages.innerText();
      const targets = report.criteria.filter((c) => c.metric === "run.total_seconds");
      for (const c of targets) expect(stageText).toContain(`target ${c.display_target}`);
      const scaling = tab.locator("figure[data-chart='scaling']");
      const ticks = await scaling.locator("g[aria-label='x-axis tick label'] text").allTextContents();
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      for (const t of ticks) expect(t, "a fractional GPU tick").toMatch(/^\d+$/);
      // Amdahl's ceiling as lines (two curves), not bare points
      const lines = await scaling.locator("g[aria-label='line'] path").count();
      expect(lines).toBeGreaterThanOrEqual(3);
      const target = report.criteria.find((c) => c.metric === "scaling.speedup")!;
      expect(await scaling.innerText()).toContain(`target ${target.display_target}`);
      expect(await collisions(tab, "figure[data-chart='scaling'] svg", "text")).toEqual([]);
    } finally {
      await tab.close();
    }
  });

  it("correctness: the model-mismatch banner once per run, the 99 % target on the agreement plot clear of the axis label, histogram labels apart, the scatter's runs and symbols explained", async () => {
    const {tab} = await browser.visit(url("correctness.html"));
    try {
      const mismatched = new Set(report.correctness.filter((c) => c.model_match === false).map((c) => c.run));
      expect(mismatched.size).toBeGreaterThan(0);
      await expect(tab.locator("[data-warning='model_mismatch']").count()).resolves.toBe(mismatched.size);
      const agreement = tab.locator("figure[data-chart='agreement']");
      const target = report.criteria.find((c) => c.metric === "correctness.consensus.label_agreement")!;
      expect(await agreement.innerText()).toContain(`target ${target.display_target}`);
      // no dot on the x-axis label
      const dotOnLabel = await tab.evaluate(() => {
        const svg = document.querySelector("figure[data-chart='agreement'] svg[class^='plot']:not([class*='swatch'])")!;
        const label = svg.querySelector("g[aria-label='x-axis label'] text")!.getBoundingClientRect();
        return Array.from(svg.querySelectorAll("g[aria-label='dot'] path, g[aria-label='dot'] circle")).some((d) => {
          const r = d.getBoundingClientRect();
          return r.right > label.left && r.left < label.right && r.bottom > label.top && r.top < label.bottom;
        });
      });
      expect(dotOnLabel).toBe(false);
      expect(await collisions(tab, "figure[data-chart='score-diff-histogram'] svg", "g[aria-label='x-axis tick label'] text")).toEqual([]);
      expect(await collisions(tab, "figure[data-chart='score-diff-histogram'] svg", "g[aria-label='y-axis tick label'] text")).toEqual([]);
      const scatter = await tab.locator("figure[data-chart='mismatch-scatter']").innerText();
      for (const words of ["per frame", "consensus", "label differs", "score difference only"]) expect(scatter).toContain(words);
      for (const run of new Set(report.correctness.filter((c) => c.mismatches_total > 0).map((c) => c.run))) expect(scatter).toContain(`run ${run}`);
      // labelled controls only: the table has no row checkboxes without a name
      await expect(tab.locator("input[type=checkbox]:not([aria-label]):not([id])").count()).resolves.toBe(0);
    } finally {
      await tab.close();
    }
  });

  it("correctness: the mismatch table is styled and stays in its box; it searches, and links the full list as a download", async () => {
    const total = report.correctness.reduce((s, c) => s + c.mismatches_total, 0);
    const {tab} = await browser.visit(url("correctness.html"));
    try {
      const table = tab.locator("form table, table").filter({has: tab.locator("th", {hasText: "max |Δscore|"})}).first();
      // Inputs' stylesheet applies: the table scrolls inside its form, which ends before "Show SQL"
      const layout = await tab.evaluate(() => {
        const th = Array.from(document.querySelectorAll("form table th")).find((t) => t.textContent?.includes("max |Δscore|"))!;
        const form = th.closest("form")!;
        const next = Array.from(document.querySelectorAll("details.bb-sql")).find((d) => form.compareDocumentPosition(d) & Node.DOCUMENT_POSITION_FOLLOWING)!;
        return {overflow: getComputedStyle(form).overflowY, formBottom: form.getBoundingClientRect().bottom, sqlTop: next.getBoundingClientRect().top, formHeight: form.getBoundingClientRect().height};
      });
      expect(layout.overflow).toBe("auto");
      expect(layout.formBottom).toBeLessThanOrEqual(layout.sqlTop);
      expect(layout.formHeight).toBeLessThan(700);
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

  it("gpu: one lane per device including never-measured ones, memory and power beside utilization, I/O marks short ticks that leave the line visible, targets from the criteria", async () => {
    const {tab} = await browser.visit(url("gpu.html"));
    try {
      for (const run of report.runs) {
        const util = tab.locator(`figure[data-chart='gpu-utilization-${run.id}']`);
        await expect(util.count()).resolves.toBe(1);
        const lanes = await util.locator("g[aria-label='fy-axis tick label'] text").allTextContents();
        expect(lanes).toEqual(Array.from({length: run.gpus}, (_, i) => `GPU ${i}`));
        for (const metric of ["memory_mib", "power_watts"]) await expect(tab.locator(`figure[data-chart='gpu-${metric}-${run.id}']`).count()).resolves.toBe(1);
        // the I/O marks: short ticks at the bottom, not bands over the whole plot
        const tall = await util.evaluate((figure) => {
          const svg = figure.querySelector("svg[class^='plot']:not([class*='swatch'])")!;
          const plotHeight = svg.getBoundingClientRect().height;
          return Array.from(svg.querySelectorAll("line, rect"))
            .filter((m) => ["#cf222e", "#8b0000"].includes((m.getAttribute("stroke") ?? m.getAttribute("fill") ?? "").toLowerCase()))
            .filter((m) => m.getBoundingClientRect().height > plotHeight * 0.15).length;
        });
        expect(tall, `${run.id}: I/O marks drawn as tall bands`).toBe(0);
      }
      const unmeasured = report.gpu_runs.filter((g) => (g.unmeasured_gpus ?? 0) > 0);
      expect(unmeasured.length, "the example has a run with a never-measured GPU").toBeGreaterThan(0);
      for (const g of unmeasured) expect(await tab.locator(`figure[data-chart='gpu-utilization-${g.run}']`).innerText()).toContain("never measured");
      const util = report.criteria.find((c) => c.metric === "gpu.mean_utilization")!;
      expect(await tab.locator("figure[data-chart='utilization-histogram']").getAttribute("data-chart")).toBeTruthy();
      expect(await tab.locator("figure[data-chart='utilization-histogram'] figcaption").innerText()).toContain(util.display_target);
    } finally {
      await tab.close();
    }
  });

  it("runs: the configurations side by side, with the settings that differ marked (the model among them)", async () => {
    const {tab} = await browser.visit(url("runs.html"));
    try {
      const models = new Set(report.runs.map((r) => r.model));
      expect(models.size, "the example's runs used different models").toBeGreaterThan(1);
      const model = tab.locator("table.bb-compare tr[data-setting='Model']");
      await expect(model.getAttribute("data-differs")).resolves.toBe("true");
      expect(await model.innerText()).toContain("differs");
      for (const r of report.runs) expect(await model.innerText()).toContain(r.model!);
      await expect(tab.locator("table.bb-compare tr[data-setting='Input']").getAttribute("data-differs")).resolves.toBe("false");
    } finally {
      await tab.close();
    }
  });

  it("a chart's CSV download holds the rows it draws", async () => {
    const {tab} = await browser.visit(url("timing.html"));
    try {
      const csv = await tab.evaluate(async () => {
        const a = document.querySelector<HTMLAnchorElement>("figure[data-chart='stage-times'] a[download$='.csv']")!;
        return (await fetch(a.href)).text();
      });
      const lines = csv.trimEnd().split("\n");
      expect(lines[0]).toBe("run,gpus,stage,seconds,share,is_gpu");
      const stages = report.runs.flatMap((r) => r.stages.filter((s) => s.seconds != null && !s.skipped));
      expect(lines).toHaveLength(stages.length + 1);
    } finally {
      await tab.close();
    }
  });

  it("strings from logs: a sequence ID and a finding containing HTML render as text", async () => {
    const hostile = new URL(HOSTILE_PATH, server.url).href;
    const {tab, ...visit} = await browser.visit(new URL("correctness.html", hostile).href);
    try {
      expect(visit.pageErrors).toEqual([]);
      await tab.locator("input[type=search]").fill("seq_1");
      await expect.poll(() => tab.locator("#observablehq-main").textContent()).toContain(HOSTILE_ID);
      expect(await tab.locator("#observablehq-main img[src='x']").count()).toBe(0);
      expect(await tab.evaluate(() => (window as unknown as {__bbInjected?: number}).__bbInjected)).toBeUndefined();
    } finally {
      await tab.close();
    }
    const {tab: overview} = await browser.visit(hostile);
    try {
      await expect.poll(() => overview.locator("#observablehq-main").textContent()).toContain(HOSTILE_MESSAGE);
      expect(await overview.evaluate(() => (window as unknown as {__bbInjected?: number}).__bbInjected)).toBeUndefined();
    } finally {
      await overview.close();
    }
  });
});
