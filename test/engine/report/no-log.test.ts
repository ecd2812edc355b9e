/**
 * A correctness-only run (outputs, no console log) is judged on its outputs alone. Without a log nothing
 * shows the run finished, so outputs that lack reference IDs may be a partial run: such a run never
 * passes an agreement criterion, however well the rows it has agree.
 */
import {afterEach, describe, expect, it} from "vitest";
import {buildReport} from "../../../engine/report/report.ts";
import {consensus, fixtureDb, referenceRun, release, run, type FixtureDb} from "../../helpers/fixture-db.ts";

let db: FixtureDb | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

describe("runs without a log", () => {
  it("all reference IDs present: judged (pass); some missing: no_data, naming the count", async () => {
    db = await fixtureDb();
    await db.insert("releases", [release()]);
    const noLog = {status: "no_log", outcome: null, model_path: "300_model.pth", expected_length: 300};
    await db.insert("runs", [referenceRun(), run("whole", 1, noLog), run("partial", 1, {...noLog, ord: 2})]);
    const ids = ["a", "b", "c", "d"];
    await db.insert("predictions_consensus", [
      ...ids.map((id, i) => consensus("reference", `${id}_chunk_1`, i % 2 === 0, 0.25, 0.75)),
      ...ids.map((id, i) => consensus("whole", `${id}_chunk_1`, i % 2 === 0, 0.25, 0.75)),
      ...ids.slice(0, 3).map((id, i) => consensus("partial", `${id}_chunk_1`, i % 2 === 0, 0.25, 0.75))
    ]);
    const report = await buildReport(db.connection, {
      criteria: [{id: "agreement", label: "agreement", metric: "correctness.consensus.label_agreement", comparison: ">=", target: 0.99, run: "every"}]
    });
    const c = report.criteria[0]!;
    expect(c.per_run!.map((p) => [p.run, p.status, p.value])).toEqual([
      ["whole", "pass", 1],
      ["partial", "no_data", null]
    ]);
    expect(c.per_run![1]!.reason).toBe("run partial has no log and its outputs lack 1 of 4 reference IDs: a partial run cannot be ruled out");
    expect(c.status).toBe("no_data");
    // the 3 rows it has all agree: only the missing ID keeps it from passing
    expect(report.correctness.find((x) => x.run === "partial" && x.level === "consensus")!.label_agreement).toBe(1);
  });
});
