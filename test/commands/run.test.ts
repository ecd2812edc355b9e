/**
 * `benchbook run` composes the runner and the engine: the runner runs the study, the command hands it
 * the engine's ingest (the runner itself does not import the engine), so the study's database holds the run.
 */
import {access} from "node:fs/promises";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {runCommand} from "../../commands/run.ts";
import {openDatabase, queryRows} from "../../engine/db/duckdb.ts";
import {makeStudy, pipeline, removeTempDirs, Sink} from "../loaders/runner/helpers.ts";

afterAll(removeTempDirs);

describe("benchbook run", () => {
  it("ingests the study once its runs ended: the database holds the run the command just ran", async () => {
    const s = await makeStudy([{id: "r1", gpus: 1, log: "logs/r1.log", outputs: "out/r1", command: pipeline("../../input.fa", "--gpus", "1"), cwd: "runs/r1"}]);
    const stdout = new Sink();
    const code = await runCommand([s.file], {stdout: stdout as unknown as NodeJS.WritableStream, stderr: new Sink() as unknown as NodeJS.WritableStream});
    expect(code).toBe(0);
    const dbFile = path.join(s.dir, ".benchbook", "v-test.duckdb");
    expect(stdout.text).toContain(`ingested into ${dbFile}`);
    await access(dbFile);
    const db = await openDatabase(dbFile, {readOnly: true});
    try {
      const runs = await queryRows<{run_id: string; status: string; total_seconds: number}>(db.connection, "SELECT run_id, status, total_seconds FROM runs WHERE role = 'run'");
      expect(runs).toEqual([{run_id: "r1", status: "complete", total_seconds: 3200.6}]);
    } finally {
      db.close();
    }
  });
});
