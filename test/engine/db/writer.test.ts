/**
 * insertRows (engine/db/writer.ts): plain rows into typed columns, cast by DuckDB; a key the table has no
 * column for is refused with the key named, in any row, never dropped.
 */
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {openDatabase, queryRows, type Database} from "../../../engine/db/duckdb.ts";
import {insertRows} from "../../../engine/db/writer.ts";

let db: Database;
beforeEach(async () => {
  db = await openDatabase(":memory:");
  await db.connection.run("CREATE TABLE t (id INTEGER NOT NULL, seconds DOUBLE, started_at TIMESTAMP, ok BOOLEAN, extra JSON, note VARCHAR, big BIGINT)");
});
afterEach(() => db.close());

const all = () => queryRows(db.connection, "SELECT id, seconds, started_at::VARCHAR AS started_at, ok, extra, note, big::VARCHAR AS big FROM t ORDER BY id");

describe("insertRows", () => {
  it("casts each value to its column's type; a key of a later row counts; missing keys are NULL", async () => {
    await insertRows(db.connection, "t", [
      {id: 1, seconds: 3200.6, started_at: "2026-02-08 23:00:00.125", ok: true, extra: {gpus: [0, 1]}},
      {id: 2, seconds: Number.NaN, note: "only here", big: 9007199254740993n}
    ]);
    expect(await all()).toEqual([
      {id: 1, seconds: 3200.6, started_at: "2026-02-08 23:00:00.125", ok: true, extra: '{"gpus":[0,1]}', note: null, big: null},
      {id: 2, seconds: null, started_at: null, ok: null, extra: null, note: "only here", big: "9007199254740993"}
    ]);
  });

  it("refuses a key the table has no column for, also when only a later row has it, and inserts nothing", async () => {
    await expect(insertRows(db.connection, "t", [{id: 1}, {id: 2, secnds: 4}])).rejects.toThrow("insertRows(t): no column 'secnds'");
    expect(await all()).toEqual([]);
    // the staging table is gone: the next insert works
    await insertRows(db.connection, "t", [{id: 3}]);
    expect((await all()).map((r) => r.id)).toEqual([3]);
  });

  it("a value its column cannot hold is DuckDB's conversion error, not a silent NULL", async () => {
    await expect(insertRows(db.connection, "t", [{id: "x1"}])).rejects.toThrow(/Could not convert string 'x1'/);
    await expect(insertRows(db.connection, "t", [{seconds: 1}])).rejects.toThrow(/NOT NULL/);
  });
});
