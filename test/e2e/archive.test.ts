/**
 * The release archive in a real browser: both example releases archived, v2.0-rc1 approved, v2.0
 * approved and then rebuilt with changed inputs (--force) so its approval is stale. The archive is
 * served on 127.0.0.1 and its index, trend page and release pages are loaded in Debian's Chromium;
 * the single-file export is opened from file://. Screenshots go to test-artifacts/archive/.
 */
import {mkdir, mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {buildArchive} from "../../engine/archive/build.ts";
import {runVerb} from "../../commands/cli.ts";
import {serveDirectory, type StaticServer} from "../../engine/server/serve.ts";
import {captureIo, copyExample, RC1, ROOT, V20} from "../engine/archive/helpers.ts";
import {chromiumAvailable, CHROMIUM, openBrowser, type BrowserSession, type PageVisit} from "./browser.ts";

const ARTIFACTS = path.join(ROOT, "test-artifacts", "archive");

if (!chromiumAvailable()) {
  console.warn(`SKIPPED archive browser test: ${CHROMIUM} not found (install it with \`apt-get install -y chromium\`; .ci/run does)`);
}

function expectClean(visit: PageVisit) {
  expect(visit.pageErrors, "uncaught errors").toEqual([]);
  expect(visit.consoleErrors, "console errors").toEqual([]);
  expect(visit.externalRequests, "requests leaving 127.0.0.1").toEqual([]);
  expect(visit.failedRequests, "failed requests").toEqual([]);
}

describe.skipIf(!chromiumAvailable())("release archive in Chromium", () => {
  let tmp: string;
  let archive: string;
  let server: StaticServer;
  let browser: BrowserSession;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "bb-e2e-archive-"));
    archive = path.join(tmp, "dist");
    const dbDir = path.join(tmp, "db");
    await mkdir(ARTIFACTS, {recursive: true});
    // v2.0 is first archived from a copy with other inputs (a different title) and approved there;
    // the real v2.0 then replaces it with --force, which makes that approval stale
    const earlier = await copyExample(path.join(tmp, "earlier"), (t) => t.replace(/^title: .*$/m, "title: VirNucPro v2.0 first cut"));
    await buildArchive([RC1, earlier], {archive, dbDir: path.join(tmp, "db-earlier")});
    const io = captureIo();
    expect(await runVerb("approve", ["v2.0-rc1", "--by", "Ada Lovelace", "--note", "rc figures reviewed", "--archive", archive], io)).toBe(0);
    expect(await runVerb("approve", ["v2.0", "--by", "Grace Hopper", "--archive", archive], io)).toBe(0);
    const [rebuilt] = await buildArchive([V20], {archive, dbDir, force: true});
    expect(rebuilt!.action).toBe("replaced");
    server = await serveDirectory(archive);
    browser = await openBrowser();
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (tmp) await rm(tmp, {recursive: true, force: true});
  });

  it("index: lists both releases with figures, the approval and the stale approval", async () => {
    const {tab, ...visit} = await browser.visit(new URL("index.html", server.url).href, {screenshot: path.join(ARTIFACTS, "index.png")});
    try {
      expectClean(visit);
      const rows = tab.locator("table.releases tbody tr");
      await expect(rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-release")))).resolves.toEqual(["v2.0", "v2.0-rc1"]);
      const rc1 = tab.locator('tr[data-release="v2.0-rc1"]');
      await expect(rc1.getAttribute("data-signoff")).resolves.toBe("approved");
      expect(await rc1.innerText()).toContain("Approved by Ada Lovelace");
      const v20 = tab.locator('tr[data-release="v2.0"]');
      await expect(v20.getAttribute("data-signoff")).resolves.toBe("stale");
      expect(await v20.innerText()).toContain("Approval STALE: inputs changed since approval by Grace Hopper");
      expect(await v20.innerText()).toMatch(/\d+\.\d{2}x/);
      expect(await tab.locator("table.replaced tr[data-replaced='v2.0']").count()).toBe(1);
      await expect(tab.locator("text=Latest release (v2.0)").isVisible()).resolves.toBe(true);
    } finally {
      await tab.close();
    }
  });

  it("trend: static SVG charts with marks for both releases, oldest first, no script", async () => {
    const {tab, ...visit} = await browser.visit(new URL("trend.html", server.url).href, {screenshot: path.join(ARTIFACTS, "trend.png")});
    try {
      expectClean(visit);
      expect(await tab.locator("script").count()).toBe(0);
      const charts = await tab.locator("figure.chart").evaluateAll((figures) =>
        figures.map((f) => ({
          title: f.getAttribute("data-chart"),
          marks: f.querySelectorAll("svg .bb-mark").length,
          releases: [...new Set(Array.from(f.querySelectorAll("svg .bb-mark"), (m) => m.getAttribute("data-release")))],
          visible: (f.querySelector("svg") as SVGSVGElement | null)?.getBoundingClientRect().height ?? 0
        }))
      );
      for (const title of ["Total wall time per run", "Multi-GPU scaling (speedup)", "Speedup over the baseline", "Consensus label agreement"]) {
        const chart = charts.find((c) => c.title === title);
        expect(chart, title).toBeTruthy();
        expect(chart!.marks, title).toBeGreaterThanOrEqual(2);
        expect(chart!.releases, title).toEqual(["v2.0-rc1", "v2.0"]);
        expect(chart!.visible, title).toBeGreaterThan(100);
      }
      expect(charts.filter((c) => c.marks > 0).length).toBeGreaterThanOrEqual(8); // per-stage charts too
    } finally {
      await tab.close();
    }
  });

  for (const page of [
    {release: "v2.0", file: "index.html", kind: "stale", text: "Approval STALE: inputs changed since approval by Grace Hopper", minCharts: 0},
    {release: "v2.0", file: "timing.html", kind: "stale", text: "Approval STALE", minCharts: 3},
    {release: "v2.0-rc1", file: "index.html", kind: "approved", text: "Approved by Ada Lovelace on", minCharts: 0}
  ]) {
    it(`release page ${page.release}/${page.file}: renders cleanly with the sign-off banner (${page.kind})`, async () => {
      const url = new URL(`releases/${page.release}/${page.file}`, server.url).href;
      const {tab, ...visit} = await browser.visit(url, {screenshot: path.join(ARTIFACTS, `${page.release}-${page.file.replace(".html", "")}.png`)});
      try {
        expectClean(visit);
        expect(visit.charts.length).toBeGreaterThanOrEqual(page.minCharts);
        for (const chart of visit.charts) expect(chart.marks, "a chart with no marks").toBeGreaterThan(0);
        const banner = tab.locator(".bb-signoff");
        await expect(banner.count()).resolves.toBe(1);
        await expect(banner.isVisible()).resolves.toBe(true);
        await expect(banner.getAttribute("data-signoff")).resolves.toBe(page.kind);
        expect(await banner.innerText()).toContain(page.text);
        expect(await tab.locator("#observablehq-main h1").first().textContent()).toBeTruthy();
      } finally {
        await tab.close();
      }
    });
  }

  it("latest/ redirects to the newest release", async () => {
    const {tab, ...visit} = await browser.visit(new URL("latest/", server.url).href);
    try {
      expectClean(visit);
      await tab.waitForURL(/releases\/v2\.0\/index\.html$/);
    } finally {
      await tab.close();
    }
  });

  it("the single-file export opens from file:// with no other request", async () => {
    const output = path.join(tmp, "v2.0-overview.html");
    expect(await runVerb("export", ["v2.0", "--single-file", "--output", output, "--archive", archive], captureIo())).toBe(0);
    // a page without the HTTP-only routing of visit(): file:// must work on its own
    const {tab: opener} = await browser.visit(server.url);
    const tab = await opener.context().newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    tab.on("request", (r) => requests.push(r.url()));
    tab.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    tab.on("pageerror", (e) => errors.push(String(e)));
    try {
      const url = pathToFileURL(output).href;
      await tab.goto(url, {waitUntil: "load"});
      expect(requests).toEqual([url]);
      expect(errors).toEqual([]);
      expect(await tab.locator("table.scoreboard tbody tr").count()).toBeGreaterThan(0);
      expect(await tab.locator("[data-signoff='stale']").innerText()).toContain("Approval STALE");
      expect(await tab.locator("svg.bb-chart .bb-mark").count()).toBeGreaterThan(0);
      await tab.screenshot({path: path.join(ARTIFACTS, "export-v2.0.png"), fullPage: true});
    } finally {
      await tab.close();
      await opener.close();
    }
  });
});
