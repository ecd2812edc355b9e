/**
 * Broken prediction files at loader level (DuckDB CSV reader): each case's exact error (file, line, what
 * was expected) or exact rows. The cases already pinned in test/predictions.test.ts (short row, comma
 * file, bad label) are not repeated; these are the corpus additions.
 */
import {writeFile} from "node:fs/promises";
import path from "node:path";
import {beforeEach, describe, expect, it} from "vitest";
import {loadConsensus, loadPerFrame} from "../../loaders/virnucpro/predictions.ts";
import {openDatabase, queryRows, type Database} from "../../engine/db/duckdb.ts";
import {SCHEMA_SQL} from "../../engine/db/schema.ts";
import {InputError} from "../../engine/errors.ts";
import {useTmp} from "../helpers/tmp.ts";
import {consensus, perFrame, PER_FRAME_HEADER} from "./corpus.ts";

let db: Database;
beforeEach(async () => {
  db = await openDatabase(":memory:");
  await db.connection.run(SCHEMA_SQL);
  return () => db.close();
});
const tmp = useTmp();

async function file(name: string, content: string | Buffer): Promise<string> {
  const p = path.join(await tmp(), name);
  await writeFile(p, content);
  return p;
}

/** The InputError a load throws, as [line, message without the location prefix]. */
async function failure(load: Promise<unknown>): Promise<[number | undefined, string]> {
  try {
    await load;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return [error.line, error.message.replace(/^[^:]+:\d+: /, "")];
  }
  throw new Error("expected an InputError");
}

const rows = () => queryRows<{sequence_id: string; prediction: string; score_others: number; score_virus: number}>(db.connection, "SELECT sequence_id, prediction, score_others, score_virus FROM predictions_frame ORDER BY sequence_id");

