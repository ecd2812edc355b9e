/**
 * Repeats end to end: `benchbook run --repeat 3` then the report. The report keeps the spread and the
 * bootstrap interval; a criterion whose interval straddles its target is inconclusive, and a
 * configuration with an execution that did not succeed can never pass.
 */
import {afterAll, describe, expect, it} from "vitest";
import {openDatabase} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {buildReport} from "../../../engine/report/report.ts";
import type {Report} from "../../../engine/report/types.ts";
import {runStudy} from "../../../loaders/runner/run.ts";
import type {CriterionSpec} from "../../../engine/study.ts";
import {makeStudy, pipeline, removeTempDirs, Sink} from "./helpers.ts";

afterAll(removeTempDirs);

const quiet = {ingest: false as const, nvidiaSmi: null, stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false};

const CRITERIA: CriterionSpec[] = [
  // 1-GPU totals: 3296.6, 3104.6, 3200.6 s (factors 1.03, 0.97, 1.0 of 3200.6)
  {id: "straddled_time", label: "1-GPU < 3250 s", metric: "run.total_seconds", comparison: "<", target: 3250, run: "gpus=1"},
  {id: "clear_time", label: "1-GPU < 3600 s", metric: "run.total_seconds", comparison: "<", target: 3600, run: "gpus=1"},
  // speedup ≈ median 3200.6 / median 0.62·3200.6 = 1.61x; the bootstrap interval spans ≈1.47–1.72
  {id: "straddled_scaling", label: "scaling >= 1.6x", metric: "scaling.speedup", comparison: ">=", target: 1.6},
  {id: "clear_scaling", label: "scaling >= 1.9x", metric: "scaling.speedup", comparison: ">=", target: 1.9}
];

async function reportOf(studyFile: string): Promise<Report> {
  const {dbFile} = await ingestStudy(studyFile);
  const db = await openDatabase(dbFile, {readOnly: true});
  try {
    return await buildReport(db.connection, {criteria: CRITERIA});
  } finally {
    db.close();
  }
}

describe("report over repeated executions", () => {
  it("shows the spread and interval, and straddled targets are inconclusive", async () => {
    const s = await makeStudy([
      {id: "one", gpus: 1, outputs: "out/one", command: pipeline("../../input.fa", "--factors", "1.03,0.97,1.0", "--repeat", "{repeat}")},
      {id: "two", gpus: 2, outputs: "out/two", command: pipeline("../../input.fa", "--gpus", "2", "--factors", "0.62,0.60,0.66", "--repeat", "{repeat}")}
    ]);
    await runStudy(s.file, {...quiet, repeat: 3});
    const report = await reportOf(s.file);

    expect(report.repeats).not.toBeNull();
    const one = report.repeats!.configurations.find((c) => c.run_id === "one")!;
    expect(one).toMatchObject({executions: 3, succeeded: 3, n: 3, statuses: ["succeeded", "succeeded", "succeeded"]});
    expect(one.median_seconds).toBeCloseTo(3200.6, 0);
    expect(one.min_seconds).toBeCloseTo(3200.6 * 0.97, 0);
    expect(one.max_seconds).toBeCloseTo(3200.6 * 1.03, 0);
    // the log the study points at is the median execution's, so the run's own total is the median too
    expect(report.runs.find((r) => r.id === "one")!.total_seconds).toBeCloseTo(one.median_seconds!, 6);

    const crit = (id: string) => report.criteria.find((c) => c.id === id)!;
    expect(crit("straddled_time").status).toBe("inconclusive");
    expect(crit("straddled_time").interval!.lo).toBeCloseTo(3200.6 * 0.97, 0);
    expect(crit("straddled_time").reason).toMatch(/min–max of 3 executions.*straddles the target 3250/);
    expect(crit("clear_time").status).toBe("pass");
    const scaling = report.repeats!.scaling[0]!;
    expect(scaling.speedup).toBeCloseTo(one.median_seconds! / report.repeats!.configurations.find((c) => c.run_id === "two")!.median_seconds!, 9);
    expect(scaling.speedup_interval!.lo).toBeLessThan(1.6);
    expect(scaling.speedup_interval!.hi).toBeGreaterThan(1.6);
    expect(crit("straddled_scaling")).toMatchObject({status: "inconclusive", value: scaling.speedup});
    expect(crit("straddled_scaling").interval).toEqual(scaling.speedup_interval);
    expect(crit("clear_scaling").status).toBe("fail");
    expect(report.summary.overall).toBe("fail");
  }, 120_000);

  it("an execution that failed makes its configuration's criteria invalid, never pass", async () => {
    const s = await makeStudy([
      {id: "one", gpus: 1, outputs: "out/one", command: pipeline("../../input.fa", "--repeat", "{repeat}")},
      // the second 2-GPU execution runs out of GPU memory (exit 4); the first succeeds fast
      {id: "two", gpus: 2, outputs: "out/two", command: pipeline("../../input.fa", "--gpus", "2", "--factors", "0.5", "--exit", "4", "--exit-repeat", "2", "--repeat", "{repeat}")}
    ]);
    await runStudy(s.file, {...quiet, repeat: 2});
    const report = await reportOf(s.file);
    const two = report.repeats!.configurations.find((c) => c.run_id === "two")!;
    expect(two).toMatchObject({executions: 2, succeeded: 1, not_succeeded: 1, statuses: ["succeeded", "failed"]});
    const crit = (id: string) => report.criteria.find((c) => c.id === id)!;
    // the one succeeded 2-GPU execution is twice as fast: a clean 2.0x would pass 1.9x without the failure
    for (const id of ["straddled_scaling", "clear_scaling"]) {
      expect(crit(id).status).toBe("invalid");
      expect(crit(id).reason).toMatch(/1 of 2 executions of two did not succeed \(failed\)/);
    }
    expect(crit("clear_time").status).toBe("pass");
    expect(report.summary.overall).not.toBe("pass");
  }, 120_000);
});
