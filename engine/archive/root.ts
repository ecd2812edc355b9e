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
import {figuresOf, invalidReason, runValueHtml} from "./figures.ts";
import {likeTarget, NA, pct, secs, statusWord, times} from "../render/format.ts";
import {scanArchive, type ArchiveContents, type ArchivedRelease} from "./scan.ts";
import {displayTime, signoffKind, signoffText, writeBanners} from "./signoff.ts";
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
  // banners come from the sign-off files every time: a sign-off that crashed before its pages were
  // rewritten (or pages copied from elsewhere) must not keep saying "Approved"
  for (const r of contents.releases) await writeBanners(root, r.dir, r.signoff, r.release);
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
    broken: contents.broken.map((b) => ({folder: `${b.dir.split(path.sep).join("/")}/`, problems: b.problems.map((p) => p.split(path.sep).join("/"))})),
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
  const wallTimes = f.runs
    .map((run) => `<div><code>${esc(run.id)}</code> ${esc(secs(run.total_seconds))}${run.status === "complete" ? "" : ` <span class="note" data-run-status="${esc(run.status)}">(${esc(run.status)}${run.status_reason ? `: ${esc(run.status_reason)}` : ""})</span>`}${run.id === f.headline_run ? ' <span class="note">headline</span>' : ""}</div>`)
    .join("");
  const scaling = f.scaling.map((s) => `<div>${esc(times(s.speedup))} <span class="note">${esc(s.key)}</span></div>`).join("") || "—";
  const baseline = f.baseline ? `${esc(times(f.baseline.speedup))} <div class="note">${f.baseline.run ? `<code>${esc(f.baseline.run)}</code> ` : ""}over ${esc(f.baseline.label)}</div>` : "—";
  // a value its release judged invalid (a model mismatch) is marked, so it never reads as a regression
  const agreement =
    f.agreement
      .map((a) => {
        const invalid = invalidReason(r.report, "correctness.consensus.label_agreement", a.run);
        return `<div data-run="${esc(a.run)}"${invalid ? ` data-invalid="true" title="${esc(invalid)}"` : ""}>${runValueHtml({run: a.run, display_value: pct(a.value, 2), status: a.status}, esc)}</div>`;
      })
      .join("") || "—";
  const spanning = f.criteria
    .map((c) => `<div data-criterion="${esc(c.id)}"><strong>${esc(c.label)}</strong>: ${esc(c.display_value ?? NA)}${c.value_run ? ` <span class="note">(${esc(c.value_run)})</span>` : ""} ${statusBadge(c.status)}<div class="note">${c.per_run.map((p) => runValueHtml(p, esc)).join(" · ")}</div></div>`)
    .join("") || "—";
  const kind = signoffKind(r.signoff);
  return `<tr data-release="${esc(r.release)}" data-pipeline="${esc(r.report.pipeline)}" data-overall="${esc(f.summary.overall)}" data-signoff="${esc(kind)}">
<td><a href="${esc(releaseHref("", r.release))}"><strong>${esc(r.release)}</strong></a><div class="note">${esc(r.manifest.title)}</div><div class="note">pipeline <code>${esc(r.report.pipeline)}</code></div></td>
<td class="num">${esc(r.manifest.date ?? "—")}</td>
<td>${statusBadge(f.summary.overall, OVERALL_WORD[f.summary.overall])}<div class="note">${f.summary.met} of ${f.summary.total} criteria met</div></td>
<td class="num">${wallTimes || "—"}</td>
<td class="num">${scaling}</td>
<td class="num">${baseline}</td>
<td class="num">${agreement}</td>
<td>${spanning}</td>
<td>${statusBadge(kind, kind === "none" ? "NONE" : kind.toUpperCase())}<div class="note">${esc(signoffText(r.signoff))}</div></td>
<td><span class="note">${esc(displayTime(r.manifest.build_time))}</span><div><code title="${esc(r.manifest.content_sha256)}">${esc(r.manifest.content_sha256.slice(0, 12))}</code></div><div class="note"><a href="${esc(releaseHref("", r.release, "data/manifest.json"))}">manifest</a></div></td>
</tr>`;
}

/** asv-style: every criterion (rows) in every release (columns, oldest first), status and value. */
export function criteriaGrid(releases: ArchivedRelease[]): string {
  if (!releases.length) return "";
  const ids = [...new Set([...releases].reverse().flatMap((r) => r.report.criteria.map((c) => c.id)))];
  const rows = ids
    .map((id) => {
      const label = [...releases].reverse().flatMap((r) => r.report.criteria.filter((c) => c.id === id))[0]?.label ?? id;
      const cells = releases
        .map((r) => {
          const c = r.report.criteria.find((x) => x.id === id);
          if (!c) return `<td class="grid-cell" data-release="${esc(r.release)}" data-status="absent"><span class="note">not judged</span></td>`;
          const perRun = c.per_run?.length
            ? `<div class="note">${c.per_run.map((p) => `${esc(p.run)} ${esc(likeTarget(p.value, c.display_target))} ${esc(statusWord(p.status))}`).join("<br>")}</div>`
            : "";
          return `<td class="grid-cell" data-release="${esc(r.release)}" data-status="${esc(c.status)}">${statusBadge(c.status)}<div>${esc(c.display_value ?? NA)}</div>${perRun}</td>`;
        })
        .join("");
      return `<tr data-criterion="${esc(id)}"><th scope="row">${esc(label)}<div class="note mono">${esc(id)}</div></th>${cells}</tr>`;
    })
    .join("\n");
  return `<div class="scroll"><table class="criteria-grid"><thead><tr><th>Criterion</th>${releases.map((r) => `<th><a href="${esc(releaseHref("", r.release))}">${esc(r.release)}</a></th>`).join("")}</tr></thead><tbody>
${rows}
</tbody></table></div>`;
}

