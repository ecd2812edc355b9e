/**
 * Loads VirNucPro prediction outputs (FORMATS §8) straight into DuckDB with its CSV reader: per-frame
 * `prediction_results.txt` and consensus `prediction_results_highestscore.csv` (TAB separated despite
 * the name; 2 columns from vanilla, 4 from the refactored pipeline). Values are read as text first and
 * checked in SQL, so a bad cell is reported with its file and line instead of becoming NULL or 0.
 */
import {open} from "node:fs/promises";
import type {DuckDBConnection} from "@duckdb/node-api";
import {InputError} from "../../errors.ts";
import {queryRows, sqlString} from "../../db/duckdb.ts";

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

/** read_csv call that keeps every cell as text, in file order (line = row number + 1). */
function rawScan(file: string, header: string[]): string {
  const columns = header.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(", ");
  return `SELECT row_number() OVER () + 1 AS line, * FROM read_csv(${sqlString(file)}, delim='\t', header=true, quote='', escape='', auto_detect=false, columns={${columns}}, null_padding=false, strict_mode=true)`;
}

async function stageRaw(connection: DuckDBConnection, file: string, header: string[], what: string): Promise<void> {
  try {
    // a table of the database file, not TEMP: DuckDB keeps temporary tables in memory, and a 20M-row file
    // staged there needs several GB; in the file it is compressed and spills under the memory limit
    await connection.run(`CREATE OR REPLACE TABLE raw_predictions AS ${rawScan(file, header)}`);
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
  const [row] = await queryRows<{line: number | null}>(connection, "SELECT max(line)::INTEGER AS line FROM raw_predictions");
  if (row?.line == null) return; // a header without its newline: no row to cut
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

async function firstBad(connection: DuckDBConnection, where: string, columns: string): Promise<Record<string, unknown> | undefined> {
  const rows = await queryRows(connection, `SELECT line::INTEGER AS line, ${columns} FROM raw_predictions WHERE ${where} ORDER BY line LIMIT 1`);
  return rows[0];
}

const isDouble = (c: string) => `TRY_CAST(trim(${c}) AS DOUBLE)`;
const badScore = (c: string) => `(${isDouble(c)} IS NULL OR isnan(${isDouble(c)}) OR isinf(${isDouble(c)}) OR ${isDouble(c)} < 0 OR ${isDouble(c)} > 1)`;

async function checkScores(connection: DuckDBConnection, file: string, what: string, columns: string[]): Promise<void> {
  for (const c of columns) {
    const bad = await firstBad(connection, badScore(`"${c}"`), `"${c}" AS value`);
    if (bad) {
      throw new InputError(`${what}: ${c} is ${JSON.stringify(bad.value)}`, {file, line: bad.line as number, expected: `a probability between 0 and 1 in column ${c}`});
    }
  }
}

async function checkIds(connection: DuckDBConnection, file: string, what: string, idColumn: string): Promise<void> {
  const empty = await firstBad(connection, `"${idColumn}" IS NULL OR trim("${idColumn}") = ''`, `"${idColumn}" AS id`);
  if (empty) throw new InputError(`${what}: empty ${idColumn}`, {file, line: empty.line as number, expected: `a non-empty ${idColumn}`});
  // 'a' and 'a ' would be different join keys for one record: refuse rather than guess
  const padded = await firstBad(connection, `regexp_matches("${idColumn}", '^\\s|\\s$')`, `"${idColumn}" AS id`);
  if (padded) {
    throw new InputError(`${what}: ${idColumn} ${JSON.stringify(padded.id)} has leading or trailing whitespace`, {
      file,
      line: padded.line as number,
      expected: "an ID without surrounding whitespace: FASTA IDs end at the first whitespace"
    });
  }
  const dup = await queryRows<{id: string; first: number; second: number; n: number}>(
    connection,
    `SELECT "${idColumn}" AS id, min(line)::INTEGER AS first, (list(line ORDER BY line))[2]::INTEGER AS second, count(*)::INTEGER AS n
     FROM raw_predictions GROUP BY 1 HAVING count(*) > 1 ORDER BY first LIMIT 1`
  );
  if (dup[0]) {
    const d = dup[0];
    throw new InputError(`${what}: duplicate ${idColumn} ${JSON.stringify(d.id)} (first on line ${d.first}, ${d.n} times)`, {
      file,
      line: d.second,
      expected: `each ${idColumn} once (rows are joined on it)`
    });
  }
}

export async function loadPerFrame(connection: DuckDBConnection, file: string, source: string): Promise<LoadedPredictions> {
  const what = "per-frame predictions";
  const {header} = await readHeader(file);
  const extraColumns = checkColumns(file, header, PER_FRAME_COLUMNS, what);
  await stageRaw(connection, file, header, what);
  const badLabel = await firstBad(connection, `"Prediction" IS NULL OR trim("Prediction") NOT IN ('virus', 'others')`, `"Prediction" AS value`);
  if (badLabel) throw new InputError(`${what}: Prediction is ${JSON.stringify(badLabel.value)}`, {file, line: badLabel.line as number, expected: "'virus' or 'others'"});
  await checkScores(connection, file, what, ["score1", "score2"]);
  await checkIds(connection, file, what, "Sequence_ID");
  await connection.run(
    `INSERT INTO predictions_frame SELECT ${sqlString(source)}, "Sequence_ID", trim("Prediction"), ${isDouble('"score1"')}, ${isDouble('"score2"')} FROM raw_predictions`
  );
  const [{n}] = await queryRows<{n: number}>(connection, `SELECT count(*)::INTEGER AS n FROM raw_predictions`);
  await connection.run(`DROP TABLE raw_predictions`);
  return {rows: n!, hasScores: true, extraColumns};
}

export async function loadConsensus(connection: DuckDBConnection, file: string, source: string): Promise<LoadedPredictions> {
  const what = "consensus predictions";
  const {header} = await readHeader(file);
  const hasScores = header.includes("max_score_0") || header.includes("max_score_1");
  const required = hasScores ? CONSENSUS_COLUMNS : CONSENSUS_COLUMNS.slice(0, 2);
  const extraColumns = checkColumns(file, header, required, what);
  await stageRaw(connection, file, header, what);
  const badLabel = await firstBad(connection, `"Is_Virus" IS NULL OR lower(trim("Is_Virus")) NOT IN ('true', 'false')`, `"Is_Virus" AS value`);
  if (badLabel) throw new InputError(`${what}: Is_Virus is ${JSON.stringify(badLabel.value)}`, {file, line: badLabel.line as number, expected: "True or False"});
  if (hasScores) await checkScores(connection, file, what, ["max_score_0", "max_score_1"]);
  await checkIds(connection, file, what, "Modified_ID");
  const scores = hasScores ? `${isDouble('"max_score_0"')}, ${isDouble('"max_score_1"')}` : "NULL, NULL";
  await connection.run(
    `INSERT INTO predictions_consensus SELECT ${sqlString(source)}, "Modified_ID", lower(trim("Is_Virus")) = 'true', ${scores} FROM raw_predictions`
  );
  const [{n}] = await queryRows<{n: number}>(connection, `SELECT count(*)::INTEGER AS n FROM raw_predictions`);
  await connection.run(`DROP TABLE raw_predictions`);
  return {rows: n!, hasScores, extraColumns};
}
