/**
 * A run's timings table as the study names its columns: one row per stage with its duration, or with its
 * start and end timestamps, and optionally the run's total (a row whose stage is `total_row`, or a
 * `total_column`). Text in, stage records out; durations from timestamps and sums are SQL's (adapter.ts).
 */
import {InputError} from "../../engine/errors.ts";
import type {CsvTimings} from "./study.ts";
import {columnOf, parseDuration, parseTable, parseTimestamp, type DelimiterName} from "./table.ts";

export interface TimedStage {
  name: string;
  line: number;
  /** from the durations column; null when the table gives start/end timestamps */
  seconds: number | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface Timings {
  stages: TimedStage[];
  /** the total the table states (total row or column), or null */
  total: {seconds: number | null; startedAt: string | null; endedAt: string | null; line: number} | null;
}

const WHAT = "timings table";

export function parseTimings(text: string, options: {file: string; columns: CsvTimings; delimiter?: DelimiterName}): Timings {
  const {file, columns: c} = options;
  const required = [c.stage, ...(c.seconds !== undefined ? [c.seconds] : [c.start!, c.end!]), ...(c.total_column !== undefined ? [c.total_column] : [])];
  const table = parseTable(text, {file, what: WHAT, required, delimiter: options.delimiter});
  const stages: TimedStage[] = [];
  const seen = new Map<string, number>();
  let total: Timings["total"] = null;
  let columnTotal: {seconds: number; line: number} | null = null;
  for (const row of table.rows) {
    const name = row.cells[c.stage]!;
    if (name === "") throw new InputError(`${WHAT}: ${columnOf(table, c.stage)} is empty`, {file, line: row.line, expected: "a stage name on every row"});
    if (c.total_column !== undefined && row.cells[c.total_column] !== "") {
      const value = parseDuration(table, row, c.total_column, c.unit, WHAT);
      if (columnTotal && columnTotal.seconds !== value) {
        throw new InputError(`${WHAT}: ${columnOf(table, c.total_column)} says ${value} here and ${columnTotal.seconds} on line ${columnTotal.line}`, {
          file,
          line: row.line,
          expected: "one total per run: the same value on every row that fills the total column"
        });
      }
      columnTotal ??= {seconds: value, line: row.line};
    }
    let seconds: number | null = null;
    let startedAt: string | null = null;
    let endedAt: string | null = null;
    if (c.seconds !== undefined) seconds = parseDuration(table, row, c.seconds, c.unit, WHAT);
    else {
      startedAt = parseTimestamp(table, row, c.start!, WHAT);
      endedAt = parseTimestamp(table, row, c.end!, WHAT);
      if (endedAt < startedAt) {
        throw new InputError(`${WHAT}: stage '${name}' ends (${endedAt}) before it starts (${startedAt})`, {file, line: row.line, expected: `${columnOf(table, c.end!)} at or after ${columnOf(table, c.start!)}`});
      }
    }
    if (c.total_row !== undefined && name === c.total_row) {
      if (total) throw new InputError(`${WHAT}: a second '${c.total_row}' row (the first is on line ${total.line})`, {file, line: row.line, expected: "one total row"});
      total = {seconds, startedAt, endedAt, line: row.line};
      continue;
    }
    const first = seen.get(name);
    if (first !== undefined) throw new InputError(`${WHAT}: stage '${name}' appears twice (first on line ${first})`, {file, line: row.line, expected: "each stage once per run"});
    seen.set(name, row.line);
    stages.push({name, line: row.line, seconds, startedAt, endedAt});
  }
  if (stages.length === 0) throw new InputError(`${WHAT}: no stage rows`, {file, line: table.rows[0]?.line ?? 2, expected: "one row per stage below the header"});
  if (c.total_row !== undefined && !total) {
    throw new InputError(`${WHAT}: no '${c.total_row}' row in ${columnOf(table, c.stage)}`, {file, line: table.rows.at(-1)!.line, expected: `a row whose stage is '${c.total_row}' (the study's total_row), or no total_row in the study`});
  }
  if (c.total_column !== undefined) {
    if (!columnTotal) throw new InputError(`${WHAT}: ${columnOf(table, c.total_column)} is empty on every row`, {file, line: table.rows[0]!.line, expected: "the run's total in the total column"});
    total = {seconds: columnTotal.seconds, startedAt: null, endedAt: null, line: columnTotal.line};
  }
  return {stages, total};
}
