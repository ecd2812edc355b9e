/**
 * Loads VirNucPro prediction outputs (FORMATS §8) straight into DuckDB with its CSV reader: per-frame
 * `prediction_results.txt` and consensus `prediction_results_highestscore.csv` (TAB separated despite
 * the name; 2 columns from vanilla, 4 from the refactored pipeline). Values are read as text first and
 * checked in SQL, so a bad cell is reported with its file and line instead of becoming NULL or 0.
 */
import {open} from "node:fs/promises";
import type {DuckDBConnection} from "@duckdb/node-api";
import {InputError} from "../../engine/errors.ts";
import {queryRows, sqlString, withoutInsertionOrder} from "../../engine/db/duckdb.ts";

export const PER_FRAME_COLUMNS = ["Sequence_ID", "Prediction", "score1", "score2"] as const;
export const CONSENSUS_COLUMNS = ["Modified_ID", "Is_Virus", "max_score_0", "max_score_1"] as const;

export interface LoadedPredictions {
  rows: number;
  /** consensus only: the file has score columns */
  hasScores: boolean;
  /** header columns that benchbook does not use */
  extraColumns: string[];
}

async function readHeader(file: string): Promise<{header: string[]; bom: boolean}> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead === 0) throw new InputError("empty file", {file, line: 1, expected: "a TAB-separated header line"});
    let text = buffer.subarray(0, bytesRead).toString("utf8");
    const bom = text.charCodeAt(0) === 0xfeff;
    if (bom) text = text.slice(1);
    const end = text.search(/\r?\n/);
    if (end < 0 && bytesRead === buffer.length) throw new InputError("header line longer than 64 KiB", {file, line: 1, expected: "a TAB-separated header line"});
    const first = end < 0 ? text : text.slice(0, end);
    return {header: first.split("\t").map((c) => c.trim()), bom};
  } finally {
    await handle.close();
  }
}

function checkColumns(file: string, header: string[], required: readonly string[], what: string): string[] {
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) {
    const hint = header.length === 1 && /[,;]/.test(header[0]!) ? " (the file does not look TAB separated)" : "";
    throw new InputError(`${what}: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; header has ${header.join(", ") || "(nothing)"}${hint}`, {
      file,
      line: 1,
      expected: `TAB-separated columns ${required.join(", ")}`
    });
  }
  const dupes = header.filter((c, i) => header.indexOf(c) !== i);
  if (dupes.length) throw new InputError(`${what}: column ${dupes[0]} appears twice`, {file, line: 1, expected: "each column once"});
  return header.filter((c) => !required.includes(c));
}

/** read_csv call that keeps every cell as text, in file order. */
function rawScan(file: string, header: string[]): string {
  const columns = header.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(", ");
  return `SELECT * FROM read_csv(${sqlString(file)}, delim='\t', header=true, quote='', escape='', auto_detect=false, columns={${columns}}, null_padding=false, strict_mode=true)`;
}

async function stageRaw(connection: DuckDBConnection, file: string, header: string[], what: string): Promise<void> {
  try {
    // TEMP: staged in memory (twice as fast as in the database file); under ingest's memory limit DuckDB
    // spills it to its temp directory, so a 20M-row file does not need 20M rows of RAM
    await connection.run(`CREATE OR REPLACE TEMP TABLE raw_predictions AS ${rawScan(file, header)}`);
  } catch (error) {
    throw csvError(error, file, what, header);
  }
  await checkComplete(connection, file, what);
}

/**
 * The pipeline ends every row with a newline. A last row without one may be cut anywhere, also inside a
 * score (0.8789939 -> 0.87 is still a probability), so a file that stops mid-row is refused.
 */
async function checkComplete(connection: DuckDBConnection, file: string, what: string): Promise<void> {
  const handle = await open(file, "r");
  let last: number;
  try {
    const {size} = await handle.stat();
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, Math.max(size - 1, 0));
    last = size === 0 ? 10 : byte[0]!;
  } finally {
    await handle.close();
  }
  if (last === 10) return;
  const [row] = await queryRows<{line: number}>(connection, "SELECT (count(*) + 1)::INTEGER AS line FROM raw_predictions");
  if (!row || row.line < 2) return; // a header without its newline: no row to cut
  await connection.run("DROP TABLE raw_predictions");
  throw new InputError(`${what}: the last line has no line end: the file is cut off`, {file, line: row.line, expected: "a complete file ending with a newline, as the pipeline writes it"});
}

