/**
 * The comparison ingest stores (correctness-store.ts: one inner join per run and level, the rows one
 * side lacks only counted) must equal the views it stands for (views.ts: the FULL OUTER JOIN of
 * v_correctness_rows), figure for figure: on generated studies with missing and extra IDs, NULL
 * scores, tied differences, exact zeros, label flips, score-less (vanilla) consensus files whose scores
 * are derived from frames, and a run without a consensus file.
 */
import fc from "fast-check";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {storeCorrectness} from "../../../engine/metrics/correctness-store.ts";
import {topMismatches} from "../../../engine/metrics/series.ts";
import path from "node:path";
import {openDatabase, queryRows, type Database} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {installViews, storedViewSql} from "../../../engine/metrics/views.ts";
import {buildReport} from "../../../engine/report/report.ts";
import {REPO, useTmp} from "../../helpers/tmp.ts";
import {fixtureDb, referenceRun, release, run, type FixtureDb} from "../../helpers/fixture-db.ts";
import type {Row} from "../../../engine/db/writer.ts";

// few distinct values, so differences tie and land on the tolerance exactly
const score = fc.oneof(fc.constantFrom(0, 0.25, 0.5, 0.75, 1, 0.01, 0.02, 0.495, 0.505), fc.double({min: 0, max: 1, noNaN: true}), fc.constant(null));
const record = fc.record({others: score, virus: score, label: fc.boolean()});
/** per source: a subset of a small ID pool, so sides overlap partly */
const side = fc.dictionary(fc.constantFrom(...Array.from({length: 8}, (_, i) => `s${i}`)), fc.record({frames: fc.array(record, {minLength: 1, maxLength: 3}), consensus: record}), {maxKeys: 8});
const consensusKind = fc.constantFrom("scores", "no_scores", "absent");
const source = fc.record({records: side, consensus: consensusKind});
const studyArb = fc.record({reference: source, runs: fc.array(source, {minLength: 1, maxLength: 2}), tolerance: fc.constantFrom(0.01, 0, 0.25)});

type Source = {records: Record<string, {frames: Array<{others: number | null; virus: number | null; label: boolean}>; consensus: {others: number | null; virus: number | null; label: boolean}}>; consensus: string};

function rows(name: string, s: Source): {frames: Row[]; consensus: Row[]} {
  const frames: Row[] = [];
  const consensus: Row[] = [];
  for (const [id, r] of Object.entries(s.records)) {
    r.frames.forEach((f, i) => frames.push({source: name, sequence_id: `${id}F${i + 1}`, prediction: f.label ? "virus" : "others", score_others: f.others, score_virus: f.virus}));
    if (s.consensus !== "absent") {
      const scored = s.consensus === "scores";
      consensus.push({source: name, modified_id: id, is_virus: r.consensus.label, max_score_others: scored ? r.consensus.others : null, max_score_virus: scored ? r.consensus.virus : null});
    }
  }
  return {frames, consensus};
}

const sorted = (xs: Array<Record<string, unknown>>) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

// one database for every generated study (emptied in between): opening one per case would dominate
let db: FixtureDb;
beforeAll(async () => {
  db = await fixtureDb();
});
afterAll(() => db.close());

async function reset(): Promise<void> {
  for (const table of ["correctness_comparisons", "correctness_counts", "correctness_histogram", "correctness_mismatches", "correctness_mismatch_top"]) await db.connection.run(`DROP TABLE IF EXISTS ${table}`);
  for (const table of ["releases", "runs", "predictions_frame", "predictions_consensus"]) await db.connection.run(`DELETE FROM ${table}`);
  await installViews(db.connection);
}

describe("stored comparison equals the correctness views", () => {
  it("on generated studies", async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(studyArb, async (study) => {
        await reset();
        await db.insert("releases", [release({tolerance: study.tolerance})]);
        await db.insert("runs", [referenceRun(), ...study.runs.map((_, i) => run(`r${i + 1}`, i + 1))]);
        for (const [name, s] of [["reference", study.reference], ...study.runs.map((r, i) => [`r${i + 1}`, r] as const)] as const) {
          const {frames, consensus} = rows(name, s as Source);
          if (frames.length) await db.insert("predictions_frame", frames);
          if (consensus.length) await db.insert("predictions_consensus", consensus);
        }
        const read = async () => ({
          correctness: sorted(await db.query("SELECT * FROM v_correctness")),
          mismatches: sorted(await db.query("SELECT * FROM v_correctness_mismatches")),
          top: sorted(await db.query("SELECT * FROM v_correctness_mismatch_top")),
          histogram: sorted(await db.query("SELECT * FROM v_correctness_histogram"))
        });
        const fromViews = await read();
        compared += fromViews.correctness.filter((c) => (c.compared as number) > 0 && (c.missing as number) + (c.extra as number) > 0).length;
        await storeCorrectness(db.connection);
        await installViews(db.connection);
        const stored = await db.query("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'correctness_%' AND NOT temporary ORDER BY 1");
        expect(stored.length).toBe(5);
        expect(await read()).toEqual(fromViews);
      }),
      {numRuns: 25}
    );
    // the generator reaches the interesting case: rows compared while others are missing or extra
    expect(compared).toBeGreaterThan(5);
  }, 120_000);
});

