// Small building blocks shared by the pages. Everything goes through htl's html, which escapes
// interpolated strings: sequence IDs, paths and commands from logs render as text, never as markup.
import {html} from "htl";
import {statusWord} from "./format.js";

export function statusBadge(status) {
  return html`<span class="bb-status bb-status--${status}" data-status=${status}>${statusWord(status)}</span>`;
}

/** The SQL behind a table, folded away. */
export function sqlDetails(sql, label = "SQL") {
  if (!sql) return html`<span></span>`;
  const entries = typeof sql === "string" ? [[label, sql]] : Object.entries(sql);
  return html`<details class="bb-sql"><summary>Show SQL (${entries.map(([k]) => k).join(", ")})</summary>${entries.map(
    ([name, text]) => html`<p class="bb-note">${name}</p><pre><code>${text}</code></pre>`
  )}</details>`;
}

export function warningList(warnings) {
  if (!warnings.length) return html`<p class="bb-note">No warnings.</p>`;
  return html`<div>${warnings.map(
    (w) => html`<div class="bb-warning bb-warning--${w.severity}" data-code=${w.code} id=${w.ref ? `warning-${w.ref}` : null}>
      ${w.ref ? html`<strong>${w.ref}</strong> ` : ""}<strong>${w.severity.toUpperCase()}</strong> <code>${w.code}</code>${w.run ? html` · run <code>${w.run}</code>` : ""}
      <div>${w.message}</div>
      ${w.file ? html`<div class="bb-note bb-mono">${w.file}${w.line ? `:${w.line}` : ""}</div>` : ""}
      ${w.affects?.length ? html`<div class="bb-note">affects: ${w.affects.join(", ")}</div>` : ""}
    </div>`
  )}</div>`;
}

/** A plain table from rows and column specs {label, value(row), num?}. */
export function table(rows, columns, {className = "bb-table"} = {}) {
  return html`<table class=${className}>
    <thead><tr>${columns.map((c) => html`<th class=${c.num ? "num" : ""}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr>${columns.map((c) => html`<td class=${c.num ? "num" : ""}>${c.value(r)}</td>`)}</tr>`)}</tbody>
  </table>`;
}

/** A headline figure: value, then how it was computed. */
export function headlineCard(h) {
  return html`<div class="card" data-headline=${h.id} data-verdict=${h.verdict ?? ""}>
    <h2>${h.label}</h2>
    <div class="bb-card-value">${h.value ?? "no data"}</div>
    ${h.formula ? html`<div class="bb-formula">${h.formula}</div>` : ""}
    ${h.note ? html`<div class="bb-note">${h.note}</div>` : ""}
  </div>`;
}
