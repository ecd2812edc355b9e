/**
 * The validation report as GitHub-flavoured Markdown for a PR comment. Every string, from the inputs or
 * not, is escaped so that nothing renders as markup (no HTML, no links, no emphasis, no math) and no
 * table row gains a column.
 */
import {buildDocument, type Block, type Line} from "./sections.ts";
import type {Report} from "../report/types.ts";

/**
 * Characters that start Markdown or HTML syntax inline. `$` is GitHub math, `~` strikethrough, `&` an
 * entity (so an input's `&lt;` stays text). `_` is left alone between two letters or digits, where it
 * can neither open nor close emphasis (CommonMark flanking rules), so identifiers such as `time_1gpu`
 * stay searchable in the source.
 */
// eslint-disable-next-line no-control-regex
const SPECIAL = /\r\n|[\u0000-\u001f\u007f-\u009f]|[\\`*_[\]<>#|~&$!]/gu;
const WORD = /[\p{L}\p{N}]/u;

export function escapeMarkdown(s: string): string {
  return s.replace(SPECIAL, (ch: string, offset: number) => {
    if (ch === "\r\n" || ch === "\n" || ch === "\r") return "\\\\n";
    if (ch === "\t") return " ";
    if (ch.charCodeAt(0) < 0x20 || (ch.charCodeAt(0) >= 0x7f && ch.charCodeAt(0) <= 0x9f)) return `\\\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
    if (ch === "_" && WORD.test(s[offset - 1] ?? "") && WORD.test(s[offset + 1] ?? "")) return "_";
    // an entity, not `\<`: a reader grepping the source for `<script` or `<img` must find nothing
    if (ch === "<") return "&lt;";
    return `\\${ch}`;
  });
}

/** At the start of a list item a string could also open a block: a list, a heading underline, a rule. */
function escapeLeading(s: string): string {
  return escapeMarkdown(s).replace(/^([-+=])/, "\\$1").replace(/^(\d{1,9})([.)])/, "$1\\$2");
}

function line(l: Line): string {
  return typeof l === "string" ? `- ${escapeLeading(l)}` : `- **${escapeMarkdown(l.strong)}**`;
}

function table(b: Extract<Block, {kind: "table"}>): string[] {
  const withSub = b.subHead !== undefined && b.rows.some((r) => r.sub?.length);
  const head = withSub ? [...b.head, b.subHead!] : b.head;
  const right = new Set(b.right ?? []);
  const row = (cells: string[]) => `| ${cells.map((c) => escapeMarkdown(c)).join(" | ")} |`;
  const out = [row(head), `|${head.map((_, i) => (right.has(i) ? " ---: " : " --- ")).join("|")}|`];
  for (const r of b.rows) {
    const cells = head.map((_, i) => (i < b.head.length ? (r.cells[i] ?? "") : (r.sub ?? []).join("; ")));
    out.push(row(cells));
  }
  return out;
}

function block(b: Block): string[] {
  if (b.kind === "table") return table(b);
  if (b.kind === "lines") return b.lines.map(line);
  return b.pairs.map(([k, v]) => `- **${escapeMarkdown(k)}**: ${escapeMarkdown(v)}`);
}

export function formatMarkdown(report: Report): string {
  const doc = buildDocument(report);
  const out: string[] = [`# ${escapeMarkdown(doc.title)}`, "", ...block({kind: "kv", pairs: doc.header}), "", `**${escapeMarkdown(doc.verdict)}**`];
  for (const section of doc.sections) {
    out.push("", `${section.level === 2 ? "##" : "###"} ${escapeMarkdown(section.title)}`);
    for (const b of section.blocks) out.push("", ...block(b));
  }
  return `${out.join("\n")}\n`;
}
