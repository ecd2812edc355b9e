/**
 * `benchbook export <release> --single-file`: the release overview as one HTML file that opens from
 * disk or as an e-mail attachment. Framework cannot do this (its pages load ES modules, which browsers
 * refuse from file://), so the page is rendered here as static HTML from the archived report: inline
 * CSS, inline SVG, the report itself embedded as JSON data, and no reference to any other file or host.
 */
import {readFile} from "node:fs/promises";
import path from "node:path";
import {duration, likeTarget, NA, secs, short} from "../render/format.ts";
import {runStatus} from "../render/sections.ts";
import type {Report, ReportCriterion} from "../report/types.ts";
import {headlines} from "../site/pages.ts";
import {barChart} from "./chart.ts";
import {ArchiveError, assertNoSymlink, checkReleaseName, DATA_DIR, RELEASES_DIR} from "./fs.ts";
import {esc, page, statusBadge} from "./html.ts";
import type {Manifest} from "./manifest.ts";
import {checkReleaseFolder, refuseTampered} from "./verify.ts";
import {readArchivedManifest, readSignoffs, signoffKind, signoffState, signoffText, displayTime, type SignoffState} from "./signoff.ts";

const OVERALL_WORD: Record<string, string> = {pass: "PASS", fail: "FAIL", incomplete: "INCOMPLETE"};

export async function exportRelease(root: string, release: string): Promise<string> {
  checkReleaseName(release);
  const manifest = await readArchivedManifest(root, release);
  refuseTampered(await checkReleaseFolder(root, release), "export it");
  const rel = path.join(RELEASES_DIR, release, DATA_DIR, "report.json");
  await assertNoSymlink(root, rel);
  let report: Report;
  try {
    report = JSON.parse(await readFile(path.join(root, rel), "utf8")) as Report;
  } catch (error) {
    throw new ArchiveError(`${path.join(root, rel)} is missing or unreadable (${(error as Error).message}); the release folder is incomplete`);
  }
  const state = signoffState(await readSignoffs(root, release), manifest.content_sha256);
  return singleFileOverview(report, manifest, state);
}

