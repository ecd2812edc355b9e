/**
 * Inline SVG charts for the archive's static pages: a line chart across releases and a horizontal bar
 * chart. Plain SVG text, no script, so the trend page and the single-file export draw without JS.
 * Every data point is a mark with a <title> carrying its value; missing values leave a gap.
 */
import {NA} from "../render/format.ts";
import {esc} from "./html.ts";

export const PALETTE = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"];

export interface Series {
  name: string;
  values: Array<number | null>;
  /** per value: why it does not count (an INVALID judgement); drawn hollow and named in its title */
  invalid?: Array<string | null>;
}

export interface LineChartOptions {
  title: string;
  /** x positions, in order (release names) */
  categories: string[];
  series: Series[];
  format: (v: number) => string;
  /** axis labels (default: format); ticks are round numbers that need fewer digits than values */
  tick?: (v: number) => string;
  /** include 0 in the y domain (times, speedups) rather than zooming to the data (agreement) */
  zero?: boolean;
  /** a horizontal reference line, e.g. the criterion's target */
  target?: {value: number; label: string};
  /** several reference lines (e.g. one wall-time target per run) */
  targets?: Array<{value: number; label: string}>;
}

const W = 640;
const H = 260;
const M = {top: 16, right: 16, bottom: 28, left: 64};

export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw * (1 - 1e-9)) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function domain(values: number[], zero: boolean, target?: number): [number, number] {
  const all = target == null ? values : [...values, target];
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (zero) lo = Math.min(0, lo);
  if (hi === lo) {
    const pad = Math.abs(hi) * 0.05 || 1;
    return [zero ? Math.min(0, lo - pad) : lo - pad, hi + pad];
  }
  const pad = (hi - lo) * 0.08;
  return [zero && lo >= 0 ? lo : lo - pad, hi + pad];
}

