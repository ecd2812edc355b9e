// Small building blocks shared by the pages. Everything goes through htl's html, which escapes
// interpolated strings: sequence IDs, paths and commands from logs render as text, never as markup.
import {html} from "htl";
import {NA, statusWord} from "./format.js";

export function statusBadge(status, {small = false} = {}) {
  return html`<span class=${`bb-status bb-status--${status}${small ? " bb-status--small" : ""}`} data-status=${status}>${statusWord(status)}</span>`;
}

/** The SQL behind a table, folded away. */
export function sqlDetails(sql, label = "SQL") {
  if (!sql) return html`<span></span>`;
  const entries = typeof sql === "string" ? [[label, sql]] : Object.entries(sql);
  return html`<details class="bb-sql"><summary>Show SQL (${entries.map(([k]) => k).join(", ")})</summary>${entries.map(
    ([name, text]) => html`<p class="bb-note">${name}</p><pre><code>${text}</code></pre>`
  )}</details>`;
}

/** A warning reference (W1…) as a link to the warning on the overview, which lists them all. */
export function warningRef(ref) {
  return html`<a class="bb-ref" href=${`./index.html#warning-${ref}`} title=${`warning ${ref}`}>${ref}</a>`;
}

export function warningFlags(flags) {
  return flags?.length ? html` <sup class="bb-flags">${flags.map((f, i) => html`${i ? " " : ""}${warningRef(f)}`)}</sup>` : "";
}

/** Wide content (tables) scrolls inside its own box, never the page. */
export function scroller(content) {
  return html`<div class="bb-scroll" tabindex="0">${content}</div>`;
}

/**
 * A chart as a labelled figure: an accessible name for screen readers, and its data as CSV and JSON
 * downloads (made in the browser from the rows the chart draws, so no extra file is shipped).
 */
export function chartFigure(chart, {label, rows, name, columns}) {
  chart.setAttribute?.("role", "img");
  chart.setAttribute?.("aria-label", label);
  const svg = chart.tagName?.toLowerCase() === "svg" ? chart : chart.querySelector?.("svg[class^='plot']:not([class*='swatch'])") ?? chart.querySelector?.("svg");
  if (svg && svg !== chart) svg.setAttribute("aria-label", label);
  const keys = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const csv = [keys.join(","), ...rows.map((r) => keys.map((k) => csvField(r[k])).join(","))].join("\n") + "\n";
  const href = (text, type) => URL.createObjectURL(new Blob([text], {type}));
  return html`<figure class="bb-figure" data-chart=${name}>
    ${chart}
    <figcaption class="bb-note">${label} · data: <a download=${`${name}.csv`} href=${href(csv, "text/csv")}>CSV</a> · <a download=${`${name}.json`} href=${href(JSON.stringify(rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k] ?? null]))), null, 1), "application/json")}>JSON</a></figcaption>
  </figure>`;
}

function csvField(v) {
  if (v == null) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The criterion targets a chart should draw: every criterion whose metric is one of `metrics`. */
export function targetsOf(criteria, metrics) {
  return criteria.filter((c) => metrics.includes(c.metric) && c.target != null);
}

export function warningList(warnings) {
  if (!warnings.length) return html`<p class="bb-note">No warnings.</p>`;
  return html`<div>${warnings.map(
    (w) => html`<div class="bb-warning bb-warning--${w.severity}" data-code=${w.code} id=${w.ref ? `warning-${w.ref}` : null}>
      ${w.ref ? html`<a class="bb-ref" href=${`#warning-${w.ref}`}><strong>${w.ref}</strong></a> ` : ""}<strong>${w.severity.toUpperCase()}</strong> <code>${w.code}</code>${w.run ? html` · run <code>${w.run}</code>` : ""}
      <div>${w.message}</div>
      ${w.file ? html`<div class="bb-note bb-mono">${w.file}${w.line ? `:${w.line}` : ""}</div>` : ""}
      ${w.affects?.length ? html`<div class="bb-note">affects: ${w.affects.join(", ")}</div>` : ""}
    </div>`
  )}</div>`;
}

/** A plain table from rows and column specs {label, value(row), num?}. */
export function table(rows, columns, {className = "bb-table"} = {}) {
  return scroller(html`<table class=${className}>
    <thead><tr>${columns.map((c) => html`<th class=${c.num ? "num" : ""}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr>${columns.map((c) => html`<td class=${c.num ? "num" : ""}>${c.value(r)}</td>`)}</tr>`)}</tbody>
  </table>`);
}

/** A headline figure: value, then how it was computed. */
export function headlineCard(h) {
  return html`<div class="card" data-headline=${h.id} data-verdict=${h.verdict ?? ""}>
    <h2>${h.label}</h2>
    <div class="bb-card-value">${h.value ?? NA}</div>
    ${h.formula ? html`<div class="bb-formula">${h.formula}</div>` : ""}
    ${h.note ? html`<div class="bb-note">${h.note}</div>` : ""}
  </div>`;
}
