/**
 * The fast prediction loader (typed read, one fused check) must accept only what the exact loader
 * (VARCHAR staging, line-numbered checks) accepts, and load it to the same rows; when it declines,
 * it leaves no row behind, and the loader as used (auto) gives the exact loader's result or error.
 * Generated files mix valid rows with the cells that differ between a typed read and a checked cast:
 * spaces, signs, nan/inf, 1e400, empty cells, odd labels and IDs, duplicates, CRLF, a BOM, a cut-off
 * last line.
 */
import {writeFile} from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openDatabase, queryRows, type Database} from "../../../engine/db/duckdb.ts";
import {SCHEMA_SQL} from "../../../engine/db/schema.ts";
import {FastPathDeclined, loadConsensus, loadPerFrame, type LoadMode} from "../../../loaders/virnucpro/predictions.ts";
import {useTmp} from "../../helpers/tmp.ts";

const ODD_SCORES = [" 0.5", "0.5 ", "+0.5", "-0", "-0.0", "nan", "NaN", "inf", "-inf", "1e400", "1e-400", "", "1.5", "-0.1", "0.5e0", ".5", "1.", "abc", "1_0", "0x1", "1,5", "0.25\u00a0"];
const score = fc.oneof(
  {weight: 6, arbitrary: fc.double({min: 0, max: 1, noNaN: true}).map((x) => String(x))},
  {weight: 2, arbitrary: fc.constantFrom("0", "1", "0.0", "1.0", "0.22702862322330475", "1e-5", "5E-1")},
  {weight: 1, arbitrary: fc.constantFrom(...ODD_SCORES)}
);
const ODD_IDS = ["", " ", " a", "a ", "a\u00a0", "\u00a0", "\u3000", "\u00a0a", "é", "éa", "x\u0301", "a\u000b", "\u007fa", "!a", "dup"];
/** null: a fresh ID; PREVIOUS: the ID of the row before (a duplicate) */
const PREVIOUS = "\u0000previous";
const id = fc.oneof({weight: 8, arbitrary: fc.constant(null)}, {weight: 1, arbitrary: fc.constantFrom(...ODD_IDS)}, {weight: 1, arbitrary: fc.constant(PREVIOUS)});
const frameLabel = fc.oneof({weight: 8, arbitrary: fc.constantFrom("virus", "others")}, {weight: 1, arbitrary: fc.constantFrom(" virus", "others ", "Virus", "", "x")});
const consensusLabel = fc.oneof({weight: 8, arbitrary: fc.constantFrom("True", "False")}, {weight: 1, arbitrary: fc.constantFrom("true", " FALSE ", "1", "yes", "", "Tru")});
const shape = fc.record({bom: fc.boolean(), crlf: fc.boolean(), finalNewline: fc.oneof({weight: 9, arbitrary: fc.constant(true)}, {weight: 1, arbitrary: fc.constant(false)}), extra: fc.boolean()});

function text(header: string[], rows: string[][], s: {bom: boolean; crlf: boolean; finalNewline: boolean}): string {
  const eol = s.crlf ? "\r\n" : "\n";
  const body = [header, ...rows].map((r) => r.join("\t")).join(eol);
  return `${s.bom ? "\ufeff" : ""}${body}${s.finalNewline ? eol : ""}`;
}

type Loader = (connection: Database["connection"], file: string, source: string, mode: LoadMode) => Promise<unknown>;
const dbs: Record<LoadMode, Database> = {} as Record<LoadMode, Database>;
beforeAll(async () => {
  for (const mode of ["auto", "exact", "fast"] as const) {
    dbs[mode] = await openDatabase(":memory:");
    await dbs[mode].connection.run(SCHEMA_SQL);
  }
});
afterAll(() => Object.values(dbs).forEach((d) => d.close()));
const tmp = useTmp();

async function outcome(mode: LoadMode, load: Loader, file: string, table: string) {
  const {connection} = dbs[mode];
  await connection.run(`DELETE FROM ${table}`);
  try {
    const loaded = await load(connection, file, "run", mode);
    return {loaded, rows: await queryRows(connection, `SELECT * FROM ${table} ORDER BY 2`)};
  } catch (error) {
    if (error instanceof FastPathDeclined) {
      // declining leaves nothing behind for the exact loader to collide with
      expect(await queryRows(connection, `SELECT count(*)::INTEGER AS n FROM ${table}`)).toEqual([{n: 0}]);
      return {declined: true};
    }
    return {error: (error as Error).message, line: (error as {line?: number}).line};
  }
}

async function agree(load: Loader, table: string, content: string, counts: {fast: number}) {
  const file = path.join(await tmp(), "predictions.tsv");
  await writeFile(file, content);
  const exact = await outcome("exact", load, file, table);
  const fast = await outcome("fast", load, file, table);
  const auto = await outcome("auto", load, file, table);
  expect(auto).toEqual(exact);
  if (!("declined" in fast)) {
    counts.fast++;
    expect(fast).toEqual(exact);
  }
}

function idsOf(odd: Array<string | null>): string[] {
  const ids: string[] = [];
  odd.forEach((o, i) => ids.push(o === PREVIOUS ? (ids[i - 1] ?? "seq_first") : (o ?? `seq_${i}_chunk_1R1`)));
  return ids;
}

describe("fast and exact prediction loaders agree", () => {
  it("per-frame files", async () => {
    const counts = {fast: 0};
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(id, frameLabel, score, score), {maxLength: 8}), shape, async (cells, s) => {
        const ids = idsOf(cells.map((c) => c[0]));
        const header = ["Sequence_ID", "Prediction", "score1", "score2", ...(s.extra ? ["note"] : [])];
        const rows = cells.map(([, label, a, b], i) => [ids[i]!, label, a, b, ...(s.extra ? ["x"] : [])]);
        await agree(loadPerFrame, "predictions_frame", text(header, rows, s), counts);
      }),
      {numRuns: 150}
    );
    expect(counts.fast).toBeGreaterThan(30); // the fast path is exercised, not only its refusals
  }, 120_000);

  it("consensus files, with and without score columns", async () => {
    const counts = {fast: 0};
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(id, consensusLabel, score, score), {maxLength: 8}), shape, fc.boolean(), async (cells, s, scored) => {
        const ids = idsOf(cells.map((c) => c[0]));
        const header = ["Modified_ID", "Is_Virus", ...(scored ? ["max_score_0", "max_score_1"] : []), ...(s.extra ? ["note"] : [])];
        const rows = cells.map(([, label, a, b], i) => [ids[i]!, label, ...(scored ? [a, b] : []), ...(s.extra ? ["x"] : [])]);
        await agree(loadConsensus, "predictions_consensus", text(header, rows, s), counts);
      }),
      {numRuns: 150}
    );
    expect(counts.fast).toBeGreaterThan(30);
  }, 120_000);
});
