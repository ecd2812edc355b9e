/**
 * trend.html: how the headline figures moved across releases (oldest → newest by study date), drawn
 * as static SVG from each release's archived report. A run id (1gpu, 2gpu…) is one line; a release
 * without that run leaves a gap rather than a zero.
 */
import {lineChart, type Series} from "./chart.ts";
import {figuresOf, invalidReason, runValueHtml, type ReleaseFigures} from "./figures.ts";
import {NA, pct, secs, short, statusWord, times} from "../render/format.ts";
import {esc, page} from "./html.ts";
import type {ArchivedRelease} from "./scan.ts";

// ticks are round: print them without padding decimals
const TICK = {
  seconds: (v: number) => `${short(v)} s`,
  ratio: (v: number) => `${short(v)}x`,
  percent: (v: number) => `${short(v * 100)} %`
};

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function seriesBy<K>(figures: ReleaseFigures[], keys: K[], name: (k: K) => string, value: (f: ReleaseFigures, k: K) => number | null | undefined): Series[] {
  return keys.map((k) => ({name: name(k), values: figures.map((f) => value(f, k) ?? null)}));
}

/** The newest release's targets for a metric: one line per criterion that reads it. */
function targetsOf(releases: ArchivedRelease[], metric: string): Array<{value: number; label: string}> {
  const newest = releases.at(-1);
  const criteria = newest?.report.criteria.filter((x) => x.metric === metric) ?? [];
  return criteria.map((c) => ({value: c.target, label: `${criteria.length > 1 ? `${c.id} ` : ""}target ${c.display_target} (${newest!.release})`}));
}

export function trendPage(releases: ArchivedRelease[]): string {
  // one set of charts per pipeline: a hyperfine study's runs and stages are not a VirNucPro release's
  const pipelines = unique(releases.map((r) => r.report.pipeline));
  const sections = pipelines.map((pipeline) => {
    const {charts, stageCharts} = trendCharts(releases.filter((r) => r.report.pipeline === pipeline));
    return `${pipelines.length > 1 ? `<h2>Pipeline <code>${esc(pipeline)}</code></h2>\n` : ""}<h2>Headline figures</h2>
<div class="charts">${charts.join("\n")}</div>
<h2>Per-stage time</h2>
<div class="charts">${stageCharts.join("\n") || '<p class="note">no stage times in any release</p>'}</div>`;
  });
  const spanning = releases.flatMap((r) =>
    figuresOf(r.report).criteria.map(
      (c) => `<tr data-release="${esc(r.release)}" data-criterion="${esc(c.id)}"><td>${esc(r.release)}</td><td>${esc(c.label)}</td><td class="num">${esc(c.display_value ?? NA)}${c.value_run ? ` <span class="note">(${esc(c.value_run)})</span>` : ""} <span class="status status--${esc(c.status)}">${esc(statusWord(c.status))}</span></td><td>${c.per_run.map((p) => runValueHtml(p, esc)).join(" · ")}</td></tr>`
    )
  );
  const spanningTable = spanning.length
    ? `<div class="scroll"><table class="criteria-runs"><thead><tr><th>Release</th><th>Criterion</th><th class="num">Value (run)</th><th>Each run: value and verdict</th></tr></thead><tbody>${spanning.join("")}</tbody></table></div>`
    : '<p class="note">no criterion is judged on more than one run</p>';
  const list = releases
    .map((r) => `<li><a href="releases/${esc(encodeURIComponent(r.release))}/index.html">${esc(r.release)}</a> <span class="note">${esc(r.manifest.date ?? "undated")} · ${esc(r.manifest.title)}</span></li>`)
    .join("");
  const body = `<nav class="bb-nav"><a href="index.html">All releases</a></nav>
<h1>Trends across releases</h1>
<p class="note">${releases.length} release${releases.length === 1 ? "" : "s"}, oldest first (ordered by the study's <code>date</code>, then release name). Figures are read from each release's archived report; a run missing from a release leaves a gap. Dashed lines are the newest release's criteria targets; a hollow point marked INVALID is a value its release judged invalid (e.g. a model mismatch), which does not count.</p>
<ol>${list}</ol>
${releases.length ? "" : "<p>No release archived yet.</p>"}
${sections.length ? sections.join("\n") : trendCharts([]).empty}
<h2>Criteria across runs</h2>
<p class="note">A criterion judged on several runs shows the worst run's value (named) and every run's value next to its verdict.</p>
${spanningTable}`;
  return page({title: "Trends across releases", body});
}

function trendCharts(releases: ArchivedRelease[]) {
  const names = releases.map((r) => r.release);
  const figures = releases.map((r) => figuresOf(r.report));
  const runIds = unique(figures.flatMap((f) => f.runs.map((r) => r.id)));
  const scalingKeys = unique(figures.flatMap((f) => f.scaling.map((s) => s.key)));
  const agreementRuns = unique(figures.flatMap((f) => f.agreement.map((a) => a.run)));
  // stages in pipeline order as the newest release logged them
  const stageNames = unique(
    figures
      .slice()
      .reverse()
      .flatMap((f) => [...f.stages].sort((a, b) => (a.order ?? 99) - (b.order ?? 99)).map((s) => s.stage))
  );

  const charts = [
    lineChart({
      title: "Total wall time per run",
      categories: names,
      series: seriesBy(figures, runIds, (id) => id, (f, id) => f.runs.find((r) => r.id === id)?.total_seconds),
      format: (v) => secs(v),
      tick: TICK.seconds,
      zero: true,
      targets: targetsOf(releases, "run.total_seconds")
    }),
    lineChart({
      title: "Multi-GPU scaling (speedup)",
      categories: names,
      series: seriesBy(figures, scalingKeys, (k) => k, (f, k) => f.scaling.find((s) => s.key === k)?.speedup),
      format: (v) => times(v),
      tick: TICK.ratio,
      zero: true,
      targets: targetsOf(releases, "scaling.speedup")
    }),
    lineChart({
      title: "Speedup over the baseline",
      categories: names,
      series: [{name: "headline run (most GPUs)", values: figures.map((f) => f.baseline?.speedup ?? null)}],
      format: (v) => times(v),
      tick: TICK.ratio,
      zero: true,
      targets: targetsOf(releases, "baseline.speedup")
    }),
    lineChart({
      title: "Consensus label agreement",
      categories: names,
      series: seriesBy(figures, agreementRuns, (id) => id, (f, id) => f.agreement.find((a) => a.run === id)?.value).map((s) => ({
        ...s,
        invalid: releases.map((r) => invalidReason(r.report, "correctness.consensus.label_agreement", s.name))
      })),
      format: (v) => pct(v, 3),
      tick: TICK.percent,
      targets: targetsOf(releases, "correctness.consensus.label_agreement")
    })
  ];
  const stageCharts = stageNames.map((stage) =>
    lineChart({
      title: stage,
      categories: names,
      series: seriesBy(figures, runIds, (id) => id, (f, id) => f.stages.find((s) => s.run === id && s.stage === stage)?.seconds),
      format: (v) => secs(v),
      tick: TICK.seconds,
      zero: true
    })
  );
  const empty = `<h2>Headline figures</h2>
<div class="charts">${charts.join("\n")}</div>
<h2>Per-stage time</h2>
<div class="charts">${stageCharts.join("\n") || '<p class="note">no stage times in any release</p>'}</div>`;
  return {charts, stageCharts, empty};
}