function csvError(error: unknown, file: string, what: string, header: string[]): InputError {
  const message = error instanceof Error ? error.message : String(error);
  const lineMatch = /line[:\s]+(\d+)/i.exec(message);
  const lines = message.split("\n").map((l) => l.trim());
  const first = lines.find((l) => /^(Expected Number of Columns|Invalid unicode)/i.test(l)) ?? lines.find((l) => l && !/^(Error: )?(Invalid Input Error|CSV Error)/i.test(l)) ?? lines[0]!;
  return new InputError(`${what}: cannot be read as TAB-separated values: ${first.trim()}`, {
    file,
    line: lineMatch ? Number(lineMatch[1]) : undefined,
    expected: `${header.length} TAB-separated columns on every line`,
    cause: error
  });
}

/**
 * Line numbers are only needed to report a bad row, and numbering rows (a window over the whole file)
 * is the slowest step of staging, so the staged rows are numbered only once a check failed. The staged
 * table holds the rows in file order, so row k is line k + 1.
 */
async function numberLines(connection: DuckDBConnection): Promise<void> {
  await connection.run("CREATE OR REPLACE TEMP TABLE raw_predictions AS SELECT row_number() OVER () + 1 AS line, * FROM raw_predictions");
}

async function firstBad(connection: DuckDBConnection, where: string, columns: string): Promise<Record<string, unknown> | undefined> {
  const rows = await queryRows(connection, `SELECT line::INTEGER AS line, ${columns} FROM raw_predictions WHERE ${where} ORDER BY line LIMIT 1`);
  return rows[0];
}

// DuckDB's cast ignores surrounding spaces; NaN sorts above every number, so BETWEEN refuses NaN and ±inf
const isDouble = (c: string) => `TRY_CAST(${c} AS DOUBLE)`;
const badScore = (c: string) => `(${isDouble(c)} IS NULL OR NOT (${isDouble(c)} BETWEEN 0 AND 1))`;

interface Check {
  /** SQL condition of a bad row */
  bad: string;
  /** columns shown in the error */
  show: string;
  error(row: Record<string, unknown>): InputError;
}

/**
 * Every row check in one scan of the staged file (each a `bool_or`), then the first bad line of a failed
 * check, so a clean file costs one pass rather than one per check.
 */
async function checkRows(connection: DuckDBConnection, checks: Check[], idColumn: string, duplicate: (d: {id: string; first: number; second: number; n: number}) => InputError): Promise<void> {
  const flags = checks.map((c, i) => `bool_or(${c.bad}) AS c${i}`).join(", ");
  const [summary] = await queryRows<Record<string, boolean | number>>(
    connection,
    `SELECT ${flags}, (count(*) - count(DISTINCT "${idColumn}"))::INTEGER AS duplicates FROM raw_predictions`
  );
  if (!checks.some((_, i) => summary?.[`c${i}`]) && !summary?.duplicates) return;
  await numberLines(connection);
  for (const [i, check] of checks.entries()) {
    if (!summary?.[`c${i}`]) continue;
    const row = await firstBad(connection, check.bad, check.show);
    if (row) throw check.error(row);
  }
  if (!summary?.duplicates) return;
  const [d] = await queryRows<{id: string; first: number; second: number; n: number}>(
    connection,
    `SELECT "${idColumn}" AS id, min(line)::INTEGER AS first, (list(line ORDER BY line))[2]::INTEGER AS second, count(*)::INTEGER AS n
     FROM raw_predictions GROUP BY 1 HAVING count(*) > 1 ORDER BY first LIMIT 1`
  );
  if (d) throw duplicate(d);
}

function scoreChecks(file: string, what: string, columns: string[]): Check[] {
  return columns.map((c) => ({
    bad: badScore(`"${c}"`),
    show: `"${c}" AS value`,
    error: (bad) => new InputError(`${what}: ${c} is ${JSON.stringify(bad.value)}`, {file, line: bad.line as number, expected: `a probability between 0 and 1 in column ${c}`})
  }));
}

function idChecks(file: string, what: string, idColumn: string): Check[] {
  return [
    {
      bad: `"${idColumn}" IS NULL OR trim("${idColumn}") = ''`,
      show: `"${idColumn}" AS id`,
      error: (row) => new InputError(`${what}: empty ${idColumn}`, {file, line: row.line as number, expected: `a non-empty ${idColumn}`})
    },
    {
      // 'a' and 'a ' would be different join keys for one record: refuse rather than guess
      // a space or control character (code point <= 32) at either end; TAB is the separator so cannot occur
      bad: `ord(left("${idColumn}", 1)) <= 32 OR ord(right("${idColumn}", 1)) <= 32`,
      show: `"${idColumn}" AS id`,
      error: (row) =>
        new InputError(`${what}: ${idColumn} ${JSON.stringify(row.id)} has leading or trailing whitespace`, {
          file,
          line: row.line as number,
          expected: "an ID without surrounding whitespace: FASTA IDs end at the first whitespace"
        })
    }
  ];
}

