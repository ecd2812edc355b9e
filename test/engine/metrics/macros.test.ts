/**
 * The SQL macros every view uses: bb_sig rounds aggregates of doubles to a number of significant digits
 * (12 in every view), bb_seconds is the difference of two timestamps in seconds.
 */
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {fixtureDb, type FixtureDb} from "../../helpers/fixture-db.ts";

let db: FixtureDb;
beforeAll(async () => {
  db = await fixtureDb();
});
afterAll(() => db.close());

const one = async (sql: string) => Object.values((await db.query(`SELECT ${sql} AS v`))[0]!)[0];

describe("bb_sig(x, d)", () => {
  it("keeps exactly d significant digits, whatever the magnitude and sign", async () => {
    expect(await one("bb_sig(2 / 3, 12)")).toBe(0.666666666667);
    expect(await one("bb_sig(3200.6 / 2025.0, 12)")).toBe(1.58054320988);
    expect(await one("bb_sig(1234.56789012345678, 12)")).toBe(1234.56789012);
    expect(await one("bb_sig(-0.000123456789, 3)")).toBe(-0.000123);
    expect(await one("bb_sig(98765.4321, 2)")).toBe(99000);
  });

  it("leaves 0, NULL and non-finite values as they are", async () => {
    expect(await one("bb_sig(0, 12)")).toBe(0);
    expect(await one("bb_sig(NULL, 12)")).toBeNull();
    expect(await one("bb_sig('inf'::DOUBLE, 12) = 'inf'::DOUBLE")).toBe(true);
  });
});

describe("bb_seconds(a, b)", () => {
  it("is b - a in seconds, with milliseconds", async () => {
    expect(await one("bb_seconds(TIMESTAMP '2026-02-09 16:10:00', TIMESTAMP '2026-02-09 16:30:17.5')")).toBe(1217.5);
    expect(await one("bb_seconds(TIMESTAMP '2026-02-09 16:30:00', TIMESTAMP '2026-02-09 16:10:00')")).toBe(-1200);
  });
});