/** What changed status from the previous release to the newest one. */
export function statusChanges(releases: ArchivedRelease[]): string {
  const [previous, newest] = releases.slice(-2);
  if (!previous || !newest) return `<p class="note">Only one release: nothing to compare yet.</p>`;
  const ids = [...new Set([...newest.report.criteria, ...previous.report.criteria].map((c) => c.id))];
  const items = ids.flatMap((id) => {
    const a = previous.report.criteria.find((c) => c.id === id);
    const b = newest.report.criteria.find((c) => c.id === id);
    if (a && b && a.status === b.status) return [];
    const word = (c: typeof a) => (c ? statusWord(c.status) : "not judged");
    const value = (c: typeof a) => (c ? c.display_value ?? NA : "—");
    return [
      `<li data-criterion="${esc(id)}" data-from="${esc(a?.status ?? "absent")}" data-to="${esc(b?.status ?? "absent")}"><code>${esc(id)}</code> ${esc((b ?? a)!.label)}: ${a ? statusBadge(a.status, word(a)) : esc(word(a))} &#8594; ${b ? statusBadge(b.status, word(b)) : esc(word(b))} <span class="note">(${esc(value(a))} &#8594; ${esc(value(b))})</span>${b?.reason ? `<div class="note">${esc(b.reason)}</div>` : ""}</li>`
    ];
  });
  return `<p>From <a href="${esc(releaseHref("", previous.release))}">${esc(previous.release)}</a> to <a href="${esc(releaseHref("", newest.release))}">${esc(newest.release)}</a>: ${items.length ? `${items.length} criteri${items.length === 1 ? "on" : "a"} changed status.` : "no criterion changed status."}</p>
${items.length ? `<ul class="changes">${items.join("\n")}</ul>` : ""}`;
}

export function indexPage(contents: ArchiveContents): string {
  const newestFirst = [...contents.releases].reverse();
  const latest = contents.releases.at(-1);
  const table = newestFirst.length
    ? `<div class="scroll"><table class="releases">
<thead><tr><th>Release</th><th class="num">Date</th><th>Status</th><th class="num">Total time per run</th><th class="num">Scaling</th><th class="num">Baseline speedup</th><th class="num">Consensus agreement</th><th>Criteria across runs</th><th>Sign-off</th><th>Build</th></tr></thead>
<tbody>
${newestFirst.map(releaseRow).join("\n")}
</tbody></table></div>`
    : `<p>No release archived yet. Run <code>benchbook build &lt;study.yaml&gt;</code>.</p>`;
  const replaced = contents.replaced.length
    ? `<h2>Replaced builds</h2><p class="note">Earlier builds of a release, kept when it was rebuilt with <code>--force</code>. They are not releases.</p>
<div class="scroll"><table class="replaced"><thead><tr><th>Release</th><th>Built</th><th>Content hash</th><th>Folder</th></tr></thead><tbody>
${contents.replaced.map((b) => `<tr data-replaced="${esc(b.release)}"><td>${esc(b.release)}</td><td>${esc(displayTime(b.manifest.build_time))}</td><td><code>${esc(b.manifest.content_sha256.slice(0, 12))}</code></td><td><a href="${esc(`${b.dir.split(path.sep).map(encodeURIComponent).join("/")}/index.html`)}">${esc(b.dir.split(path.sep).join("/"))}/</a></td></tr>`).join("\n")}
</tbody></table></div>`
    : "";
  const broken = contents.broken.length
    ? `<h2>Broken releases</h2><p class="note">These folders fail <code>benchbook verify</code>: their data changed after the build or cannot be read. No status is shown for them.</p>
<table class="broken"><thead><tr><th>Folder</th><th>Problem</th></tr></thead><tbody>
${contents.broken.map((b) => `<tr data-broken="${esc(b.name)}"><td>${statusBadge("broken", "BROKEN")} <code>${esc(b.dir.split(path.sep).join("/"))}/</code></td><td>${b.problems.map((p) => `<div class="note">${esc(p.split(path.sep).join("/"))}</div>`).join("")}</td></tr>`).join("\n")}
</tbody></table>`
    : "";
  const body = `<h1>Benchmark validation archive</h1>
<nav class="bb-nav">${latest ? `<a href="latest/index.html">Latest release (${esc(latest.release)})</a>` : ""}<a href="trend.html">Trends across releases</a><a href="versions.json">versions.json</a></nav>
<p class="note">${contents.releases.length} release${contents.releases.length === 1 ? "" : "s"}, newest first. Every figure is read from the release's archived <code>data/report.json</code>; each release folder is immutable once built.</p>
${table}
${broken}
<h2>What changed since the previous release</h2>
${statusChanges(contents.releases)}
<h2>Criteria across releases</h2>
<p class="note">Every criterion of every release, oldest first; per-run values where a criterion judges each run.</p>
${criteriaGrid(contents.releases)}
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
