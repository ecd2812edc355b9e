/**
 * BENCHBOOK_DUCKDB_THREADS caps DuckDB's worker threads for every database benchbook opens; a value that
 * is not a whole number of threads is refused with the variable named, never ignored.
 */
import {afterEach, describe, expect, it} from "vitest";
import {openDatabase, queryRows} from "../../engine/db/duckdb.ts";

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
