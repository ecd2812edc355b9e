// The criteria scoreboard: status as a word and a colour, value against target, and why.
import {html} from "htl";
import {statusBadge} from "./ui.js";

export function scoreboard(criteria) {
  return html`<table class="bb-table bb-scoreboard">
    <thead><tr><th>Status</th><th>Criterion</th><th class="num">Value</th><th class="num">Target</th><th>How / why</th></tr></thead>
    <tbody>${criteria.map(
      (c) => html`<tr data-criterion=${c.id} data-status=${c.status}>
        <td>${statusBadge(c.status)}</td>
        <td><strong>${c.label}</strong><div class="bb-note bb-mono">${c.id}</div></td>
        <td class="num">${c.display_value ?? "no data"}${c.per_run?.length && c.value_run ? html`<div class="bb-note" data-value-run=${c.value_run}>${c.value_run}</div>` : ""}${c.flags?.length ? html` <sup class="bb-flags" title="affected by warnings ${c.flags.join(", ")}">${c.flags.join(" ")}</sup>` : ""}</td>
        <td class="num">${c.display_target}</td>
        <td>${c.formula ? html`<div class="bb-formula">${c.formula}</div>` : ""}${c.reason ? html`<div class="bb-note">${c.reason}</div>` : ""}${
          c.per_run?.length
            ? html`<div class="bb-note">${c.per_run.map((p) => html`<span data-run=${p.run}>${p.run}: ${p.display_value ?? "no data"} ${statusBadge(p.status)} </span>`)}</div>`
            : ""
        }</td>
      </tr>`
    )}</tbody>
  </table>`;
}