export function lineChart(options: LineChartOptions): string {
  const values = options.series.flatMap((s) => s.values.filter((v): v is number => v != null && Number.isFinite(v)));
  const caption = `<figcaption>${esc(options.title)}</figcaption>`;
  if (values.length === 0) return `<figure class="chart" data-chart="${esc(options.title)}">${caption}<p class="note">no data in any release</p></figure>`;
  const targets = [...(options.target ? [options.target] : []), ...(options.targets ?? [])];
  const [lo, hi] = domain([...values, ...targets.map((t) => t.value)], options.zero ?? false);
  const n = options.categories.length;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  // inset so the first and last release labels are not cut at the edges
  const inset = 40;
  const x = (i: number) => M.left + inset + (n === 1 ? (plotW - 2 * inset) / 2 : ((plotW - 2 * inset) * i) / (n - 1));
  const y = (v: number) => M.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const parts: string[] = [];
  for (const t of niceTicks(lo, hi)) {
    parts.push(`<g class="tick"><line x1="${M.left}" x2="${W - M.right}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#eaeef2"/><text x="${M.left - 6}" y="${f(y(t))}" dy="0.32em" text-anchor="end" fill="#57606a">${esc((options.tick ?? options.format)(t))}</text></g>`);
  }
  options.categories.forEach((c, i) => {
    parts.push(`<text x="${f(x(i))}" y="${H - M.bottom + 16}" text-anchor="middle" fill="#57606a">${esc(c)}</text>`);
  });
  for (const target of targets) {
    const ty = f(y(target.value));
    parts.push(`<g class="target" data-target="${target.value}"><line x1="${M.left}" x2="${W - M.right}" y1="${ty}" y2="${ty}" stroke="#cf222e" stroke-dasharray="4 3"/><text x="${W - M.right}" y="${ty}" dy="-0.4em" text-anchor="end" fill="#a40e26">${esc(target.label)}</text></g>`);
  }
  options.series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    let d = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (v == null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${f(x(i))},${f(y(v))}`;
      pen = true;
    });
    const dots = s.values
      .map((v, i) => {
        if (v == null || !Number.isFinite(v)) return "";
        const invalid = s.invalid?.[i];
        const title = esc(`${s.name} · ${options.categories[i]}: ${options.format(v)}${invalid ? ` — INVALID: ${invalid}` : ""}`);
        return invalid
          ? `<g class="bb-mark bb-mark--invalid" data-release="${esc(options.categories[i])}" data-value="${v}" data-invalid="true"><circle cx="${f(x(i))}" cy="${f(y(v))}" r="5" fill="#fff" stroke="#8250df" stroke-width="2.5"/><text x="${f(x(i) + 8)}" y="${f(y(v))}" dy="0.32em" fill="#8250df" font-weight="700">INVALID</text><title>${title}</title></g>`
          : `<circle class="bb-mark" cx="${f(x(i))}" cy="${f(y(v))}" r="4" fill="${color}" data-release="${esc(options.categories[i])}" data-value="${v}"><title>${title}</title></circle>`;
      })
      .join("");
    parts.push(`<g class="series" data-series="${esc(s.name)}">${d ? `<path class="bb-line" d="${d}" fill="none" stroke="${color}" stroke-width="2"/>` : ""}${dots}</g>`);
  });
  const legend = `<div class="legend note">${options.series
    .map((s, k) => `<span class="legend-item"><span style="color:${PALETTE[k % PALETTE.length]}">&#9632;</span> ${esc(s.name)}</span>`)
    .join(" &#183; ")}${options.series.some((s) => s.invalid?.some(Boolean)) ? ` &#183; <span class="legend-item"><span style="color:#8250df">&#9675;</span> INVALID (does not count; see its release)</span>` : ""}</div>`;
  const svg = `<svg class="bb-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(options.title)}" xmlns="http://www.w3.org/2000/svg">${parts.join("")}</svg>`;
  return `<figure class="chart" data-chart="${esc(options.title)}">${caption}${svg}${legend}${dataTable(options)}</figure>`;
}

/** The chart's numbers as a table, for readers (and screen readers) who want the exact values. */
function dataTable(options: LineChartOptions): string {
  const head = `<tr><th>Series</th>${options.categories.map((c) => `<th class="num">${esc(c)}</th>`).join("")}</tr>`;
  const rows = options.series.map((s) => `<tr><td>${esc(s.name)}</td>${s.values.map((v, i) => `<td class="num">${v == null ? NA : esc(options.format(v))}${s.invalid?.[i] ? " (INVALID)" : ""}</td>`).join("")}</tr>`).join("");
  return `<details><summary>values</summary><table>${head}${rows}</table></details>`;
}

export interface Bar {
  label: string;
  value: number | null;
}

/**
 * Horizontal bars (e.g. stage times of one run) over an x axis. Charts meant to be compared (one per
 * run) pass the same `max`, so equal lengths mean equal values across them.
 */
export function barChart(options: {title: string; bars: Bar[]; format: (v: number) => string; tick?: (v: number) => string; max?: number; axisLabel?: string}): string {
  const bars = options.bars.filter((b) => b.value != null && Number.isFinite(b.value)) as Array<{label: string; value: number}>;
  const caption = `<figcaption>${esc(options.title)}</figcaption>`;
  if (bars.length === 0) return `<figure class="chart" data-chart="${esc(options.title)}">${caption}<p class="note">no data</p></figure>`;
  const rowH = 20;
  const left = 200;
  const right = 90;
  const axisH = 34;
  const height = bars.length * rowH + 8 + axisH;
  const ticks = niceTicks(0, Math.max(options.max ?? 0, ...bars.map((b) => b.value), 0) || 1);
  const max = Math.max(ticks.at(-1)!, options.max ?? 0, ...bars.map((b) => b.value)) || 1;
  const scale = (W - left - right) / max;
  const rows = bars
    .map((b, i) => {
      const yy = 4 + i * rowH;
      return `<g><text x="${left - 6}" y="${yy + rowH / 2}" dy="0.32em" text-anchor="end" fill="#1f2328">${esc(truncate(b.label, 30))}</text><rect class="bb-mark" x="${left}" y="${yy + 3}" width="${f(Math.max(b.value * scale, 0.5))}" height="${rowH - 6}" fill="${PALETTE[0]}" data-value="${b.value}"><title>${esc(`${b.label}: ${options.format(b.value)}`)}</title></rect><text x="${f(left + b.value * scale + 4)}" y="${yy + rowH / 2}" dy="0.32em" fill="#57606a">${esc(options.format(b.value))}</text></g>`;
    })
    .join("");
  const axisY = 4 + bars.length * rowH + 4;
  const axis = `<g class="axis"><line x1="${left}" x2="${f(left + max * scale)}" y1="${axisY}" y2="${axisY}" stroke="#8c959f"/>${ticks
    .map((t) => `<g class="tick"><line x1="${f(left + t * scale)}" x2="${f(left + t * scale)}" y1="${axisY}" y2="${axisY + 4}" stroke="#8c959f"/><text x="${f(left + t * scale)}" y="${axisY + 15}" text-anchor="middle" fill="#57606a">${esc((options.tick ?? options.format)(t))}</text></g>`)
    .join("")}${options.axisLabel ? `<text x="${f(left + max * scale)}" y="${axisY + 29}" text-anchor="end" fill="#57606a">${esc(options.axisLabel)}</text>` : ""}</g>`;
  return `<figure class="chart" data-chart="${esc(options.title)}">${caption}<svg class="bb-chart" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(options.title)}" xmlns="http://www.w3.org/2000/svg">${rows}${axis}</svg></figure>`;
}

function f(v: number): string {
  return Number(v.toFixed(2)).toString();
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
