import {readFile, readdir} from "node:fs/promises";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {openDatabase, queryRows} from "../../../engine/db/duckdb.ts";
import {insertRows} from "../../../engine/db/writer.ts";
import {EXECUTION_STATS_SQL, EXECUTIONS_SQL, ingestExecutions, readExecutions, repeatStatistics} from "../../../engine/ingest/executions.ts";
import {readManifest} from "../../../loaders/runner/manifest.ts";
import {representative, runStudy, type ExecutionResult} from "../../../loaders/runner/run.ts";
import {bootstrapScaling, intervalVerdict, spread} from "../../../engine/metrics/stats.ts";
import {loadStudy} from "../../../engine/study.ts";
import {makeStudy, pipeline, Sink, removeTempDirs} from "./helpers.ts";

afterAll(removeTempDirs);

const quiet = {ingest: false as const, nvidiaSmi: null, stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false};

describe("repeats", () => {
  it("interleave configurations, keep each execution apart, promote the median one, and feed the statistics", async () => {
    const s = await makeStudy([
      {id: "time_1gpu", gpus: 1, log: "logs/1gpu.log", outputs: "out/1gpu", command: pipeline("../../input.fa", "--factors", "1.03,0.97,1.0", "--repeat", "{repeat}")},
      {id: "time_2gpu", gpus: 2, outputs: "out/2gpu", command: pipeline("../../input.fa", "--gpus", "2", "--factors", "0.62,0.60,0.66", "--repeat", "{repeat}")}
    ]);
    const results = await runStudy(s.file, {...quiet, repeat: 3});
    expect(results.map((r) => `${r.runId}/${r.repeat}`)).toEqual(["time_1gpu/1", "time_2gpu/1", "time_1gpu/2", "time_2gpu/2", "time_1gpu/3", "time_2gpu/3"]);
    expect(results.every((r) => r.status === "succeeded" && r.repeats === 3)).toBe(true);
    for (let i = 1; i < results.length; i++) expect(Date.parse(results[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(results[i - 1]!.endedAt));

    // stage times are scaled per repeat by the fixture: totals follow the factors
    const totals = (id: string) => results.filter((r) => r.runId === id).map((r) => r.totalSeconds!);
    const one = totals("time_1gpu");
    const two = totals("time_2gpu");
    [1.03, 0.97, 1.0].forEach((f, i) => expect(Math.abs(one[i]! - 3200.6 * f)).toBeLessThan(0.5));
    [0.62, 0.6, 0.66].forEach((f, i) => expect(Math.abs(two[i]! - 3200.6 * f)).toBeLessThan(0.5));

    // each execution has its own folder, with outputs through {outputs}
    const runFolder = path.join(s.dir, "runs/time_1gpu");
    expect((await readdir(path.join(runFolder, "executions"))).sort()).toEqual([".benchbook-executions", "1", "2", "3"]);
    for (const k of [1, 2, 3]) {
      const m = await readManifest(path.join(runFolder, "executions", String(k), "run.json"));
      expect(m).toMatchObject({repeat: k, repeats: 3, status: "succeeded"});
      expect(m.command).toContain(path.join(runFolder, "executions", String(k), "outputs"));
      expect(m.command).toContain(String(k));
    }

    // the median execution's files are where the study points: 1gpu median is repeat 3, 2gpu repeat 1
    const promoted = await readManifest(path.join(runFolder, "run.json"));
    expect(promoted.repeat).toBe(3);
    expect(promoted.representative_of).toEqual({repeat: 3, repeats: 3, rule: "median pipeline total of the succeeded executions", outputs_from_repeat: 3});
    expect(await readFile(path.join(s.dir, "logs/1gpu.log"), "utf8")).toBe(await readFile(path.join(runFolder, "executions/3/console.log"), "utf8"));
    expect(await readFile(path.join(s.dir, "out/1gpu/input_merged/prediction_results.txt"), "utf8")).toBe(
      await readFile(path.join(runFolder, "executions/3/outputs/input_merged/prediction_results.txt"), "utf8")
    );
    expect((await readManifest(path.join(s.dir, "runs/time_2gpu/run.json"))).repeat).toBe(1);

    // DuckDB: executions rows, SQL spread per configuration, bootstrap interval from the same rows
    const study = await loadStudy(s.file);
    const db = await openDatabase(":memory:");
    try {
      expect(await ingestExecutions(db.connection, study)).toBe(6);
      const rows = await queryRows<{run_id: string; repeat: number; status: string; representative: boolean; total_seconds: number; exit_code: number}>(
        db.connection,
        "SELECT run_id, repeat, status, representative, total_seconds, exit_code FROM executions ORDER BY repeat, run_id"
      );
      expect(rows.map((r) => [r.run_id, r.repeat, r.representative])).toEqual([
        ["time_1gpu", 1, false],
        ["time_2gpu", 1, true],
        ["time_1gpu", 2, false],
        ["time_2gpu", 2, false],
        ["time_1gpu", 3, true],
        ["time_2gpu", 3, false]
      ]);
      const stats = await repeatStatistics(db.connection, {iterations: 500, seed: 7});
      const [c1, c2] = stats.configurations;
      const s1 = spread(one)!;
      expect(c1).toMatchObject({run_id: "time_1gpu", gpus: 1, executions: 3, succeeded: 3, not_succeeded: 0, n: 3});
      expect(c1!.median_seconds).toBeCloseTo(s1.median, 9);
      expect(c1!.q1_seconds).toBeCloseTo(s1.q1, 9);
      expect(c1!.q3_seconds).toBeCloseTo(s1.q3, 9);
      expect(c1!.iqr_seconds).toBeCloseTo(s1.iqr, 9);
      expect([c1!.min_seconds, c1!.max_seconds]).toEqual([s1.min, s1.max]);
      expect(c2!.median_seconds).toBeCloseTo(spread(two)!.median, 9);
      const [scaling] = stats.scaling;
      const expected = bootstrapScaling(one, two, 2, {iterations: 500, seed: 7})!;
      expect(scaling).toMatchObject({from: "time_1gpu", to: "time_2gpu", from_gpus: 1, to_gpus: 2, n_from: 3, n_to: 3, iterations: 500, seed: 7});
      expect(scaling!.speedup).toBeCloseTo(s1.median / spread(two)!.median, 12);
      expect(scaling!.efficiency).toBeCloseTo(scaling!.speedup! / 2, 12);
      expect(scaling!.speedup_interval).toEqual(expected.speedup_interval);
      // speedup ≈ 1.0/0.62 with executions from 0.97/0.66 to 1.03/0.60: the 1.6x target sits inside
      expect(intervalVerdict(scaling!.speedup_interval!, ">=", 1.6)).toBe("inconclusive");
      expect(intervalVerdict(scaling!.speedup_interval!, ">=", 1.9)).toBe("fail");
    } finally {
      db.close();
    }

    // a later single run replaces the earlier executions instead of mixing with them
    await runStudy(s.file, {...quiet, runs: ["time_1gpu"]});
    const after = await readExecutions(study);
    expect(after.filter((r) => r.run_id === "time_1gpu").map((r) => [r.repeat, r.repeats, r.representative])).toEqual([[1, 1, true]]);
    expect(after.filter((r) => r.run_id === "time_2gpu")).toHaveLength(3);
  });
});

describe("execution_stats view", () => {
  it("computes median, min-max and IQR of succeeded executions only, by hand", async () => {
    const db = await openDatabase(":memory:");
    try {
      await db.connection.run(EXECUTIONS_SQL);
      await db.connection.run(EXECUTION_STATS_SQL);
      const row = (run_id: string, gpus: number, repeat: number, status: string, total: number | null) => ({
        run_id,
        ord: {c: 1, a: 2, b: 3, d: 4}[run_id],
        repeat,
        repeats: 5,
        gpus,
        status,
        reason: status === "succeeded" ? null : "x",
        exit_code: status === "succeeded" ? 0 : 4,
        signal: null,
        started_at: "2026-02-09T00:00:00.000Z",
        ended_at: "2026-02-09T01:00:00.000Z",
        total_seconds: total,
        wall_seconds: 3600,
        representative: false,
        manifest_file: `/x/${run_id}/${repeat}/run.json`,
        manifest: {}
      });
      await insertRows(db.connection, "executions", [
        row("a", 1, 1, "succeeded", 10),
        row("a", 1, 2, "succeeded", 12),
        row("a", 1, 3, "failed", 999), // OOM: counted, never averaged in
        row("a", 1, 4, "succeeded", 11),
        row("a", 1, 5, "succeeded", 15),
        row("a", 1, 6, "succeeded", 30),
        row("b", 2, 1, "timed_out", null),
        row("b", 2, 2, "interrupted", null)
      ]);
      const stats = await queryRows(db.connection, "SELECT * EXCLUDE (ord) FROM execution_stats ORDER BY run_id");
      // succeeded a: 10 11 12 15 30 -> median 12, q1 11, q3 15, IQR 4
      expect(stats).toEqual([
        {run_id: "a", gpus: 1, executions: 6, succeeded: 5, not_succeeded: 1, n: 5, median_seconds: 12, min_seconds: 10, max_seconds: 30, q1_seconds: 11, q3_seconds: 15, iqr_seconds: 4},
        {run_id: "b", gpus: 2, executions: 2, succeeded: 0, not_succeeded: 2, n: 0, median_seconds: null, min_seconds: null, max_seconds: null, q1_seconds: null, q3_seconds: null, iqr_seconds: null}
      ]);
      const {scaling} = await repeatStatistics(db.connection);
      // no succeeded 2-GPU execution: no speedup and no interval, never 0
      expect(scaling).toEqual([
        expect.objectContaining({from: "a", to: "b", n_from: 5, n_to: 0, speedup: null, efficiency: null, speedup_interval: null, efficiency_interval: null})
      ]);
    } finally {
      db.close();
    }
  });
});

describe("representative", () => {
  const execution = (repeat: number, status: ExecutionResult["status"], totalSeconds: number | null): ExecutionResult => ({
    runId: "r",
    gpus: 1,
    repeat,
    repeats: 4,
    status,
    reason: null,
    exitCode: 0,
    signal: null,
    startedAt: "",
    endedAt: "",
    wallSeconds: 1,
    totalSeconds,
    manifestFile: "",
    logFile: "",
    outputsDir: null,
    gpuSamplesFile: null
  });

  it("is the lower median of the succeeded executions, else the last one", () => {
    expect(representative([execution(1, "succeeded", 40), execution(2, "failed", null), execution(3, "succeeded", 10), execution(4, "succeeded", 20)])?.execution.repeat).toBe(4);
    expect(representative([execution(1, "succeeded", 40), execution(2, "succeeded", 10), execution(3, "succeeded", 30), execution(4, "succeeded", 20)])?.execution.repeat).toBe(4);
    expect(representative([execution(1, "failed", null), execution(2, "timed_out", null)])).toEqual({execution: execution(2, "timed_out", null), rule: "last execution (none succeeded)"});
    expect(representative([])).toBeNull();
    // wall time only when no succeeded execution has a pipeline total
    expect(representative([execution(1, "succeeded", null), execution(2, "succeeded", 3000), execution(3, "succeeded", 2000)])?.execution.repeat).toBe(3);
    const noSummary = representative([{...execution(1, "succeeded", null), wallSeconds: 9}, {...execution(2, "succeeded", null), wallSeconds: 5}, {...execution(3, "succeeded", null), wallSeconds: 7}]);
    expect(noSummary?.execution.repeat).toBe(3);
    expect(noSummary?.rule).toBe("median wall time of the succeeded executions (no pipeline summary)");
  });
});

describe("execution_scaling view", () => {
  it("scales from the fewest-GPU configuration, the earlier run on ties, by the ratio of medians", async () => {
    const db = await openDatabase(":memory:");
    try {
      await db.connection.run(EXECUTIONS_SQL);
      await db.connection.run(EXECUTION_STATS_SQL);
      const row = (run_id: string, ord: number, gpus: number, repeat: number, total: number) => ({
        run_id, ord, repeat, repeats: 3, gpus, status: "succeeded", reason: null, exit_code: 0, signal: null,
        started_at: null, ended_at: null, total_seconds: total, wall_seconds: total, representative: false,
        manifest_file: `/x/${run_id}/${repeat}/run.json`, manifest: {}
      });
      await insertRows(db.connection, "executions", [
        // 'late' has 1 GPU too but comes later in the study: 'early' is the base
        ...[100, 120, 110].map((t, i) => row("early", 1, 1, i + 1, t)),
        ...[90, 95, 99].map((t, i) => row("late", 3, 1, i + 1, t)),
        ...[40, 44, 50].map((t, i) => row("four", 2, 4, i + 1, t))
      ]);
      // medians: early 110, four 44 -> speedup 2.5 over N = 4, efficiency 0.625
      expect(await queryRows(db.connection, "SELECT * FROM execution_scaling")).toEqual([
        {from_run: "early", to_run: "four", from_gpus: 1, to_gpus: 4, n: 4, speedup: 2.5, efficiency: 0.625}
      ]);
    } finally {
      db.close();
    }
  });
});
