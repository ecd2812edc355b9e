/**
 * Drives Debian's Chromium (playwright-core, never a downloaded browser) over a served site: loads each
 * page, records console errors, page errors and every request that leaves 127.0.0.1, waits until the
 * page has finished rendering (network idle, then no DOM change for a moment: pages without charts are
 * not kept waiting for one) and measures the time to the first chart. Shared by the e2e tests and
 * bench/site.ts.
 */
import {existsSync} from "node:fs";
import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {chromium, type Browser, type Page} from "playwright-core";

export const CHROMIUM = process.env.BENCHBOOK_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run"
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export interface PageVisit {
  page: string;
  consoleErrors: string[];
  pageErrors: string[];
  /** requests to any host other than 127.0.0.1 (they are aborted) */
  externalRequests: string[];
  failedRequests: string[];
  /** bytes of JavaScript transferred for this page */
  scriptBytes: number;
  /** ms from navigation start until the first chart SVG is in the DOM; null when the page has none */
  firstChartMs: number | null;
  /** every chart on the page (Plot or the archive's static SVG) with the number of elements its data marks drew */
  charts: Array<{marks: number; label: string | null}>;
  /** document width against the viewport: wider means the page scrolls sideways */
  scrollWidth: number;
  viewportWidth: number;
}

export interface BrowserSession {
  browser: Browser;
  visit(url: string, options?: {screenshot?: string; width?: number; settle?: (page: Page) => Promise<void>}): Promise<PageVisit & {tab: Page}>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), "benchbook-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: {width: 1280, height: 900}
  });
  const browser = context.browser() as Browser;
  // time of the last DOM change and of the first chart, recorded from the first byte of every page
  await context.addInitScript(() => {
    const state = {lastMutation: performance.now(), firstChart: null as number | null};
    (window as unknown as {__bb: typeof state}).__bb = state;
    new MutationObserver(() => {
      state.lastMutation = performance.now();
      if (state.firstChart == null && document.querySelector("#observablehq-main svg[class^='plot'], svg.bb-chart")) state.firstChart = performance.now();
    }).observe(document, {subtree: true, childList: true, characterData: true});
  });
  return {
    browser,
    async visit(url, options = {}) {
      const tab = await context.newPage();
      const visit: PageVisit = {page: url, consoleErrors: [], pageErrors: [], externalRequests: [], failedRequests: [], scriptBytes: 0, firstChartMs: null, charts: [], scrollWidth: 0, viewportWidth: 0};
      if (options.width) await tab.setViewportSize({width: options.width, height: 900});
      tab.on("console", (m) => {
        if (m.type() === "error") visit.consoleErrors.push(m.text());
      });
      tab.on("pageerror", (e) => visit.pageErrors.push(String(e)));
      tab.on("requestfailed", (r) => visit.failedRequests.push(`${r.url()} ${r.failure()?.errorText ?? ""}`));
      await tab.route("**/*", (route) => {
        const u = new URL(route.request().url());
        if (u.protocol === "data:" || u.protocol === "blob:" || u.hostname === "127.0.0.1") return route.continue();
        visit.externalRequests.push(route.request().url());
        return route.abort();
      });
      tab.on("response", async (response) => {
        const type = response.headers()["content-type"] ?? "";
        if (/javascript/.test(type)) {
          const body = await response.body().catch(() => null);
          if (body) visit.scriptBytes += body.length;
        }
      });
      await tab.goto(url, {waitUntil: "load"});
      // Framework renders cells after its data arrives: wait for the network, then for the DOM to settle
      await tab.waitForLoadState("networkidle");
      await tab.waitForFunction(() => performance.now() - (window as unknown as {__bb: {lastMutation: number}}).__bb.lastMutation > 200, null, {timeout: 15_000, polling: 50});
      if (options.settle) await options.settle(tab);
      visit.firstChartMs = await tab.evaluate(() => (window as unknown as {__bb: {firstChart: number | null}}).__bb.firstChart);
      // data marks only: axes, grids, rules and text labels would make an empty chart look drawn
      visit.charts = await tab.evaluate(() => [
        ...Array.from(document.querySelectorAll("#observablehq-main svg[class^='plot']"), (svg) => ({
          label: svg.getAttribute("aria-label"),
          marks: Array.from(svg.querySelectorAll("g[aria-label]"))
            .filter((g) => ["bar", "dot", "line", "area", "cell", "rect", "tick"].includes(g.getAttribute("aria-label") ?? ""))
            .reduce((n, g) => n + g.querySelectorAll("rect, path, circle, line").length, 0)
        })),
        ...Array.from(document.querySelectorAll("svg.bb-chart"), (svg) => ({label: svg.getAttribute("aria-label"), marks: svg.querySelectorAll(".bb-mark").length}))
      ]);
      ({scrollWidth: visit.scrollWidth, viewportWidth: visit.viewportWidth} = await tab.evaluate(() => ({scrollWidth: document.documentElement.scrollWidth, viewportWidth: window.innerWidth})));
      if (options.screenshot) await tab.screenshot({path: options.screenshot, fullPage: true});
      return {...visit, tab};
    },
    async close() {
      await context.close();
      await rm(userDataDir, {recursive: true, force: true});
    }
  };
}
