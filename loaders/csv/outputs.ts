/**
 * A run's (or the reference's) outputs table: one row per item with its id, label and optional score,
 * in the columns the study names, optionally split into benchbook's two levels by a level column. Rows
 * go to `predictions_labels` as they are; agreement with the reference is SQL (v_predictions).
 */
import type {DuckDBConnection} from "@duckdb/node-api";
import {InputError} from "../../engine/errors.ts";
import {insertRows} from "../../engine/db/writer.ts";
import type {CsvOutputs} from "./study.ts";
import {columnOf, parseTable, type DelimiterName} from "./table.ts";

const WHAT = "outputs table";
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

export interface OutputRow {
  level: "consensus" | "per_frame";
  id: string;
  label: string;
  score: number | null;
  line: number;
}

export function parseOutputs(text: string, options: {file: string; columns: CsvOutputs; delimiter?: DelimiterName}): OutputRow[] {
  const {file, columns: c} = options;
  const required = [c.id, c.label, ...(c.score ? [c.score] : []), ...(c.level ? [c.level] : [])];
  const table = parseTable(text, {file, what: WHAT, required, delimiter: options.delimiter});
  const byValue = new Map<string, OutputRow["level"]>();
  if (c.levels?.consensus) byValue.set(c.levels.consensus, "consensus");
  if (c.levels?.per_frame) byValue.set(c.levels.per_frame, "per_frame");
  const seen = new Map<string, number>();
  const rows: OutputRow[] = [];
  for (const row of table.rows) {
    let level: OutputRow["level"] = "consensus";
    if (c.level) {
      const value = row.cells[c.level]!;
      const mapped = byValue.get(value);
      if (!mapped) {
        throw new InputError(`${WHAT}: ${columnOf(table, c.level)} is ${JSON.stringify(value)}`, {file, line: row.line, expected: `one of the study's levels: ${[...byValue.keys()].map((v) => `'${v}'`).join(", ")}`});
      }
      level = mapped;
    }
    const id = row.cells[c.id]!;
    if (id === "") throw new InputError(`${WHAT}: ${columnOf(table, c.id)} is empty`, {file, line: row.line, expected: "an id on every row (rows are joined to the reference's on it)"});
    const key = `${level}\u0000${id}`;
    const first = seen.get(key);
    if (first !== undefined) throw new InputError(`${WHAT}: id ${JSON.stringify(id)} appears twice${c.level ? ` at level ${level}` : ""} (first on line ${first})`, {file, line: row.line, expected: "each id once per level (rows are joined on it)"});
    seen.set(key, row.line);
    const label = row.cells[c.label]!;
    if (label === "") throw new InputError(`${WHAT}: ${columnOf(table, c.label)} is empty for id ${JSON.stringify(id)}`, {file, line: row.line, expected: "a label on every row"});
    let score: number | null = null;
    if (c.score) {
      const cell = row.cells[c.score]!;
      if (!NUMBER.test(cell) || !Number.isFinite(Number(cell))) {
        throw new InputError(`${WHAT}: ${columnOf(table, c.score)} is ${JSON.stringify(cell)}`, {file, line: row.line, expected: `a finite number in ${columnOf(table, c.score)}`});
      }
      score = Number(cell);
    }
    rows.push({level, id, label, score, line: row.line});
  }
  if (rows.length === 0) throw new InputError(`${WHAT}: a header but no rows`, {file, line: 2, expected: "one row per output item"});
  return rows;
}

/** Parse and insert; returns the number of rows. */
export async function loadOutputs(connection: DuckDBConnection, text: string, options: {file: string; source: string; columns: CsvOutputs; delimiter?: DelimiterName}): Promise<number> {
  const rows = parseOutputs(text, options);
  await insertRows(connection, "predictions_labels", rows.map((r) => ({source: options.source, level: r.level, id: r.id, label: r.label, score: r.score})));
  return rows.length;
}
