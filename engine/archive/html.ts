/**
 * Static HTML for the archive's own pages (index, trend, export). No scripts, no external stylesheet or
 * font: the pages must open from any static server, or from disk, years later. Every string that came
 * from a study, a log or a sign-off goes through `esc`.
 */
import {statusWord} from "../render/format.ts";

export function esc(value: unknown): string {
  return String(value ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A relative URL to an archived release page; names may contain '+', which must not read as a space. */
export function releaseHref(prefix: string, release: string, file = "index.html"): string {
  return `${prefix}releases/${encodeURIComponent(release)}/${file}`;
}

export const ARCHIVE_CSS = `
:root { --pass: #1a7f37; --fail: #cf222e; --muted: #57606a; --warn: #8a5d00; --invalid: #8250df; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328; background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.5rem; } h2 { font-size: 1.2rem; margin: 2rem 0 0.5rem; } h3 { font-size: 1rem; margin: 1rem 0 0.25rem; }
a { color: #0969da; }
nav.bb-nav { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; margin-bottom: 1rem; font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.82rem; overflow-wrap: anywhere; }
.note { color: var(--muted); font-size: 0.85rem; }
.status { display: inline-block; min-width: 6.5em; padding: 0.05em 0.45em; border-radius: 4px; color: #fff; font-weight: 700; font-size: 0.8rem; text-align: center; }
.status--pass, .status--approved { background: var(--pass); }
.status--fail, .status--rejected { background: var(--fail); }
.status--incomplete, .status--no_data, .status--none { background: var(--muted); }
.status--invalid { background: var(--invalid); }
.status--inconclusive, .status--stale { background: var(--warn); }
.formula { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.8rem; color: var(--muted); overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 0.75rem; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 0.6rem 0.8rem; }
.card-value { font-size: 1.4rem; font-weight: 700; }
.warning { border-left: 4px solid var(--warn); padding: 0.2rem 0.7rem; margin: 0.4rem 0; }
.warning--error { border-left-color: var(--fail); } .warning--info { border-left-color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 1rem 1.5rem; }
figure.chart { margin: 0; }
figure.chart figcaption { font-weight: 600; margin-bottom: 0.25rem; }
svg.bb-chart { width: 100%; height: auto; max-width: 640px; font: 11px system-ui, sans-serif; }
details summary { cursor: pointer; color: var(--muted); font-size: 0.85rem; }
.scroll { max-width: 100%; overflow-x: auto; }
table.criteria-grid td.grid-cell { min-width: 8rem; }
table.criteria-grid th[scope="row"] { background: #fff; font-weight: 600; }
ul.changes li { margin: 0.3rem 0; }
@media (max-width: 640px) {
  main { padding: 0.75rem; }
  .charts { grid-template-columns: 1fr; }
  .scroll > table { min-width: 40rem; }
  h1 { overflow-wrap: anywhere; }
}
`;

export function page(options: {title: string; body: string; lang?: string}): string {
  return `<!DOCTYPE html>
<html lang="${options.lang ?? "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="benchbook">
<title>${esc(options.title)}</title>
<style>${ARCHIVE_CSS}</style>
</head>
<body>
<main>
${options.body}
</main>
</body>
</html>
`;
}

export function statusBadge(status: string, word?: string): string {
  return `<span class="status status--${esc(status)}">${esc(word ?? statusWord(status))}</span>`;
}
