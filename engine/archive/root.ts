/**
 * The archive root, regenerated from archived data after every build and sign-off:
 * index.html (every release with its headline figures, status and sign-off), versions.json,
 * latest/index.html (a redirect: symlinks do not survive every copy or upload) and trend.html.
 * Deterministic: the same archived releases give the same bytes.
 */
import {rm} from "node:fs/promises";
import path from "node:path";
import {BENCHBOOK_VERSION} from "../version.ts";
import {assertNoSymlink, SIGNOFFS_DIR, writeArchiveFile} from "./fs.ts";
import {esc, page, releaseHref, statusBadge} from "./html.ts";
import {canonicalJson} from "./json.ts";
import {figuresOf, fmt} from "./figures.ts";
import {scanArchive, type ArchiveContents, type ArchivedRelease} from "./scan.ts";
import {displayTime, signoffKind, signoffText} from "./signoff.ts";
import {trendPage} from "./trend.ts";

const ROOT_FILES = ["index.html", "trend.html", "versions.json", path.join("latest", "index.html"), SIGNOFFS_DIR];

/**
 * Checked before a command does any work: a symlinked index found only after a release was moved into
 * place would fail the command with the release already archived.
 */
export async function assertRootWritable(root: string): Promise<void> {
  for (const rel of ROOT_FILES) await assertNoSymlink(root, rel);
}

export async function writeArchiveRoot(root: string): Promise<ArchiveContents> {
  const contents = await scanArchive(root);
  await writeArchiveFile(root, "versions.json", canonicalJson(versionsJson(contents)));
  await writeArchiveFile(root, "index.html", indexPage(contents));
  await writeArchiveFile(root, "trend.html", trendPage(contents.releases));
  const latest = contents.releases.at(-1);
  if (latest) await writeArchiveFile(root, path.join("latest", "index.html"), latestPage(latest.release));
  else {
    await assertNoSymlink(root, "latest");
    await rm(path.join(root, "latest"), {recursive: true, force: true});
  }
  return contents;
}

export function versionsJson(contents: ArchiveContents) {
  return {
    format: 1,
    latest: contents.releases.at(-1)?.release ?? null,
    releases: contents.releases.map((r) => ({
      release: r.release,
      title: r.manifest.title,
      date: r.manifest.date,
      path: `${r.dir.split(path.sep).join("/")}/`,
      build_time: r.manifest.build_time,
      content_sha256: r.manifest.content_sha256,
      summary: r.manifest.summary,
      tools: r.manifest.tools,
      signoff:
        r.signoff.state === "none"
          ? {state: "none"}
          : {state: r.signoff.state, stale: r.signoff.stale, by: r.signoff.entry.by, at: r.signoff.entry.at, note: r.signoff.entry.note, content_sha256: r.signoff.entry.content_sha256}
    })),
    replaced: contents.replaced.map((b) => ({
      release: b.release,
      path: `${b.dir.split(path.sep).join("/")}/`,
      build_time: b.manifest.build_time,
      content_sha256: b.manifest.content_sha256
    }))
  };
}

const OVERALL_WORD: Record<string, string> = {pass: "PASS", fail: "FAIL", incomplete: "INCOMPLETE"};