describe("the stored top mismatches", () => {
  it("rank like the view's window beyond MISMATCH_TOP rows, with tied differences, NULL scores and label flips", async () => {
    await reset();
    await db.insert("releases", [release({tolerance: 0.01})]);
    await db.insert("runs", [referenceRun(), run("r1", 1)]);
    // 1,300 mismatching rows per level: ties on the difference (one of five values), NULL scores, label
    // flips, so the rows around rank 1000 are decided by the tie-breaks (label, difference, then ID)
    const frames: Row[] = [];
    const consensus: Row[] = [];
    for (let i = 0; i < 1300; i++) {
      const id = `q${(i * 7919) % 1300}`;
      const virus = i % 13 === 0 ? null : [0.1, 0.2, 0.3, 0.4, 0.5][i % 5]!;
      frames.push({source: "reference", sequence_id: `${id}F1`, prediction: "virus", score_others: 0.5, score_virus: 0});
      frames.push({source: "r1", sequence_id: `${id}F1`, prediction: i % 11 === 0 ? "others" : "virus", score_others: 0.5, score_virus: virus});
      consensus.push({source: "reference", modified_id: id, is_virus: true, max_score_others: 0.5, max_score_virus: 0});
      consensus.push({source: "r1", modified_id: id, is_virus: i % 17 !== 0, max_score_others: 0.5, max_score_virus: virus});
    }
    await db.insert("predictions_frame", frames);
    await db.insert("predictions_consensus", consensus);
    const window = await db.query("SELECT * FROM v_correctness_mismatches WHERE rank <= 1000 ORDER BY level, rank");
    expect(window.length).toBe(2000);
    await storeCorrectness(db.connection);
    await installViews(db.connection);
    expect(await db.query("SELECT * FROM v_correctness_mismatch_top ORDER BY level, rank")).toEqual(window);
    // the stored full list is ranked when read, as the view ranks it
    const all = await db.query("SELECT * FROM v_correctness_mismatches ORDER BY level, rank");
    expect(all.length).toBe(2600);
    expect(all.filter((r) => (r.rank as number) <= 1000)).toEqual(window);
    // a list longer than the stored top comes from the full list, in the same order
    const ids = (rows: Array<{level: unknown; rank: unknown; id: unknown}>, n: number) => rows.filter((r) => (r.rank as number) <= n).map((r) => `${r.level} ${r.rank} ${r.id}`).sort();
    expect(ids(await topMismatches(db.connection, {limit: 1200}), 1200)).toEqual(ids(all as never, 1200));
    expect(ids(await topMismatches(db.connection, {limit: 1000}), 1000)).toEqual(ids(window as never, 1000));
    expect((await topMismatches(db.connection, {limit: 1200})).length).toBe(2400);
  }, 60_000);
});

describe("the SQL a report shows runs against the ingested database", () => {
  const tmp = useTmp();
  it("every view of report.sql, in order, on a read-only database without prediction rows", async () => {
    const dir = await tmp();
    const {dbFile} = await ingestStudy(path.join(REPO, "data", "example", "study.yaml"), {dbFile: path.join(dir, "example.duckdb")});
    const open = async <T>(fn: (connection: Database["connection"]) => Promise<T>) => {
      const db = await openDatabase(dbFile, {readOnly: true});
      try {
        return await fn(db.connection);
      } finally {
        db.close();
      }
    };
    const report = await open((connection) => buildReport(connection));
    expect(Object.keys(report.sql)).toContain("correctness_store");
    expect(Object.keys(report.sql)).not.toContain("v_predictions"); // the rows are not in the database
    expect(report.correctness.some((c) => c.compared > 0 && c.mismatches_total > 0)).toBe(true);
    // a fresh connection with nothing installed but the SQL the report shows
    const rows = await open(async (connection) => {
      for (const [name, sql] of Object.entries(storedViewSql({temporary: true}))) if (name !== "correctness_store") await connection.run(sql);
      return queryRows<Record<string, unknown>>(connection, "SELECT run_id AS run, level, compared, mismatches_total FROM v_correctness");
    });
    expect(sorted(rows)).toEqual(sorted(report.correctness.map((c) => ({run: c.run, level: c.level, compared: c.compared, mismatches_total: c.mismatches_total}))));
  }, 60_000);
});
