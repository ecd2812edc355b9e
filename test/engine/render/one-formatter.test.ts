/**
 * One formatter for every output (engine/render/format.ts). The same figure must read the same in the
 * text and Markdown reports, the criteria's JSON display values, the site's page data, the pages in the
 * browser (components/format.js, written from the same file) and the archive's index and trend pages,
 * and a missing figure must read NA ("n/a") in every one of them. A second, hand-kept formatter anywhere
 * (a page's own toFixed, a stale copy of format.js in src/) is what these tests catch.
 */
import {mkdir, readdir, readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {pathToFileURL} from "node:url";
import {describe, expect, it} from "vitest";
import * as format from "../../../engine/render/format.ts";
import {count, duration, likeTarget, NA, pct, secs, times} from "../../../engine/render/format.ts";
import {formatMarkdown} from "../../../engine/render/markdown.ts";
import {formatText} from "../../../engine/render/text.ts";
import {evaluateCriteria, summarize} from "../../../engine/report/criteria.ts";
import type {Report} from "../../../engine/report/types.ts";
import {indexPage} from "../../../engine/archive/root.ts";
import {trendPage} from "../../../engine/archive/trend.ts";
import type {Manifest} from "../../../engine/archive/manifest.ts";
import type {ArchivedRelease} from "../../../engine/archive/scan.ts";
import {headlines, timingPage} from "../../../engine/site/pages.ts";
import {browserFormat, writeBrowserFormat} from "../../../engine/site/browser-format.ts";
import {copySiteRoot} from "../../../engine/site/build.ts";
import type {CriterionSpec} from "../../../engine/study.ts";
import {REPO, useTmp} from "../../helpers/tmp.ts";
import {sampleReport} from "../report/sample-report.ts";

const tmp = useTmp();

const SPECS: CriterionSpec[] = [
  {id: "time_2gpu", label: "2-GPU total time < 30 min", metric: "run.total_seconds", comparison: "<", target: 1800, run: "2gpu"},
  {id: "scaling", label: "Multi-GPU scaling >= 1.9x", metric: "scaling.speedup", comparison: ">=", target: 1.9},
  {id: "consensus_agreement", label: "Consensus label agreement >= 99 %", metric: "correctness.consensus.label_agreement", comparison: ">=", target: 0.99, run: "every"}
];

/** The Phase 10 report with its criteria judged (and display values formatted) by criteria.ts itself. */
function judged(edit: (r: Report) => void = () => {}): Report {
  const report = sampleReport();
  edit(report);
  const {criteria: _criteria, summary: _summary, ...figures} = report;
  const criteria = evaluateCriteria(figures, SPECS);
  return {...report, criteria, summary: summarize(criteria)};
}

function archived(report: Report): ArchivedRelease {
  const manifest = {release: report.release, title: report.title, date: "2026-03-01", build_time: "2026-03-01T10:00:00Z", content_sha256: "0".repeat(64)} as Manifest;
  return {release: report.release, dir: `releases/${report.release}`, manifest, report, signoff: {state: "none"}};
}

/** Every output a figure appears in, rendered from one report. */
function outputs(report: Report) {
  const json = JSON.parse(JSON.stringify(report)) as Report;
  const release = archived(json);
  return {
    text: formatText(report),
    markdown: formatMarkdown(report),
    json,
    headlines: Object.fromEntries(headlines(json).map((h) => [h.id, h])),
    timing: timingPage(json),
    index: indexPage({releases: [release], replaced: [], broken: []}),
    trend: trendPage([release])
  };
}

const lineWith = (out: string, ...needles: string[]) => out.split("\n").find((l) => needles.every((n) => l.includes(n))) ?? "";
/** the archive index's row cell of one run (wall time) or one run's value */
const indexRun = (html: string, run: string) => html.match(new RegExp(`<div><code>${run}</code> ([^<]*)`))?.[1];
const indexAgreement = (html: string, run: string) => html.match(new RegExp(`<div data-run="${run}"[^>]*><span class="run-value"[^>]*><code>${run}</code> ([^<]*)`))?.[1];

describe("the house style", () => {
  it("formats a figure one way: seconds with the truncated clock, 2-decimal ratios, percent with a space, grouped counts", () => {
    expect(duration(2024.96)).toBe("2025.0 s (33:44)");
    expect(duration(2025)).toBe("2025.0 s (33:45)");
    expect(secs(3200.6)).toBe("3200.6 s");
    expect(times(1.580543)).toBe("1.58x");
    expect(pct(0.7902716)).toBe("79.0 %");
    expect(pct(0.9987326, 2)).toBe("99.87 %");
    expect(count(601257)).toBe("601,257");
    expect(likeTarget(0.9308881, ">= 99.00 %")).toBe("93.09 %");
    expect(likeTarget(1.580543, ">= 1.90x")).toBe("1.58x");
    expect(likeTarget(2025, "< 1800 s")).toBe("2025.0 s (33:45)");
    expect(format.sci(1.357e-5)).toBe("1.357e-5");
    expect(format.bytes(1536)).toBe("1.5 KiB");
    expect(format.points(0.0042)).toBe("+0.42");
    expect(format.signed(-3)).toBe("-3.0 s");
    expect(format.rate(1234.56)).toBe("1,234.6");
    expect(format.statusWord("no_data")).toBe("NO DATA");
  });

  it("shows missing data as the one glyph, never 0, from every number formatter", () => {
    expect(NA).toBe("n/a");
    const numeric = Object.entries(format).filter(([name, f]) => typeof f === "function" && !["formatTarget", "formatUnit", "statusWord"].includes(name));
    expect(numeric.length).toBeGreaterThan(15);
    for (const [name, f] of numeric) {
      expect((f as (x: null) => string)(null), name).toBe(NA);
      expect((f as (x: undefined) => string)(undefined), name).toBe(NA);
    }
    for (const unit of ["seconds", "times", "fraction", "fraction2", "rate", "number"] as const) expect(format.formatUnit(unit, null)).toBe(NA);
  });
});

describe("one figure, every output", () => {
  it("the same value reads identically in the text and Markdown reports, the JSON display values, the page data and the archive", () => {
    const out = outputs(judged());
    const wall = duration(2025); // 2gpu's total
    const speedup = times(1.580543209876543);
    const agreement = pct(0.9987326550875915, 2); // 2gpu's consensus, as its criterion's target shows it
    expect([wall, speedup, agreement]).toEqual(["2025.0 s (33:45)", "1.58x", "99.87 %"]);

    const byId = Object.fromEntries(out.json.criteria.map((c) => [c.id, c]));
    expect(byId.time_2gpu!.display_value).toBe(wall);
    expect(byId.scaling!.display_value).toBe(speedup);
    expect(byId.consensus_agreement!.per_run!.find((p) => p.run === "2gpu")!.display_value).toBe(agreement);

    for (const doc of [out.text, out.markdown]) {
      expect(lineWith(doc, "time_2gpu")).toContain(wall);
      expect(lineWith(doc, " scaling ")).toContain(speedup);
      expect(lineWith(doc, "consensus_agreement")).toContain(agreement);
    }

    // the sample's 2gpu is contaminated, so its cards say INVALID after the value
    expect(out.headlines.time_2gpu!.value).toBe(`${wall} (INVALID)`);
    expect(out.headlines.scaling_1gpu_2gpu!.value).toBe(`${speedup} (79.0 % efficiency) (INVALID)`);
    expect(out.headlines.agreement_2gpu_consensus!.value).toBe(agreement);
    expect(out.timing.runs.find((r) => r.id === "2gpu")!.total_display).toBe(wall);

    // the index shows the seconds without the clock, from the same formatter
    expect(indexRun(out.index, "2gpu")).toBe(`${secs(2025)} `);
    expect(out.index).toContain(`<div>${speedup} <span class="note">1gpu → 2gpu</span></div>`);
    expect(indexAgreement(out.index, "2gpu")).toBe(`${agreement} `);
    expect(out.trend).toContain(`<td class="num">${secs(2025)}</td>`);
  });

  it("a missing figure reads n/a in every output; the JSON keeps null, never a string or 0", () => {
    const out = outputs(
      judged((r) => {
        r.runs.find((x) => x.id === "2gpu")!.total_seconds = null;
        r.scaling[0]!.speedup = null;
        const consensus = r.correctness.find((c) => c.run === "2gpu" && c.level === "consensus")!;
        consensus.label_agreement = null;
        consensus.within_tolerance = null;
      })
    );
    const byId = Object.fromEntries(out.json.criteria.map((c) => [c.id, c]));
    expect([byId.time_2gpu!.value, byId.time_2gpu!.display_value]).toEqual([null, null]);
    expect([byId.scaling!.value, byId.scaling!.display_value]).toEqual([null, null]);
    expect(byId.consensus_agreement!.per_run!.find((p) => p.run === "2gpu")).toMatchObject({value: null, display_value: null});

    for (const doc of [out.text, out.markdown]) {
      expect(lineWith(doc, "time_2gpu")).toMatch(/\bn\/a\b/);
      expect(lineWith(doc, " scaling ")).toMatch(/\bn\/a\b/);
    }

    // page data keeps null (the page shows NA); the sentences it assembles name the gap as NA
    expect(out.headlines.time_2gpu!.value).toBeNull();
    expect(out.headlines.agreement_2gpu_consensus!.value).toBeNull();
    expect(out.headlines.agreement_2gpu_consensus!.note).toContain(`${NA} within tolerance`);
    expect(out.timing.runs.find((r) => r.id === "2gpu")!.total_display).toBeNull();

    expect(indexRun(out.index, "2gpu")).toBe(`${NA} `);
    expect(out.index).toContain(`<div>${NA} <span class="note">1gpu → 2gpu</span></div>`);
    expect(indexAgreement(out.index, "2gpu")).toBe(`${NA} `);
    expect(out.trend).toContain(`<td class="num">${NA}</td>`);
    for (const html of [out.index, out.trend]) {
      expect(html).not.toContain("no data<");
      expect(html).not.toMatch(/<td class="num">—<\/td>/);
    }
  });
});

describe("the pages' formatter in the browser is format.ts itself", () => {
  it("components/format.js, written from format.ts, exports the same functions and formats every value identically", async () => {
    const dir = await tmp();
    const file = await writeBrowserFormat(dir);
    expect(file).toBe(path.join(dir, "components", "format.js"));
    const code = await readFile(file, "utf8");
    expect(code).not.toMatch(/^\s*import\b/m); // a browser module with nothing to resolve
    const browser = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    expect(Object.keys(browser).sort()).toEqual(Object.keys(format).sort());
    const values = [null, undefined, 0, -3, 1e-5, 0.0042, 0.9987326550875915, 1.580543, 1536, 2025, 3200.62, 601257, 5400];
    for (const [name, f] of Object.entries(format)) {
      if (typeof f !== "function") {
        expect(browser[name], name).toEqual(f);
        continue;
      }
      const g = browser[name] as (...args: unknown[]) => unknown;
      if (name === "formatUnit") for (const unit of ["seconds", "times", "fraction", "fraction2", "rate", "number"]) for (const v of values) expect(g(unit, v)).toBe((f as typeof g)(unit, v));
      else if (name === "formatTarget") expect(g("fraction2", ">=", 0.99)).toBe(format.formatTarget("fraction2", ">=", 0.99));
      else if (name === "likeTarget") for (const t of ["> 80.0 %", ">= 99.00 %", ">= 1.90x", "< 3600 s", ">= 5"]) for (const v of values) expect(g(v, t)).toBe(likeTarget(v, t));
      else if (name === "statusWord") for (const s of ["pass", "no_data", "weird_one"]) expect(g(s)).toBe(format.statusWord(s));
      else for (const v of values) for (const digits of [undefined, 1, 3]) expect(g(v, digits), `${name}(${v}, ${digits})`).toBe((f as typeof g)(v, digits));
    }
  });

  it("every name a page imports from format.js is one format.ts exports", async () => {
    const imported = new Set<string>();
    const src = path.join(REPO, "src");
    const files = [...(await readdir(src)).filter((f) => f.endsWith(".md")), ...(await readdir(path.join(src, "components"))).filter((f) => f.endsWith(".js")).map((f) => `components/${f}`)];
    for (const f of files) {
      const text = await readFile(path.join(src, f), "utf8");
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"\.\/(?:components\/)?format\.js"/g)) for (const name of m[1]!.split(",")) imported.add(name.trim());
    }
    expect(imported.size).toBeGreaterThan(10);
    expect([...imported].filter((n) => !(n in format))).toEqual([]);
  });

  it("a site build's page root gets a fresh format.js, never a stale one left in src/ by an old preview", async () => {
    const work = await tmp();
    const source = path.join(work, "pages");
    await mkdir(path.join(source, "components"), {recursive: true});
    await mkdir(path.join(source, "data"));
    await writeFile(path.join(source, "components", "format.js"), 'export const NA = "no data";\n');
    const root = await copySiteRoot(work, source);
    expect(await readFile(path.join(root, "components", "format.js"), "utf8")).toBe(await browserFormat());
  });

  it("no page, engine module or command formats numbers itself: toFixed and friends live in format.ts", async () => {
    // display-free uses: chart.ts computes tick values and SVG coordinates
    const allowed = new Set(["engine/render/format.ts", "engine/archive/chart.ts", "src/components/format.js"]);
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(path.join(REPO, dir), {withFileTypes: true})) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) {
          if (!e.name.startsWith(".")) await walk(rel);
        } else if (/\.(ts|js|md)$/.test(e.name) && !allowed.has(rel)) {
          const text = await readFile(path.join(REPO, rel), "utf8");
          text.split("\n").forEach((line, i) => {
            if (/\.(toFixed|toPrecision|toExponential|toLocaleString)\(/.test(line)) offenders.push(`${rel}:${i + 1}`);
          });
        }
      }
    };
    for (const dir of ["engine", "src", "commands"]) await walk(dir);
    expect(offenders).toEqual([]);
  });
});