describe("prediction files: exact outcomes", () => {
  it("NaN, inf, -inf, an empty cell and a value above 1 are each refused at their line", async () => {
    const cases: Array<[string, string]> = [
      ["NaN", "score1"],
      ["-inf", "score1"],
      ["Infinity", "score1"],
      ["", "score1"],
      ["1.5", "score1"]
    ];
    for (const [value, column] of cases) {
      const p = await file("bad.txt", perFrame([["a_chunk_1F1", "virus", "0.1", "0.9"], ["b_chunk_1F1", "virus", "0.2", "0.8"], ["c_chunk_1F1", "virus", value, "0.9"]]));
      // DuckDB reads an empty cell as NULL, shown as null
      expect(await failure(loadPerFrame(db.connection, p, "run"))).toEqual([4, `per-frame predictions: ${column} is ${JSON.stringify(value === "" ? null : value)} (expected a probability between 0 and 1 in column ${column})`]);
    }
    const c = await file("c.csv", consensus([["a_chunk_1", "True", "0.1", "nan"]]));
    expect(await failure(loadConsensus(db.connection, c, "run"))).toEqual([2, 'consensus predictions: max_score_1 is "nan" (expected a probability between 0 and 1 in column max_score_1)']);
  });

  it("duplicate IDs in a consensus file name the second line", async () => {
    const c = await file("dup.csv", consensus([["a_chunk_1", "True", "0.1", "0.9"], ["b_chunk_1", "True", "0.1", "0.9"], ["a_chunk_1", "False", "0.6", "0.4"]]));
    expect(await failure(loadConsensus(db.connection, c, "run"))).toEqual([4, 'consensus predictions: duplicate Modified_ID "a_chunk_1" (first on line 2, 2 times) (expected each Modified_ID once (rows are joined on it))']);
  });

  it("IDs that differ only in case are different records (FASTA IDs are case-sensitive): both load", async () => {
    const p = await file("case.txt", perFrame([["seq_1_chunk_1F1", "virus", "0.1", "0.9"], ["SEQ_1_chunk_1F1", "others", "0.6", "0.4"]]));
    expect(await loadPerFrame(db.connection, p, "run")).toMatchObject({rows: 2});
    expect((await rows()).map((r) => r.sequence_id)).toEqual(["SEQ_1_chunk_1F1", "seq_1_chunk_1F1"]);
  });

  it("an ID with leading or trailing whitespace is refused (FASTA IDs end at the first whitespace)", async () => {
    const p = await file("ws.txt", perFrame([["seq_1_chunk_1F1", "virus", "0.1", "0.9"], ["seq_1_chunk_1F1 ", "virus", "0.1", "0.9"]]));
    expect(await failure(loadPerFrame(db.connection, p, "run"))).toEqual([3, 'per-frame predictions: Sequence_ID "seq_1_chunk_1F1 " has leading or trailing whitespace (expected an ID without surrounding whitespace: FASTA IDs end at the first whitespace)']);
    const c = await file("ws.csv", consensus([[" a_chunk_1", "True", "0.1", "0.9"]]));
    expect(await failure(loadConsensus(db.connection, c, "run"))).toEqual([2, 'consensus predictions: Modified_ID " a_chunk_1" has leading or trailing whitespace (expected an ID without surrounding whitespace: FASTA IDs end at the first whitespace)']);
  });

  it("IDs ending or starting in letters that name escapes (r, n, v, f) are ordinary IDs; a form feed or vertical tab is whitespace", async () => {
    const p = await file("letters.txt", perFrame([["r_seq_n", "virus", "0.1", "0.9"], ["f_seq_v", "virus", "0.1", "0.9"], ["seq\\r", "others", "0.6", "0.4"]]));
    expect(await loadPerFrame(db.connection, p, "run")).toMatchObject({rows: 3});
    const c = await file("vt.csv", consensus([["a_chunk_1\v", "True", "0.1", "0.9"]]));
    expect((await failure(loadConsensus(db.connection, c, "run")))[0]).toBe(2);
  });

  it("a file whose last row has no line end is refused: the row may be cut (0.8789939 -> 0.87 is still a probability)", async () => {
    const whole = perFrame([["a_chunk_1F1", "virus", "0.12100612", "0.8789939"], ["b_chunk_1F1", "virus", "0.12100612", "0.8789939"]]);
    const p = await file("cut.txt", whole.slice(0, whole.length - 6)); // '...\t0.87'
    expect(await failure(loadPerFrame(db.connection, p, "run"))).toEqual([3, "per-frame predictions: the last line has no line end: the file is cut off (expected a complete file ending with a newline, as the pipeline writes it)"]);
    expect(await rows()).toEqual([]);
  });

  it("a header-only file loads zero rows (ingest reports it as empty_predictions)", async () => {
    const p = await file("header.txt", `${PER_FRAME_HEADER}\n`);
    expect(await loadPerFrame(db.connection, p, "run")).toMatchObject({rows: 0});
  });

  it("a header with no line end at all is a header-only file, not a cut row", async () => {
    const p = await file("header.txt", PER_FRAME_HEADER);
    expect(await loadPerFrame(db.connection, p, "run")).toMatchObject({rows: 0});
  });

  it("invalid UTF-8 is an error at its line that says so", async () => {
    const p = await file("utf.txt", Buffer.concat([Buffer.from(`${PER_FRAME_HEADER}\na_chunk_1F1\tvirus\t0.1\t0.9\nb`), Buffer.from([0xff]), Buffer.from("_chunk_1F1\tvirus\t0.1\t0.9\n")]));
    const [line, message] = await failure(loadPerFrame(db.connection, p, "run"));
    expect(line).toBe(3);
    expect(message).toMatch(/^per-frame predictions: cannot be read as TAB-separated values: Invalid unicode \(byte sequence mismatch\) detected/);
  });

  it("HTML and Markdown in IDs are stored verbatim (escaping is the outputs' job)", async () => {
    const id = '<img src=x onerror=alert(1)>|`x`_chunk_1F1';
    const p = await file("html.txt", perFrame([[id, "virus", "0.1", "0.9"]]));
    await loadPerFrame(db.connection, p, "run");
    expect((await rows())[0]!.sequence_id).toBe(id);
  });
});