function releaseRow(r: ArchivedRelease): string {
  const f = figuresOf(r.report);
  const times = f.runs.map((run) => `<div><code>${esc(run.id)}</code> ${esc(fmt.seconds(run.total_seconds))}${run.status === "complete" ? "" : ` <span class="note">(${esc(run.status)})</span>`}</div>`).join("");
  const scaling = f.scaling.map((s) => `<div>${esc(fmt.ratio(s.speedup))} <span class="note">${esc(s.key)}</span></div>`).join("") || "—";
  const baseline = f.baseline ? `${esc(fmt.ratio(f.baseline.speedup))} <div class="note">over ${esc(f.baseline.label)}</div>` : "—";
  const agreement = f.agreement.map((a) => `<div>${esc(fmt.percent(a.value))} <span class="note">${esc(a.run)}</span></div>`).join("") || "—";
  const kind = signoffKind(r.signoff);
  return `<tr data-release="${esc(r.release)}" data-pipeline="${esc(r.report.pipeline)}" data-overall="${esc(f.summary.overall)}" data-signoff="${esc(kind)}">
<td><a href="${esc(releaseHref("", r.release))}"><strong>${esc(r.release)}</strong></a><div class="note">${esc(r.manifest.title)}</div><div class="note">pipeline <code>${esc(r.report.pipeline)}</code></div></td>
<td class="num">${esc(r.manifest.date ?? "—")}</td>
<td>${statusBadge(f.summary.overall, OVERALL_WORD[f.summary.overall])}<div class="note">${f.summary.met} of ${f.summary.total} criteria met</div></td>
<td class="num">${times || "—"}</td>
<td class="num">${scaling}</td>
<td class="num">${baseline}</td>
<td class="num">${agreement}</td>
<td>${statusBadge(kind, kind === "none" ? "NONE" : kind.toUpperCase())}<div class="note">${esc(signoffText(r.signoff))}</div></td>
<td><span class="note">${esc(displayTime(r.manifest.build_time))}</span><div><code title="${esc(r.manifest.content_sha256)}">${esc(r.manifest.content_sha256.slice(0, 12))}</code></div><div class="note"><a href="${esc(releaseHref("", r.release, "data/manifest.json"))}">manifest</a></div></td>
</tr>`;
}

export function indexPage(contents: ArchiveContents): string {
  const newestFirst = [...contents.releases].reverse();
  const latest = contents.releases.at(-1);
  const table = newestFirst.length
    ? `<table class="releases">
<thead><tr><th>Release</th><th class="num">Date</th><th>Status</th><th class="num">Total time per run</th><th class="num">Scaling</th><th class="num">Baseline speedup</th><th class="num">Consensus agreement</th><th>Sign-off</th><th>Build</th></tr></thead>
<tbody>
${newestFirst.map(releaseRow).join("\n")}
</tbody></table>`
    : `<p>No release archived yet. Run <code>benchbook build &lt;study.yaml&gt;</code>.</p>`;
  const replaced = contents.replaced.length
    ? `<h2>Replaced builds</h2><p class="note">Earlier builds of a release, kept when it was rebuilt with <code>--force</code>. They are not releases.</p>
<table class="replaced"><thead><tr><th>Release</th><th>Built</th><th>Content hash</th><th>Folder</th></tr></thead><tbody>
${contents.replaced.map((b) => `<tr data-replaced="${esc(b.release)}"><td>${esc(b.release)}</td><td>${esc(displayTime(b.manifest.build_time))}</td><td><code>${esc(b.manifest.content_sha256.slice(0, 12))}</code></td><td><a href="${esc(`${b.dir.split(path.sep).map(encodeURIComponent).join("/")}/index.html`)}">${esc(b.dir.split(path.sep).join("/"))}/</a></td></tr>`).join("\n")}
</tbody></table>`
    : "";
  const body = `<h1>Benchmark validation archive</h1>
<nav class="bb-nav">${latest ? `<a href="latest/index.html">Latest release (${esc(latest.release)})</a>` : ""}<a href="trend.html">Trends across releases</a><a href="versions.json">versions.json</a></nav>
<p class="note">${contents.releases.length} release${contents.releases.length === 1 ? "" : "s"}, newest first. Every figure is read from the release's archived <code>data/report.json</code>; each release folder is immutable once built.</p>
${table}
${replaced}
<p class="note">Generated by benchbook ${esc(BENCHBOOK_VERSION)}. Release pages use ES modules: serve the archive over HTTP (<code>benchbook serve</code>) rather than opening files from disk.</p>`;
  return page({title: "Benchmark validation archive", body});
}

export function latestPage(release: string): string {
  const target = `../${releaseHref("", release)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="0; url=${esc(target)}">
<link rel="canonical" href="${esc(target)}">
<title>Latest release: ${esc(release)}</title>
</head>
<body>
<p>The latest release is <a href="${esc(target)}">${esc(release)}</a>.</p>
</body>
</html>
`;
}
