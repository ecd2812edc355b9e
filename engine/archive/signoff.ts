/**
 * Human sign-off of an archived release (the validation plan's checkpoint). Decisions are appended to
 * signoffs/<release>.json — never rewritten — each tied to the manifest content hash it was made on;
 * the latest decision counts. A decision on a content hash the release no longer has is stale: the
 * inputs changed (a --force rebuild) after the person looked.
 */
import {readdir, readFile} from "node:fs/promises";
import path from "node:path";
import {InputError} from "../errors.ts";
import {ArchiveError, assertNoSymlink, DATA_DIR, lstatOrNull, RELEASES_DIR, SIGNOFFS_DIR, writeArchiveFile} from "./fs.ts";
import {esc} from "./html.ts";
import {canonicalJson} from "./json.ts";
import type {Manifest} from "./manifest.ts";
import {checkReleaseFolder, refuseTampered} from "./verify.ts";

export type Decision = "approved" | "rejected";

export interface SignoffEntry {
  decision: Decision;
  by: string;
  note: string | null;
  /** ISO time of the decision */
  at: string;
  content_sha256: string;
}

export interface SignoffFile {
  release: string;
  history: SignoffEntry[];
}

export type SignoffState =
  | {state: "none"}
  | {state: Decision; stale: boolean; entry: SignoffEntry};

export function signoffPath(release: string): string {
  return path.join(SIGNOFFS_DIR, `${release}.json`);
}

export async function readSignoffs(root: string, release: string): Promise<SignoffFile> {
  const rel = signoffPath(release);
  await assertNoSymlink(root, rel);
  const file = path.join(root, rel);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {release, history: []};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError("is not valid JSON", {file, expected: "a sign-off file written by `benchbook approve` or `benchbook reject`", cause: error});
  }
  const history = (parsed as SignoffFile | null)?.history;
  if (!Array.isArray(history) || !history.every(isEntry)) {
    throw new InputError("has no valid 'history' list", {file, expected: "{release, history: [{decision, by, note, at, content_sha256}]}"});
  }
  return {release, history};
}

function isEntry(e: unknown): e is SignoffEntry {
  const x = e as SignoffEntry;
  return !!x && (x.decision === "approved" || x.decision === "rejected") && typeof x.by === "string" && typeof x.at === "string" && typeof x.content_sha256 === "string";
}

export function signoffState(file: SignoffFile, contentSha256: string): SignoffState {
  const entry = file.history.at(-1);
  if (!entry) return {state: "none"};
  return {state: entry.decision, stale: entry.content_sha256 !== contentSha256, entry};
}

/** "2026-11-29 05:12 UTC" */
export function displayTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}

/** The one-line wording used by the banner, the index and the export. */
export function signoffText(state: SignoffState): string {
  if (state.state === "none") return "Not signed off";
  const {by, at, note} = state.entry;
  const word = state.state === "approved" ? "Approval" : "Rejection";
  if (state.stale) return `${word} STALE: inputs changed since ${state.state === "approved" ? "approval" : "rejection"} by ${by} on ${displayTime(at)}`;
  return `${state.state === "approved" ? "Approved" : "Rejected"} by ${by} on ${displayTime(at)}${note ? ` — ${note}` : ""}`;
}

/** CSS modifier / data attribute value: none | approved | rejected | stale */
export function signoffKind(state: SignoffState): string {
  return state.state === "none" ? "none" : state.stale ? "stale" : state.state;
}

const BANNER_START = "<!-- benchbook:signoff -->";
const BANNER_END = "<!-- /benchbook:signoff -->";
// white text on each at 4.5:1 or more
const BANNER_COLORS: Record<string, string> = {approved: "#1a7f37", rejected: "#cf222e", stale: "#8a5d00", none: "#57606a"};
const BANNER_WORDS: Record<string, string> = {approved: "APPROVED", rejected: "REJECTED", stale: "APPROVAL STALE", none: "NOT SIGNED OFF"};
/** the archived evidence beside every release page, relative to the page */
const EVIDENCE = ["report.json", "criteria.json", "manifest.json", "study.yaml"];

/**
 * The sign-off banner at the top of every release page: the decision as a badge, its wording, every
 * earlier decision (and on which build it was made), and links to the archived evidence.
 */
