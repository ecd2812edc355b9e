/**
 * A delimited table (CSV, TSV or ';'-separated) whose columns a study names. Text in, cells out: every
 * error names the file, the line and the column, and says what was expected. Quoted cells ("a, b",
 * "say ""hi""") are read as RFC 4180 writes them, within one line.
 */
import {InputError} from "../../engine/errors.ts";

export const DELIMITERS = {",": ",", tab: "\t", "\t": "\t", ";": ";"} as const;
export type DelimiterName = keyof typeof DELIMITERS;

export interface TableRow {
  /** 1-based line in the file */
  line: number;
  cells: Record<string, string>;
}

export interface Table {
  file: string;
  delimiter: string;
  header: string[];
  rows: TableRow[];
}

const SHOWN: Record<string, string> = {",": "','", "\t": "TAB", ";": "';'"};

/** A cell's place for error messages: `column 'seconds' (3)`. */
export function columnOf(table: Pick<Table, "header">, name: string): string {
  return `column '${name}' (${table.header.indexOf(name) + 1})`;
}

/**
 * Parse `text` as a table with a header line holding every `required` column (and the `optional` ones
 * when present). Without a declared delimiter, the one among ',', TAB and ';' whose header holds the
 * required columns is used.
 */
export function parseTable(text: string, options: {file: string; what: string; required: readonly string[]; delimiter?: DelimiterName}): Table {
  const {file, what, required} = options;
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  const headerIndex = lines.findIndex((l) => l.trim() !== "");
  if (headerIndex < 0) throw new InputError(`${what} is empty`, {file, line: 1, expected: `a header line with the columns ${required.join(", ")}`});
  const headerLine = lines[headerIndex]!;
  const candidates = options.delimiter ? [DELIMITERS[options.delimiter]] : [",", "\t", ";"];
  const split = candidates.map((d) => ({d, header: splitLine(headerLine, d, file, headerIndex + 1, what).map((c) => c.trim())}));
  const fit = split.find((s) => required.every((c) => s.header.includes(c)));
  if (!fit) {
    const best = split.reduce((a, b) => (b.header.length > a.header.length ? b : a));
    const missing = required.filter((c) => !best.header.includes(c));
    const other = options.delimiter ? [",", "\t", ";"].find((d) => d !== best.d && required.every((c) => splitLine(headerLine, d, file, headerIndex + 1, what).map((x) => x.trim()).includes(c))) : undefined;
    const hint = other ? ` (the file is ${SHOWN[other]}-separated, the study says ${SHOWN[best.d]})` : "";
    throw new InputError(`${what}: no column${missing.length > 1 ? "s" : ""} ${missing.map((c) => `'${c}'`).join(", ")} in the header (${best.header.map((c) => `'${c}'`).join(", ")})${hint}`, {
      file,
      line: headerIndex + 1,
      expected: `a header naming the columns the study names: ${required.join(", ")}${options.delimiter ? `, ${SHOWN[best.d]}-separated` : ", separated by ',', TAB or ';'"}`
    });
  }
  const {d: delimiter, header} = fit;
  const duplicate = header.find((c, i) => c !== "" && header.indexOf(c) !== i);
  if (duplicate !== undefined) throw new InputError(`${what}: column '${duplicate}' appears twice in the header`, {file, line: headerIndex + 1, expected: "each column once"});
  const rows: TableRow[] = [];
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === "") continue;
    const cells = splitLine(raw, delimiter, file, i + 1, what);
    if (cells.length !== header.length) {
      throw new InputError(`${what}: ${cells.length} ${SHOWN[delimiter]}-separated cells, the header has ${header.length}`, {
        file,
        line: i + 1,
        expected: `${header.length} cells (${header.join(", ")}) on every line`
      });
    }
    rows.push({line: i + 1, cells: Object.fromEntries(header.map((h, k) => [h, cells[k]!.trim()]))});
  }
  if (!text.endsWith("\n") && rows.length > 0 && lines.at(-1)!.trim() !== "") {
    throw new InputError(`${what}: the last line has no line end: the file may be cut off`, {file, line: lines.length, expected: "a complete file ending with a newline"});
  }
  return {file, delimiter, header, rows};
}