function scoreboard(criteria: ReportCriterion[]): string {
  const rows = criteria
    .map(
      (c) => `<tr data-criterion="${esc(c.id)}" data-status="${esc(c.status)}">
<td>${statusBadge(c.status)}</td>
<td><strong>${esc(c.label)}</strong><div class="note mono">${esc(c.id)}</div></td>
<td class="num">${esc(c.display_value ?? NA)}${c.per_run?.length && c.value_run ? `<div class="note">${esc(c.value_run)}</div>` : ""}${c.flags.length ? ` <sup title="affected by warnings ${esc(c.flags.join(", "))}">${esc(c.flags.join(" "))}</sup>` : ""}${
        c.per_run?.length
          ? `<div class="per-run">${c.per_run.map((p) => `<div data-run="${esc(p.run)}" data-status="${esc(p.status)}"><code>${esc(p.run)}</code> ${esc(likeTarget(p.value, c.display_target))} ${statusBadge(p.status)}</div>`).join("")}</div>`
          : ""
      }</td>
<td class="num">${esc(c.display_target)}</td>
<td>${c.formula ? `<div class="formula">${esc(c.formula)}</div>` : ""}${c.reason ? `<div class="note">${esc(c.reason)}</div>` : ""}</td>
</tr>`
    )
    .join("\n");
  return `<div class="scroll"><table class="scoreboard"><thead><tr><th>Status</th><th>Criterion</th><th class="num">Value</th><th class="num">Target</th><th>How / why</th></tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

/** JSON inside a <script type="application/json">: '<' escaped so no string can close the element. */
function embeddedJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c").replaceAll("\u2028", "\\u2028").replaceAll("\u2029", "\\u2029");
}

export function singleFileOverview(report: Report, manifest: Manifest, state: SignoffState): string {
  const kind = signoffKind(state);
  const cards = headlines(report)
    .map(
      (h) => `<div class="card" data-headline="${esc(h.id)}"${h.verdict ? ` data-verdict="${esc(h.verdict)}"` : ""}><div class="note">${esc(h.label)}</div><div class="card-value">${esc(h.value ?? NA)}</div>${h.formula ? `<div class="formula">${esc(h.formula)}</div>` : ""}${h.note ? `<div class="note">${esc(h.note)}</div>` : ""}</div>`
    )
    .join("\n");
  const warnings = report.warnings.length
    ? report.warnings
        .map(
          (w) => `<div class="warning warning--${esc(w.severity)}" id="warning-${esc(w.ref)}"><strong>${esc(w.ref)}</strong> ${esc(w.severity)} · <code>${esc(w.code)}</code>${w.run ? ` · run <code>${esc(w.run)}</code>` : ""}: ${esc(w.message)}${
            w.file ? ` <span class="note mono">[${esc(w.file)}${w.line ? `:${w.line}` : ""}]</span>` : ""
          }${w.affects.length ? ` <span class="note">affects ${esc(w.affects.join(", "))}</span>` : ""}</div>`
        )
        .join("\n")
    : `<p class="note">No warnings.</p>`;
  const runs = report.runs
    .map(
      (r) => `<tr><td><code>${esc(r.id)}</code>${r.label ? `<div class="note">${esc(r.label)}</div>` : ""}</td><td class="num">${r.gpus}</td><td>${esc(runStatus(r))}</td><td class="num">${esc(duration(r.total_seconds))}</td><td class="mono">${esc(r.model ?? "unknown")}</td><td>${esc(r.gpu_names ?? "unknown")}</td></tr>`
    )
    .join("\n");
  // one scale for every run's chart, so the runs compare by bar length
  const longestStage = Math.max(0, ...report.runs.flatMap((r) => r.stages.map((s) => (s.skipped ? 0 : (s.seconds ?? 0)))));
  const stageCharts = report.runs
    .map((r) =>
      barChart({
        title: `Stage times, ${r.id}${r.label ? ` (${r.label})` : ""}`,
        bars: r.stages.map((s) => ({label: s.name, value: s.skipped ? null : s.seconds})),
        format: (v) => secs(v),
        tick: (v) => `${short(v)} s`,
        max: longestStage,
        axisLabel: "seconds (same scale for every run)"
      })
    )
    .join("\n");
  const inputs = manifest.inputs.length;
  const body = `<h1>${esc(report.title)}</h1>
<p class="note">Release <code>${esc(report.release)}</code> · pipeline <code>${esc(report.pipeline)}</code> · benchbook ${esc(manifest.tools.benchbook)} · exported from the archived report</p>
<div class="signoff" data-signoff="${esc(kind)}">${statusBadge(kind, kind === "none" ? "NOT SIGNED OFF" : kind.toUpperCase())} ${esc(signoffText(state))}</div>
<h2>Criteria</h2>
<p class="overall" data-overall="${esc(report.summary.overall)}"><strong>${report.summary.met} of ${report.summary.total} criteria met</strong> — overall ${statusBadge(report.summary.overall, OVERALL_WORD[report.summary.overall])}</p>
${scoreboard(report.criteria)}
<h2>Headline figures</h2>
<div class="cards">${cards}</div>
<h2>Warnings</h2>
${warnings}
<h2>Runs</h2>
<div class="scroll"><table><thead><tr><th>Run</th><th class="num">GPUs</th><th>Status</th><th class="num">Total</th><th>Model</th><th>Hardware</th></tr></thead><tbody>
${runs}
</tbody></table></div>
<div class="charts">${stageCharts}</div>
<h2>Provenance</h2>
<p>Study file <code>${esc(manifest.study_file)}</code> (sha256 <code>${esc(manifest.study_sha256)}</code>), ${inputs} input file${inputs === 1 ? "" : "s"} hashed in the manifest.
Built ${esc(displayTime(manifest.build_time))} with benchbook ${esc(manifest.tools.benchbook)}, DuckDB ${esc(manifest.tools.duckdb)}, Node ${esc(manifest.tools.node)}.
Content hash <code>${esc(manifest.content_sha256)}</code>.</p>
<details><summary>input files</summary><table><thead><tr><th>File</th><th>Kind</th><th>Run</th><th class="num">Bytes</th><th>sha256</th></tr></thead><tbody>
${manifest.inputs.map((i) => `<tr><td class="mono">${esc(i.path)}</td><td>${esc(i.kind)}</td><td>${esc(i.run)}</td><td class="num">${i.bytes ?? NA}</td><td class="mono">${esc(i.sha256 ?? NA)}</td></tr>`).join("\n")}
</tbody></table></details>
<script type="application/json" id="benchbook-report">${embeddedJson({manifest, report})}</script>`;
  return page({title: `${report.title} (${report.release})`, body});
}