export function bannerHtml(state: SignoffState, release: string, history: SignoffEntry[] = [], contentSha256?: string): string {
  const kind = signoffKind(state);
  const color = BANNER_COLORS[kind]!;
  const word = kind === "stale" && state.state === "rejected" ? "REJECTION STALE" : BANNER_WORDS[kind]!;
  const links = EVIDENCE.map((name) => `<a href="./${DATA_DIR}/${name}">${name}</a>`).join(" · ");
  const entries = [...history]
    .reverse()
    .map(
      (e) =>
        `<li>${esc(displayTime(e.at))}: <strong>${esc(e.decision)}</strong> by ${esc(e.by)}${e.note ? ` — ${esc(e.note)}` : ""} <span style="color:#57606a">(on content <code>${esc(e.content_sha256.slice(0, 12))}</code>${contentSha256 ? (e.content_sha256 === contentSha256 ? ", this build" : ", an earlier build") : ""})</span></li>`
    )
    .join("");
  // inline style: the release pages' stylesheet belongs to the site and knows nothing of the archive
  return `${BANNER_START}<div class="bb-signoff bb-signoff--${kind}" data-signoff="${kind}" role="status" style="border:1px solid ${color};border-left:8px solid ${color};background:#f6f8fa;padding:0.5rem 0.9rem;margin:0 0 1.2rem;font-size:0.95rem;">` +
    `<div><span style="display:inline-block;background:${color};color:#fff;font-weight:700;padding:0.1em 0.6em;border-radius:4px;margin-right:0.4em">${word}</span><strong>Sign-off</strong> · release <code>${esc(release)}</code>: ${esc(signoffText(state))}</div>` +
    `<div style="font-size:0.85rem;margin-top:0.3rem">Archived evidence: ${links} · <a href="../../index.html">all releases</a></div>` +
    (history.length ? `<details style="font-size:0.85rem;margin-top:0.3rem"><summary>Sign-off history (${history.length} decision${history.length === 1 ? "" : "s"})</summary><ol style="margin:0.3rem 0">${entries}</ol></details>` : "") +
    `</div>${BANNER_END}`;
}

/** Put the banner at the top of the page's <main> (or right after <body>), replacing an earlier banner. */
export function injectBanner(html: string, banner: string): string {
  const start = html.indexOf(BANNER_START);
  if (start >= 0) {
    const end = html.indexOf(BANNER_END, start);
    if (end >= 0) return html.slice(0, start) + banner + html.slice(end + BANNER_END.length);
  }
  const anchor = /<main\b[^>]*>/i.exec(html) ?? /<body\b[^>]*>/i.exec(html);
  if (!anchor) return banner + html;
  const at = anchor.index + anchor[0].length;
  return html.slice(0, at) + banner + html.slice(at);
}

/** Rewrite the banner of every page of a release folder (root-relative `dir`). */
export async function writeBanners(root: string, dir: string, state: SignoffState, release: string): Promise<void> {
  await assertNoSymlink(root, dir);
  const history = (await readSignoffs(root, release)).history;
  const manifestRel = path.join(dir, DATA_DIR, "manifest.json");
  await assertNoSymlink(root, manifestRel);
  const current = await readFile(path.join(root, manifestRel), "utf8").then((t) => (JSON.parse(t) as Manifest).content_sha256, () => undefined);
  const banner = bannerHtml(state, release, history, current);
  for (const name of (await readdir(path.join(root, dir))).filter((n) => n.endsWith(".html")).sort()) {
    const rel = path.join(dir, name);
    const info = await lstatOrNull(path.join(root, rel));
    if (!info?.isFile()) continue; // a symlink or folder named *.html is not a page of this build
    const html = await readFile(path.join(root, rel), "utf8");
    const next = injectBanner(html, banner);
    if (next !== html) await writeArchiveFile(root, rel, next);
  }
}

/** The manifest of an archived release, or an error naming what is missing. */
export async function readArchivedManifest(root: string, release: string): Promise<Manifest> {
  const rel = path.join(RELEASES_DIR, release, DATA_DIR, "manifest.json");
  await assertNoSymlink(root, rel);
  const file = path.join(root, rel);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    const known = await archivedReleaseNames(root);
    throw new InputError(`release '${release}' is not archived`, {file, expected: known.length ? `one of: ${known.join(", ")}` : "a release built with `benchbook build` (the archive has none)"});
  }
  try {
    return JSON.parse(text) as Manifest;
  } catch (error) {
    throw new InputError("is not valid JSON", {file, expected: "a manifest written by `benchbook build`", cause: error});
  }
}

async function archivedReleaseNames(root: string): Promise<string[]> {
  const names = await readdir(path.join(root, RELEASES_DIR)).catch(() => [] as string[]);
  return names.filter((n) => !n.startsWith(".") && !n.includes(".replaced-")).sort();
}

export async function recordSignoff(root: string, release: string, input: {decision: Decision; by: string; note?: string | null; at: string}): Promise<{entry: SignoffEntry; state: SignoffState}> {
  const by = input.by.trim();
  const note = input.note?.trim() || null;
  if (!by) throw new InputError("--by is empty", {expected: "the name of the person signing off"});
  if (input.decision === "rejected" && !note) throw new InputError("a rejection needs --note", {expected: "--note TEXT saying why the release is rejected"});
  const manifest = await readArchivedManifest(root, release);
  if (manifest.release !== release) throw new ArchiveError(`releases/${release} holds release '${manifest.release}', not '${release}'`);
  // a sign-off is tied to the content hash: never to data edited after the build
  refuseTampered(await checkReleaseFolder(root, release), input.decision === "approved" ? "record an approval" : "record a rejection");
  const file = await readSignoffs(root, release);
  const entry: SignoffEntry = {decision: input.decision, by, note, at: input.at, content_sha256: manifest.content_sha256};
  file.history.push(entry);
  await writeArchiveFile(root, signoffPath(release), canonicalJson(file));
  const state = signoffState(file, manifest.content_sha256);
  await writeBanners(root, path.join(RELEASES_DIR, release), state, release);
  return {entry, state};
}