function splitLine(line: string, delimiter: string, file: string, lineNo: number, what: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new InputError(`${what}: a quoted cell is not closed on its line (cell ${cells.length + 1})`, {file, line: lineNo, expected: 'quoted cells closed on the same line ("a, b")'});
        cell += line.slice(i, q);
        if (line[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== delimiter) {
        throw new InputError(`${what}: text after the closing quote of cell ${cells.length + 1}`, {file, line: lineNo, expected: "a delimiter right after a closing quote"});
      }
    } else {
      const next = line.indexOf(delimiter, i);
      cell = next < 0 ? line.slice(i) : line.slice(i, next);
      i = next < 0 ? line.length : next;
    }
    cells.push(cell);
    if (i >= line.length) return cells;
    i++; // the delimiter
    if (i === line.length) {
      cells.push("");
      return cells;
    }
  }
}

export const UNITS = {s: 1, ms: 0.001, min: 60, h: 3600} as const;
export type Unit = keyof typeof UNITS;

const DURATION = /^(\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?\s*([a-z]+)?$/i;

/**
 * A duration cell in the study's unit: a plain number, or a number followed by that unit ("1.5 s").
 * A different unit is refused rather than converted: a column mixing units is a mistake to fix.
 */
export function parseDuration(table: Table, row: TableRow, column: string, unit: Unit, what: string): number {
  const cell = row.cells[column]!;
  const m = DURATION.exec(cell);
  const suffix = m?.[2]?.toLowerCase();
  const expected = `a non-negative number of ${unitName(unit)} in ${columnOf(table, column)}, like 12.5 or 12.5 ${unit} (the study's unit: ${unit})`;
  if (!m || (suffix !== undefined && suffix !== unit && !(unit === "s" && suffix === "sec"))) {
    const why = suffix && suffix in UNITS ? ` is in ${suffix}, the study says ${unit}` : cell === "" ? " is empty" : ` is ${JSON.stringify(cell)}`;
    throw new InputError(`${what}: ${columnOf(table, column)}${why}`, {file: table.file, line: row.line, expected});
  }
  const value = Number(cell.slice(0, cell.length - (m[2]?.length ?? 0)).trim());
  if (!Number.isFinite(value)) throw new InputError(`${what}: ${columnOf(table, column)} is ${JSON.stringify(cell)}`, {file: table.file, line: row.line, expected});
  // a unit conversion at parse time, like reading "1h 2m": the seconds the cell states
  return unit === "s" ? value : value * UNITS[unit];
}

function unitName(unit: Unit): string {
  return {s: "seconds", ms: "milliseconds", min: "minutes", h: "hours"}[unit];
}

const TIMESTAMP = /^(\d{4})[-/](\d\d)[-/](\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d{1,9})?$/;

/**
 * A naive timestamp ('2026-02-09 10:00:00.5'), on the clock of the GPU samples (nvidia-smi writes the
 * host's local time). A time zone is refused: the samples have none, and mixing the two would shift the
 * GPU window by hours.
 */
export function parseTimestamp(table: Table, row: TableRow, column: string, what: string): string {
  const cell = row.cells[column]!;
  const m = TIMESTAMP.exec(cell);
  const valid = m && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= 31 && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 61;
  if (!valid) {
    const zone = /(Z|[+-]\d\d:?\d\d)$/.test(cell) ? " has a time zone" : cell === "" ? " is empty" : ` is ${JSON.stringify(cell)}`;
    throw new InputError(`${what}: ${columnOf(table, column)}${zone}`, {
      file: table.file,
      line: row.line,
      expected: `a timestamp like 2026-02-09 10:00:00.5 in ${columnOf(table, column)}, local time without a zone (the clock nvidia-smi samples use)`
    });
  }
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}${m[7] ?? ""}`;
}
