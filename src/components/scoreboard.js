// The criteria scoreboard: status as a word and a colour, value against target, and why. A criterion
// judged on every run shows each run's value beside that run's status, so a headline value is never
// read against a status that another run's value produced.
import {html} from "htl";
import {statusBadge, warningFlags} from "./ui.js";
import {likeTarget, NA} from "./format.js";

export function scoreboard(criteria) {
  return html`<div class="bb-scroll" tabindex="0"><table class="bb-table bb-scoreboard">
    <thead><tr><th>Status</th><th>Criterion</th><th class="num">Value</th><th class="num">Target</th><th>How / why</th></tr></thead>
    <tbody>${criteria.map(
      (c) => html`<tr data-criterion=${c.id} data-status=${c.status}>
        <td data-label="Status">${statusBadge(c.status)}</td>
        <td data-label="Criterion"><strong>${c.label}</strong><div class="bb-note bb-mono">${c.id}</div></td>
        <td class="num" data-label="Value">${c.display_value ?? NA}${c.per_run?.length && c.value_run ? html`<div class="bb-note" data-value-run=${c.value_run}>${c.value_run}</div>` : ""}${warningFlags(c.flags)}${
          c.per_run?.length
            ? html`<div class="bb-per-run">${c.per_run.map(
                (p) => html`<div data-run=${p.run} data-status=${p.status}><code>${p.run}</code> ${likeTarget(p.value, c.display_target)} ${statusBadge(p.status, {small: true})}</div>`
              )}</div>`
            : ""
        }</td>
        <td class="num" data-label="Target">${c.display_target}</td>
        <td data-label="How / why">${c.formula ? html`<div class="bb-formula">${c.formula}</div>` : ""}${c.reason ? html`<div class="bb-note">${c.reason}</div>` : ""}</td>
      </tr>`
    )}</tbody>
  </table></div>`;
}