function duplicateError(file: string, what: string, idColumn: string) {
  return (d: {id: string; first: number; second: number; n: number}) =>
    new InputError(`${what}: duplicate ${idColumn} ${JSON.stringify(d.id)} (first on line ${d.first}, ${d.n} times)`, {
      file,
      line: d.second,
      expected: `each ${idColumn} once (rows are joined on it)`
    });
}

/**
 * The fast path (issue 14): the file read once with typed score columns straight into the predictions
 * table, then every row check in one fused query (a hash-based duplicate check). It decides nothing on
 * its own: when the read fails, a check fires, hashes collide or the last line has no line end, the rows
 * are removed again and the exact loader (VARCHAR staging, line-numbered errors) reads the file, so a bad
 * file gets the same error as before and a file only the exact loader accepts is loaded by it.
 * test/engine/ingest/predictions-fast.test.ts pins that both paths agree.
 */
async function fastLoad(connection: DuckDBConnection, file: string, header: string[], spec: FastSpec): Promise<number | null> {
  if (!(await endsWithNewline(file))) return null;
  const types: Record<string, string> = Object.fromEntries(spec.doubles.map((c) => [c, "DOUBLE"]));
  const columns = header.map((c) => `${sqlString(c)}: '${types[c] ?? "VARCHAR"}'`).join(", ");
  const scan = `read_csv(${sqlString(file)}, delim='\t', header=true, quote='', escape='', auto_detect=false, columns={${columns}}, null_padding=false, strict_mode=true)`;
  const where = `source = ${sqlString(spec.source)}`;
  const [before] = await queryRows<{n: number}>(connection, `SELECT count(*)::INTEGER AS n FROM ${spec.table} WHERE ${where}`);
  if (before?.n) return null; // rows of this source already there: only the exact loader's semantics apply
  try {
    // row order means nothing here (rows are joined on ID; line numbers are the exact loader's), and
    // not keeping it makes the insert a third faster
    await withoutInsertionOrder(connection, () => connection.run(`INSERT INTO ${spec.table} SELECT ${sqlString(spec.source)}, ${spec.select} FROM ${scan}`));
  } catch {
    await connection.run(`DELETE FROM ${spec.table} WHERE ${where}`);
    return null;
  }
  const [summary] = await queryRows<{n: number; bad: boolean | null; hashes: number}>(
    connection,
    `SELECT count(*)::INTEGER AS n, bool_or(${spec.bad}) AS bad, count(DISTINCT hash(${spec.id}))::INTEGER AS hashes FROM ${spec.table} WHERE ${where}`
  );
  if (!summary || summary.bad || summary.hashes !== summary.n) {
    await connection.run(`DELETE FROM ${spec.table} WHERE ${where}`);
    return null;
  }
  return summary.n;
}

interface FastSpec {
  table: "predictions_frame" | "predictions_consensus";
  source: string;
  /** file columns read as DOUBLE */
  doubles: string[];
  /** the table's columns after source, from the file's columns */
  select: string;
  /** SQL condition of a bad row, over the table's columns (the exact loader's checks, on typed values) */
  bad: string;
  id: string;
}

async function endsWithNewline(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const {size} = await handle.stat();
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, Math.max(size - 1, 0));
    return size > 0 && byte[0] === 10;
  } finally {
    await handle.close();
  }
}

const typedBadScore = (c: string) => `(${c} IS NULL OR NOT (${c} BETWEEN 0 AND 1))`;
// a superset of the exact ID checks that avoids trim(): an ID that is empty or starts with a space or
// control character (first byte below '!') or with any non-ASCII character (where trim's Unicode
// whitespace could be) goes to the exact loader, which decides
// the last character by substring(length): ASCII fast paths, where right() decodes every string
const typedBadId = (c: string) => `(${c} IS NULL OR ${c} < '!' OR ${c} >= chr(128) OR ord(substring(${c}, length(${c}), 1)) <= 32)`;

/**
 * auto: the fast path, the exact loader when it declines. The other two exist for the test that pins
 * their agreement: exact skips the fast path, fast throws FastPathDeclined instead of falling back.
 */
export type LoadMode = "auto" | "exact" | "fast";

export class FastPathDeclined extends Error {}

export async function loadPerFrame(connection: DuckDBConnection, file: string, source: string, mode: LoadMode = "auto"): Promise<LoadedPredictions> {
  const what = "per-frame predictions";
  const {header} = await readHeader(file);
  const extraColumns = checkColumns(file, header, PER_FRAME_COLUMNS, what);
  const fast = mode === "exact" ? null : await fastLoad(connection, file, header, {
    table: "predictions_frame",
    source,
    doubles: ["score1", "score2"],
    // the exact spelling only: a label with spaces around is the exact loader's to trim
    select: `"Sequence_ID", "Prediction", "score1", "score2"`,
    bad: `prediction IS NULL OR prediction NOT IN ('virus', 'others') OR ${typedBadScore("score_others")} OR ${typedBadScore("score_virus")} OR ${typedBadId("sequence_id")}`,
    id: "sequence_id"
  });
  if (fast != null) return {rows: fast, hasScores: true, extraColumns};
  if (mode === "fast") throw new FastPathDeclined(file);
  return exactPerFrame(connection, file, source, header, extraColumns);
}

