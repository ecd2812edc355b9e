/**
 * The settings every database benchbook opens gets (engine/db/duckdb.ts): BENCHBOOK_DUCKDB_THREADS caps
 * DuckDB's worker threads, and a value that is not a whole number of threads is refused with the variable
 * named, never ignored; a new database file has small blocks, and a read-only open reads it.
 */
import path from "node:path";
import {afterEach, describe, expect, it} from "vitest";
import {BLOCK_SIZE, openDatabase, queryRows} from "../../../engine/db/duckdb.ts";
import {useTmp} from "../../helpers/tmp.ts";

const saved = process.env.BENCHBOOK_DUCKDB_THREADS;
afterEach(() => {
  if (saved === undefined) delete process.env.BENCHBOOK_DUCKDB_THREADS;
  else process.env.BENCHBOOK_DUCKDB_THREADS = saved;
});

async function threads(): Promise<number> {
  const db = await openDatabase(":memory:");
  try {
    const [row] = await queryRows<{n: number}>(db.connection, "SELECT current_setting('threads')::INTEGER AS n");
    return row!.n;
  } finally {
    db.close();
  }
}

describe("BENCHBOOK_DUCKDB_THREADS", () => {
  it("sets the threads of the databases benchbook opens", async () => {
    process.env.BENCHBOOK_DUCKDB_THREADS = "3";
    expect(await threads()).toBe(3);
    process.env.BENCHBOOK_DUCKDB_THREADS = "1";
    expect(await threads()).toBe(1);
  });

  it("unset or empty: DuckDB's default, not 1", async () => {
    delete process.env.BENCHBOOK_DUCKDB_THREADS;
    const byDefault = await threads();
    process.env.BENCHBOOK_DUCKDB_THREADS = "";
    expect(await threads()).toBe(byDefault);
    expect(byDefault).toBeGreaterThanOrEqual(1);
  });

  it("refuses what is not a whole number of threads", async () => {
    for (const bad of ["0", "-2", "two", "1.5"]) {
      process.env.BENCHBOOK_DUCKDB_THREADS = bad;
      await expect(openDatabase(":memory:")).rejects.toThrow(`BENCHBOOK_DUCKDB_THREADS is '${bad}': expected a whole number of threads`);
    }
  });
});

describe("database files", () => {
  const tmp = useTmp();
  it("are written with 16 KiB blocks and read back read-only", async () => {
    const file = path.join(await tmp(), "small.duckdb");
    const db = await openDatabase(file);
    try {
      for (let i = 0; i < 20; i++) await db.connection.run(`CREATE TABLE t${i} AS SELECT range AS a FROM range(10)`);
    } finally {
      db.close();
    }
    const again = await openDatabase(file, {readOnly: true});
    try {
      const [size] = await queryRows<{block_size: number; total_blocks: number}>(again.connection, "SELECT block_size::INTEGER AS block_size, total_blocks::INTEGER AS total_blocks FROM pragma_database_size() WHERE database_name = 'small'");
      expect(size!.block_size).toBe(BLOCK_SIZE);
      expect(BLOCK_SIZE).toBe(16384);
      const [sum] = await queryRows<{n: number}>(again.connection, "SELECT sum(a)::INTEGER AS n FROM t19");
      expect(sum!.n).toBe(45);
    } finally {
      again.close();
    }
  });
});
