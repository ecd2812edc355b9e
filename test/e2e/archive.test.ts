/**
 * The release archive in a real browser: both example releases archived, v2.0-rc1 approved, v2.0
 * approved and then rebuilt with changed inputs (--force) so its approval is stale. The archive is
 * served on 127.0.0.1 and its index, trend page and release pages are loaded in Debian's Chromium;
 * the single-file export is opened from file://. Pages are checked at 1400 and 390 px for sideways
 * scroll and empty charts. Screenshots go to test-artifacts/archive/.
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
import {chromiumAvailable, CHROMIUM, openBrowser, type BrowserSession} from "./browser.ts";
import {expectClean, expectReadableLayout, WIDTHS} from "./checks.ts";

const ARTIFACTS = path.join(ROOT, "test-artifacts", "archive");

if (!chromiumAvailable()) {
  console.warn(`SKIPPED archive browser test: ${CHROMIUM} not found (install it with \`apt-get install -y chromium\`; .ci/run does)`);
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
      // asv-style: what changed status from v2.0-rc1 to v2.0, and every criterion in every release
      const changes = tab.locator("ul.changes li");
      const changed = await changes.evaluateAll((lis) => lis.map((li) => [li.getAttribute("data-criterion"), li.getAttribute("data-from"), li.getAttribute("data-to")]));
      expect(changed).toContainEqual(["time_1gpu", "fail", "pass"]);
      expect(changed).toContainEqual(["consensus_agreement", "pass", "invalid"]);
      const grid = tab.locator("table.criteria-grid");
      await expect(grid.locator("thead th").allTextContents()).resolves.toEqual(["Criterion", "v2.0-rc1", "v2.0"]);
      await expect(grid.locator("tr[data-criterion='consensus_agreement'] td[data-release='v2.0']").getAttribute("data-status")).resolves.toBe("invalid");
      await expect(grid.locator("tr[data-criterion='time_1gpu'] td[data-release='v2.0-rc1']").getAttribute("data-status")).resolves.toBe("fail");
      // 1gpu's agreement in v2.0 is invalid (model mismatch): marked, so it never reads as a regression
      await expect(v20.locator("[data-run='1gpu'][data-invalid='true']").count()).resolves.toBe(1);
      await expect(rc1.locator("[data-invalid='true']").count()).resolves.toBe(0);
    } finally {
      await tab.close();
    }
  });

  for (const page of ["index.html", "trend.html", "releases/v2.0/index.html", "releases/v2.0/gpu.html", "releases/v2.0-rc1/timing.html"]) {
    it(`${page}: no sideways scroll and no empty chart at ${WIDTHS.join(" and ")} px`, async () => {
      for (const width of WIDTHS) {
        const {tab, ...visit} = await browser.visit(new URL(page, server.url).href, {width, screenshot: path.join(ARTIFACTS, `${page.replaceAll("/", "_").replace(".html", "")}-${width}.png`)});
        try {
          expectClean(visit);
          expectReadableLayout(visit, page === "trend.html" ? 4 : 0);
        } finally {
          await tab.close();
        }
      }
    });
  }

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
      // the criteria's targets: both wall-time targets, the scaling target and the agreement target
      const targets = async (title: string) => tab.locator(`figure.chart[data-chart="${title}"] g.target`).evaluateAll((gs) => gs.map((g) => Number(g.getAttribute("data-target"))));
      await expect(targets("Total wall time per run")).resolves.toEqual([3600, 1800]);
      await expect(targets("Multi-GPU scaling (speedup)")).resolves.toEqual([1.9]);
      await expect(targets("Consensus label agreement")).resolves.toEqual([0.99]);
      // v2.0's 1gpu agreement was judged invalid (model mismatch): drawn as such, and only that point
      const invalid = await tab
        .locator('figure.chart[data-chart="Consensus label agreement"] [data-invalid="true"]')
        .evaluateAll((ms) => ms.map((m) => [m.closest("g.series")?.getAttribute("data-series"), m.getAttribute("data-release"), m.textContent]));
      expect(invalid).toHaveLength(1);
      expect(invalid[0]![0]).toBe("1gpu");
      expect(invalid[0]![1]).toBe("v2.0");
      expect(invalid[0]![2]).toContain("INVALID");
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
        // the archived evidence is one click away and is there
        const links = await banner.locator("a[href^='./data/']").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
        expect(links.map((l) => l.split("/").at(-1))).toEqual(["report.json", "criteria.json", "manifest.json", "study.yaml"]);
        for (const link of links) expect((await fetch(link)).status, link).toBe(200);
        // the decision's history, with the build each decision was made on
        const history = await banner.locator("details li").allTextContents();
        expect(history).toHaveLength(1);
        expect(history[0]).toContain(page.kind === "stale" ? "an earlier build" : "this build");
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
      // the runs' stage charts share one scale (pixels per second) and each has an axis
      const scales = await tab.locator("svg.bb-chart").evaluateAll((svgs) =>
        svgs.map((svg) => ({
          ticks: svg.querySelectorAll("g.axis .tick").length,
          // bars under a pixel are drawn at a minimum width, so they do not show the scale
          perSecond: Array.from(svg.querySelectorAll("rect.bb-mark"))
            .filter((r) => Number(r.getAttribute("width")) > 1)
            .map((r) => Number(r.getAttribute("width")) / Number(r.getAttribute("data-value")))
        }))
      );
      expect(scales.length).toBeGreaterThanOrEqual(2);
      const ratios = scales.flatMap((s) => s.perSecond);
      for (const s of scales) expect(s.ticks).toBeGreaterThanOrEqual(2);
      expect(Math.max(...ratios) / Math.min(...ratios)).toBeLessThan(1.01);
      await tab.screenshot({path: path.join(ARTIFACTS, "export-v2.0.png"), fullPage: true});
    } finally {
      await tab.close();
      await opener.close();
    }
  });
});