export async function loadConsensus(connection: DuckDBConnection, file: string, source: string, mode: LoadMode = "auto"): Promise<LoadedPredictions> {
  const what = "consensus predictions";
  const {header} = await readHeader(file);
  const hasScores = header.includes("max_score_0") || header.includes("max_score_1");
  const required = hasScores ? CONSENSUS_COLUMNS : CONSENSUS_COLUMNS.slice(0, 2);
  const extraColumns = checkColumns(file, header, required, what);
  // Is_Virus is read as VARCHAR into a boolean when it is spelled as the pipeline writes it (True,
  // False); any other spelling is NULL here, so the exact loader reads the file and decides (it accepts
  // either word in any case, spaces around)
  const fast = mode === "exact" ? null : await fastLoad(connection, file, header, {
    table: "predictions_consensus",
    source,
    doubles: hasScores ? ["max_score_0", "max_score_1"] : [],
    select: `"Modified_ID", CASE "Is_Virus" WHEN 'True' THEN true WHEN 'False' THEN false END, ${hasScores ? `"max_score_0", "max_score_1"` : "NULL, NULL"}`,
    bad: `is_virus IS NULL${hasScores ? ` OR ${typedBadScore("max_score_others")} OR ${typedBadScore("max_score_virus")}` : ""} OR ${typedBadId("modified_id")}`,
    id: "modified_id"
  });
  if (fast != null) return {rows: fast, hasScores, extraColumns};
  if (mode === "fast") throw new FastPathDeclined(file);
  return exactConsensus(connection, file, source, header, extraColumns, hasScores);
}

/** The exact loader: VARCHAR staging, every check with the first bad line named. */
async function exactPerFrame(connection: DuckDBConnection, file: string, source: string, header: string[], extraColumns: string[]): Promise<LoadedPredictions> {
  const what = "per-frame predictions";
  await stageRaw(connection, file, header, what);
  const label: Check = {
    bad: `"Prediction" IS NULL OR trim("Prediction") NOT IN ('virus', 'others')`,
    show: `"Prediction" AS value`,
    error: (row) => new InputError(`${what}: Prediction is ${JSON.stringify(row.value)}`, {file, line: row.line as number, expected: "'virus' or 'others'"})
  };
  await checkRows(connection, [label, ...scoreChecks(file, what, ["score1", "score2"]), ...idChecks(file, what, "Sequence_ID")], "Sequence_ID", duplicateError(file, what, "Sequence_ID"));
  await connection.run(
    `INSERT INTO predictions_frame SELECT ${sqlString(source)}, "Sequence_ID", trim("Prediction"), ${isDouble('"score1"')}, ${isDouble('"score2"')} FROM raw_predictions`
  );
  const [{n}] = await queryRows<{n: number}>(connection, `SELECT count(*)::INTEGER AS n FROM raw_predictions`);
  await connection.run(`DROP TABLE raw_predictions`);
  return {rows: n!, hasScores: true, extraColumns};
}

async function exactConsensus(connection: DuckDBConnection, file: string, source: string, header: string[], extraColumns: string[], hasScores: boolean): Promise<LoadedPredictions> {
  const what = "consensus predictions";
  await stageRaw(connection, file, header, what);
  const label: Check = {
    bad: `"Is_Virus" IS NULL OR lower(trim("Is_Virus")) NOT IN ('true', 'false')`,
    show: `"Is_Virus" AS value`,
    error: (row) => new InputError(`${what}: Is_Virus is ${JSON.stringify(row.value)}`, {file, line: row.line as number, expected: "True or False"})
  };
  const scores = hasScores ? scoreChecks(file, what, ["max_score_0", "max_score_1"]) : [];
  await checkRows(connection, [label, ...scores, ...idChecks(file, what, "Modified_ID")], "Modified_ID", duplicateError(file, what, "Modified_ID"));
  const scoreValues = hasScores ? `${isDouble('"max_score_0"')}, ${isDouble('"max_score_1"')}` : "NULL, NULL";
  await connection.run(
    `INSERT INTO predictions_consensus SELECT ${sqlString(source)}, "Modified_ID", lower(trim("Is_Virus")) = 'true', ${scoreValues} FROM raw_predictions`
  );
  const [{n}] = await queryRows<{n: number}>(connection, `SELECT count(*)::INTEGER AS n FROM raw_predictions`);
  await connection.run(`DROP TABLE raw_predictions`);
  return {rows: n!, hasScores, extraColumns};
}
