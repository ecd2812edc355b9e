/**
 * Drives Debian's Chromium (playwright-core, never a downloaded browser) over a served site: loads each
 * page, records console errors, page errors and every request that leaves 127.0.0.1, waits for the
 * charts and measures the time to the first chart. Shared by the e2e test and bench/site.ts.
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
  /** every Plot chart on the page with the number of elements its data marks drew */
  charts: Array<{marks: number}>;
}

export interface BrowserSession {
  browser: Browser;
  visit(url: string, options?: {screenshot?: string; settle?: (page: Page) => Promise<void>}): Promise<PageVisit & {tab: Page}>;
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
  return {
    browser,
    async visit(url, options = {}) {
      const tab = await context.newPage();
      const visit: PageVisit = {page: url, consoleErrors: [], pageErrors: [], externalRequests: [], failedRequests: [], scriptBytes: 0, firstChartMs: null, charts: []};
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
      // Framework renders cells after load; the first chart marks the page as usable
      visit.firstChartMs = await tab
        .waitForFunction(() => document.querySelector("#observablehq-main svg[class^='plot']") != null, null, {timeout: 15_000})
        .then(() => tab.evaluate(() => performance.now()))
        .catch(() => null);
      await tab.waitForLoadState("networkidle");
      if (options.settle) await options.settle(tab);
      // data marks only: axes, grids, rules and text labels would make an empty chart look drawn
      visit.charts = await tab.evaluate(() =>
        Array.from(document.querySelectorAll("#observablehq-main svg[class^='plot']"), (svg) => ({
          marks: Array.from(svg.querySelectorAll("g[aria-label]"))
            .filter((g) => ["bar", "dot", "line", "area", "cell", "rect", "tick"].includes(g.getAttribute("aria-label") ?? ""))
            .reduce((n, g) => n + g.querySelectorAll("rect, path, circle, line").length, 0)
        }))
      );
      if (options.screenshot) await tab.screenshot({path: options.screenshot, fullPage: true});
      return {...visit, tab};
    },
    async close() {
      await context.close();
      await rm(userDataDir, {recursive: true, force: true});
    }
  };
}
