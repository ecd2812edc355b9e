/**
 * Stage sums and shares. A skipped stage (resume: `skipped (checkpoint)`) did no work in this run: ingest
 * stores no seconds for it, but the views must not count one either when a row carries seconds (a time
 * logged by an earlier attempt). A stage's share is of the summary's total, which the stage sum may miss.
 */
import {afterEach, describe, expect, it} from "vitest";
import {fixtureDb, referenceRun, release, run, stageRows, type FixtureDb} from "../../helpers/fixture-db.ts";

let db: FixtureDb | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

describe("skipped stages in the timing views", () => {
  it("a skipped stage's seconds count in no sum: stage, GPU and CPU sums and the Amdahl share", async () => {
    db = await fixtureDb();
    await db.insert("releases", [release()]);
    await db.insert("runs", [referenceRun(), run("1gpu", 1, {total_seconds: 1000}), run("2gpu", 2, {total_seconds: 500})]);
    const one = stageRows("1gpu", [["Sequence Chunking", 250], ["DNABERT-S Feature Extraction", 100], ["ESM-2 Feature Extraction", 750], ["Feature Merging", 30]]);
    // DNABERT-S and Feature Merging skipped in the 1-GPU run, yet with a logged time
    for (const r of one) if (r.stage === "DNABERT-S Feature Extraction" || r.stage === "Feature Merging") r.skipped = true;
    await db.insert("stages", one);
    await db.insert("stages", stageRows("2gpu", [["Sequence Chunking", 250], ["ESM-2 Feature Extraction", 250]]));
    const t = await db.query<{run_id: string; stage_sum_seconds: number; gpu_stage_seconds: number; cpu_stage_seconds: number; timed_stages: number}>(
      "SELECT run_id, stage_sum_seconds, gpu_stage_seconds, cpu_stage_seconds, timed_stages FROM v_run_timing ORDER BY ord"
    );
    expect(t[0]).toEqual({run_id: "1gpu", stage_sum_seconds: 1000, gpu_stage_seconds: 750, cpu_stage_seconds: 250, timed_stages: 2});
    const [s] = await db.query<{gpu_fraction: number; ceiling: number}>("SELECT gpu_fraction, ceiling FROM v_scaling");
    expect(s!.gpu_fraction).toBe(0.75); // 750 / 1000
    expect(s!.ceiling).toBe(1.6); // 1 / (0.25 + 0.75 / 2)
  });
});

describe("stage shares", () => {
  it("are of the summary's total, not of the stage sum, when the two differ", async () => {
    db = await fixtureDb();
    await db.insert("releases", [release()]);
    // stages add up to 1000 s; the summary says 1250 s (a gap the stage-sum check reports separately)
    await db.insert("runs", [referenceRun(), run("1gpu", 1, {total_seconds: 1250})]);
    await db.insert("stages", stageRows("1gpu", [["Sequence Chunking", 250], ["ESM-2 Feature Extraction", 750]]));
    const shares = await db.query<{stage: string; share: number}>("SELECT stage, share FROM v_stage_timing ORDER BY ord");
    expect(shares).toEqual([
      {stage: "Sequence Chunking", share: 0.2}, // 250 / 1250
      {stage: "ESM-2 Feature Extraction", share: 0.6} // 750 / 1250
    ]);
  });
});

describe("the run's input count (workload check)", () => {
  it("is the 'sequences' extra of the first profile-named stage that has one; other stages' counts are ignored", async () => {
    db = await fixtureDb();
    await db.insert("releases", [release()]);
    await db.insert("runs", [referenceRun(), run("1gpu", 1, {total_seconds: 100}), run("2gpu", 2, {total_seconds: 60}), run("4gpu", 4, {total_seconds: 40})]);
    const rows = (id: string, counts: Record<string, number | null>) =>
      stageRows(id, Object.keys(counts).map((stage) => [stage, 10])).map((r) => ({...r, extras: counts[r.stage as string] === null ? null : JSON.stringify({sequences: counts[r.stage as string]})}));
    // 1gpu: chunking counts 1000; 2gpu resumed past chunking (no count): the translation's 1000;
    // 4gpu: only a stage the profile does not name carries a count, so the run's input is unknown
    await db.insert("stages", rows("1gpu", {"Sequence Chunking": 1000, "Six-Frame Translation": 6000, "Model Prediction": 7}));
    await db.insert("stages", rows("2gpu", {"Sequence Chunking": null, "Six-Frame Translation": 1000}));
    await db.insert("stages", rows("4gpu", {"Model Prediction": 250}));
    expect(await db.query("SELECT run_id, sequences::INTEGER AS sequences FROM v_run_checks ORDER BY ord")).toEqual([
      {run_id: "1gpu", sequences: 1000},
      {run_id: "2gpu", sequences: 1000},
      {run_id: "4gpu", sequences: null}
    ]);    // the stages come from the pipeline's profile, not from the engine: another profile, other counts
    await db.connection.run(`UPDATE pipeline_profile SET value = '["Model Prediction"]' WHERE key = 'input_count_stages'`);
    expect(await db.query("SELECT run_id, sequences::INTEGER AS sequences FROM v_run_checks ORDER BY ord")).toEqual([
      {run_id: "1gpu", sequences: 7},
      {run_id: "2gpu", sequences: null},
      {run_id: "4gpu", sequences: 250}
    ]);
  });
});
