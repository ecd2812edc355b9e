/**
 * The validation report as plain text for a terminal: aligned columns, input strings as they are.
 * Only control characters are made visible (`\n`, `\x1b`): a newline in a label would break the
 * layout and an escape sequence could rewrite the reader's terminal.
 */
import {buildDocument, type Block, type Line} from "./sections.ts";
import type {Report} from "../report/types.ts";

const INDENT = "  ";

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function plain(s: string): string {
  return s.replace(CONTROL, (ch) => {
    if (ch === "\n") return "\\n";
    if (ch === "\r") return "\\r";
    if (ch === "\t") return "\\t";
    return `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

function lineText(line: Line): string {
  return typeof line === "string" ? plain(line) : `!! ${plain(line.strong)}`;
}

function table(block: Extract<Block, {kind: "table"}>, indent: string): string[] {
  const head = block.head.map(plain);
  const rows = block.rows.map((r) => ({cells: r.cells.map(plain), sub: (r.sub ?? []).map(plain)}));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r.cells[i] ?? "").length)));
  const right = new Set(block.right ?? []);
  const render = (cells: string[]) =>
    (indent + cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ")).trimEnd();
  const out = [render(head), render(widths.map((w) => "-".repeat(w)))];
  for (const r of rows) {
    out.push(render(r.cells));
    for (const s of r.sub) out.push(`${indent}    ${s}`);
  }
  return out;
}

function block(b: Block, indent: string): string[] {
  if (b.kind === "table") return table(b, indent);
  if (b.kind === "lines") return b.lines.map((l) => indent + lineText(l));
  const width = Math.max(...b.pairs.map(([k]) => plain(k).length));
  return b.pairs.map(([k, v]) => `${indent}${plain(k).padEnd(width)}  ${plain(v)}`);
}

export function formatText(report: Report): string {
  const doc = buildDocument(report);
  const title = plain(doc.title);
  const out: string[] = [title, "=".repeat(Math.max(title.length, 1))];
  out.push(...block({kind: "kv", pairs: doc.header}, ""), "", doc.verdict);
  for (const section of doc.sections) {
    const heading = plain(section.title);
    const indent = section.level === 2 ? INDENT : INDENT + INDENT;
    out.push("");
    if (section.level === 2) out.push(heading, "-".repeat(heading.length));
    else out.push(`${INDENT}${heading}`);
    for (const [i, b] of section.blocks.entries()) {
      if (i > 0 && (b.kind === "table" || section.blocks[i - 1]!.kind === "table")) out.push("");
      out.push(...block(b, indent));
    }
  }
  return `${out.join("\n")}\n`;
}
