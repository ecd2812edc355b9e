import {writeFile} from "node:fs/promises";
import path from "node:path";
import {beforeEach, describe, expect, it} from "vitest";
import {loadConsensus, loadPerFrame} from "../../../loaders/virnucpro/predictions.ts";
import {openDatabase, queryRows, type Database} from "../../../engine/db/duckdb.ts";
import {SCHEMA_SQL} from "../../../engine/db/schema.ts";
import {FIXTURES, useTmp} from "../../helpers/tmp.ts";

let db: Database;
beforeEach(async () => {
  db = await openDatabase(":memory:");
  await db.connection.run(SCHEMA_SQL);
  return () => db.close();
});
const tmp = useTmp();

async function file(name: string, text: string): Promise<string> {
  const p = path.join(await tmp(), name);
  await writeFile(p, text);
  return p;
}
const HEADER = "Sequence_ID\tPrediction\tscore1\tscore2\n";

describe("prediction outputs (real fixtures)", () => {
  it("loads vanilla per-frame floats exactly as written", async () => {
    const loaded = await loadPerFrame(db.connection, path.join(FIXTURES, "reference_vanilla_output/prediction_results.txt"), "reference");
    expect(loaded.rows).toBe(4);
    const rows = await queryRows(db.connection, "SELECT sequence_id, prediction, score_others, score_virus FROM predictions_frame ORDER BY sequence_id");
    expect(rows[0]).toEqual({sequence_id: "synthetic_seq_1_chunk_1R1", prediction: "virus", score_others: 0.12100612, score_virus: 0.8789939});
    expect(rows[2]).toMatchObject({sequence_id: "synthetic_seq_2_chunk_1R1", prediction: "others"});
  });

  it("loads a two-column vanilla consensus without scores and a four-column refactored one with them", async () => {
    const vanilla = await loadConsensus(db.connection, path.join(FIXTURES, "reference_vanilla_output/prediction_results_highestscore.csv"), "reference");
    const refactored = await loadConsensus(db.connection, path.join(FIXTURES, "test_with_orfs_refactored/test_with_orfs_merged/prediction_results_highestscore.csv"), "run");
    expect(vanilla).toMatchObject({rows: 2, hasScores: false});
    expect(refactored).toMatchObject({rows: 2, hasScores: true});
    const rows = await queryRows(db.connection, "SELECT source, modified_id, is_virus, max_score_others, max_score_virus FROM predictions_consensus ORDER BY source, modified_id");
    expect(rows).toEqual([
      {source: "reference", modified_id: "synthetic_seq_1_chunk_1", is_virus: true, max_score_others: null, max_score_virus: null},
      {source: "reference", modified_id: "synthetic_seq_2_chunk_1", is_virus: true, max_score_others: null, max_score_virus: null},
      {source: "run", modified_id: "synthetic_seq_1_chunk_1", is_virus: true, max_score_others: 0.1210053041577339, max_score_virus: 0.9988405108451844},
      {source: "run", modified_id: "synthetic_seq_2_chunk_1", is_virus: true, max_score_others: 0.5501205325126648, max_score_virus: 0.9395461082458496}
    ]);
  });
});

describe("bad prediction files name the file, the line and what was expected", () => {
  it("scientific notation, CRLF and a BOM are fine", async () => {
    const p = await file("ok.txt", `\ufeff${HEADER}a_chunk_1F1\tvirus\t1.2345e-05\t0.99998765\r\nb_chunk_1F2\tothers\t0.6\t0.4\r\n`.replace(HEADER, HEADER.replace("\n", "\r\n")));
    await loadPerFrame(db.connection, p, "r");
    expect(await queryRows(db.connection, "SELECT sequence_id, score_others FROM predictions_frame ORDER BY 1")).toEqual([
      {sequence_id: "a_chunk_1F1", score_others: 1.2345e-5},
      {sequence_id: "b_chunk_1F2", score_others: 0.6}
    ]);
  });

  it("empty file", async () => {
    const p = await file("empty.txt", "");
    await expect(loadPerFrame(db.connection, p, "r")).rejects.toThrow(`${p}:1: empty file (expected a TAB-separated header line)`);
  });

  it("missing column, and a comma-separated file", async () => {
    const p = await file("cols.txt", "Sequence_ID\tPrediction\tscore1\na\tvirus\t0.1\n");
    await expect(loadPerFrame(db.connection, p, "r")).rejects.toThrow(/cols\.txt:1: per-frame predictions: missing column score2/);
    const c = await file("comma.csv", "Sequence_ID,Prediction,score1,score2\na,virus,0.1,0.9\n");
    await expect(loadPerFrame(db.connection, c, "r")).rejects.toThrow(/does not look TAB separated/);
  });

  it("a short row", async () => {
    const p = await file("short.txt", `${HEADER}a\tvirus\t0.1\t0.9\nb\tvirus\t0.1\n`);
    await expect(loadPerFrame(db.connection, p, "r")).rejects.toThrow(/short\.txt:3: .*Expected Number of Columns: 4 Found: 3/);
  });

  it("duplicate IDs", async () => {
    const p = await file("dup.txt", `${HEADER}a\tvirus\t0.1\t0.9\nb\tvirus\t0.1\t0.9\na\tothers\t0.6\t0.4\n`);
    await expect(loadPerFrame(db.connection, p, "r")).rejects.toThrow(/dup\.txt:4: per-frame predictions: duplicate Sequence_ID "a" \(first on line 2/);
  });

  it("NaN, inf and non-numeric scores, bad labels", async () => {
    for (const [value, col] of [["nan", "score1"], ["inf", "score1"], ["0.x", "score1"]] as const) {
      const p = await file(`bad-${value}.txt`, `${HEADER}a\tvirus\t0.1\t0.9\nb\tvirus\t${value}\t0.9\n`);
      await expect(loadPerFrame(db.connection, p, "r")).rejects.toThrow(new RegExp(`:3: per-frame predictions: ${col} is "${value.replace(".", "\\.")}"`));
    }
    const p = await file("label.txt", `${HEADER}a\tVirus?\t0.1\t0.9\n`);
    await expect(loadPerFrame(db.connection, p, "r")).rejects.toThrow(/label\.txt:2: .*Prediction is "Virus\?" \(expected 'virus' or 'others'\)/);
    const c = await file("c.csv", "Modified_ID\tIs_Virus\na\tmaybe\n");
    await expect(loadConsensus(db.connection, c, "r")).rejects.toThrow(/c\.csv:2: consensus predictions: Is_Virus is "maybe" \(expected True or False\)/);
  });

  it("a failed load leaves no rows behind", async () => {
    const p = await file("dup.txt", `${HEADER}a\tvirus\t0.1\t0.9\na\tvirus\t0.1\t0.9\n`);
    await expect(loadPerFrame(db.connection, p, "r")).rejects.toThrow();
    expect(await queryRows(db.connection, "SELECT count(*)::INTEGER AS n FROM predictions_frame")).toEqual([{n: 0}]);
  });

  it("extra columns are reported, not fatal", async () => {
    const p = await file("extra.txt", `Sequence_ID\tPrediction\tscore1\tscore2\tnote\na\tvirus\t0.1\t0.9\tx\n`);
    expect(await loadPerFrame(db.connection, p, "r")).toMatchObject({rows: 1, extraColumns: ["note"]});
  });
});
