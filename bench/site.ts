/**
 * Report-site budgets (issue 4), a benchmark, not a test:
 *   cold and warm site build time (target: cold < 30 s), JavaScript transferred per page (< 1 MB),
 *   data loaded per page, and time to first chart in headless Chromium on localhost (< 1.5 s).
 * `node --import tsx bench/site.ts` measures the example study;
 * `node --import tsx bench/site.ts --phase10 [perFrameRows]` generates a Phase-10-scale study first (tens of
 * thousands of mismatching rows) to check that pages stay small and usable.
 */
import {mkdir, readdir, rm, stat} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {ingestStudy} from "../engine/ingest/ingest.ts";
import {buildSite, SHARED_NODE_CACHE} from "../engine/site/build.ts";
import {serveDirectory} from "../engine/server/serve.ts";
import {chromiumAvailable, openBrowser} from "../test/e2e/browser.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = path.join(root, "bench", "out", "site");
const args = process.argv.slice(2);
const PAGES = ["index.html", "timing.html", "correctness.html", "gpu.html", "runs.html"];

async function studyFile(): Promise<string> {
  if (!args.includes("--phase10")) return path.join(root, "data", "example", "study.yaml");
  const rows = Number(args[args.indexOf("--phase10") + 1]) || 794_577;
  const {phase10Plan, writeStudy} = await import("../loaders/virnucpro/example/generate.ts");
  const dir = path.join(out, `phase10-${rows}`);
  await rm(dir, {recursive: true, force: true});
  await mkdir(dir, {recursive: true});
  return (await writeStudy(dir, phase10Plan({perFrameRows: rows}))).studyFile;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, (performance.now() - t) / 1000];
}

async function filesUnder(dir: string): Promise<Array<{file: string; bytes: number}>> {
  const entries = await readdir(dir, {recursive: true, withFileTypes: true});
  return Promise.all(
    entries.filter((e) => e.isFile()).map(async (e) => {
      const file = path.join(e.parentPath, e.name);
      return {file: path.relative(dir, file), bytes: (await stat(file)).size};
    })
  );
}

const study = await studyFile();
const [{dbFile}, ingestSeconds] = await timed(() => ingestStudy(study, {force: true}));
console.log(`study ${study}\ningest ${ingestSeconds.toFixed(2)} s`);

const site = path.join(out, "dist");
// cold: no cached loader output and no bundled npm modules
await rm(SHARED_NODE_CACHE, {recursive: true, force: true});
const [, cold] = await timed(() => buildSite({dbFile, studyFile: study, outDir: site}));
const [, warm] = await timed(() => buildSite({dbFile, studyFile: study, outDir: site}));
console.log(`site build cold ${cold.toFixed(1)} s (target < 30 s), warm ${warm.toFixed(1)} s`);

const files = await filesUnder(site);
const data = files.filter((f) => f.file.startsWith(path.join("_file", "data")));
for (const f of data) console.log(`  data ${f.file.padEnd(48)} ${(f.bytes / 1024).toFixed(1).padStart(9)} KiB`);
console.log(`  dist total ${(files.reduce((s, f) => s + f.bytes, 0) / 1024 / 1024).toFixed(2)} MiB in ${files.length} files`);

if (!chromiumAvailable()) {
  console.log("Chromium not found at /usr/bin/chromium: browser figures skipped");
} else {
  const server = await serveDirectory(site);
  const browser = await openBrowser();
  try {
    console.log("page               JS transferred   first chart   charts   errors");
    for (const page of PAGES) {
      // the first visit warms nothing the reader would not have: each page is measured in a new tab
      const {tab, ...v} = await browser.visit(new URL(page, server.url).href);
      await tab.close();
      const errors = v.consoleErrors.length + v.pageErrors.length + v.externalRequests.length;
      console.log(
        `${page.padEnd(18)} ${`${(v.scriptBytes / 1024).toFixed(0)} KiB`.padStart(14)}   ${(v.firstChartMs == null ? "no chart" : `${v.firstChartMs.toFixed(0)} ms`).padStart(11)}   ${String(v.charts.length).padStart(6)}   ${errors}`
      );
    }
  } finally {
    await browser.close();
    await server.close();
  }
}
