/**
 * Every finding points at its evidence, and one fault gives one finding. On the generated Phase 10
 * study (its 1-GPU run used the 500 model against a 300-model reference, its 2-GPU monitors both sampled
 * device 0, its workers log packing on the 4096 scale), with the 1-GPU run's total edited so the stage
 * times no longer add up: each finding names the file and the line that shows the fault.
 */
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openDatabase} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {buildReport} from "../../../engine/report/report.ts";
import type {Report, ReportWarning} from "../../../engine/report/types.ts";
import {writeCorpusStudy} from "../../corpus/corpus.ts";

// one study shared by the file (generating and ingesting it is the slow part), removed afterwards
let dir: string;
afterAll(() => rm(dir, {recursive: true, force: true}));
let report: Report;

async function lineOf(w: ReportWarning): Promise<string> {
  expect(w.file, `${w.code} names a file`).not.toBeNull();
  expect(w.line, `${w.code} names a line`).not.toBeNull();
  const text = await readFile(path.resolve(dir, w.file!), "utf8");
  return text.split("\n")[w.line! - 1]!;
}

const one = (code: string, run: string) => {
  const found = report.warnings.filter((w) => w.code === code && w.run === run);
  expect(found, `${code} on ${run}`).toHaveLength(1);
  return found[0]!;
};

describe("findings carry file and line, one per fault", () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "benchbook-test-"));
    const {studyFile} = await writeCorpusStudy(dir);
    const log = path.join(dir, "runs/1gpu/console.log");
    // the total no longer matches the stage times: one fault
    await writeFile(log, (await readFile(log, "utf8")).replace(/Total wall time: 00:53:20 \(3200\.\ds\)/, "Total wall time: 00:55:00 (3300.0s)"));
    const {dbFile} = await ingestStudy(studyFile);
    const db = await openDatabase(dbFile, {readOnly: true});
    try {
      report = await buildReport(db.connection);
    } finally {
      db.close();
    }
  });

  it("a wrong stage total: one stage_sum_mismatch, at the PIPELINE SUMMARY of the run's log", async () => {
    expect(report.warnings.filter((w) => w.code === "stage_sum_mismatch")).toHaveLength(1);
    const w = one("stage_sum_mismatch", "1gpu");
    expect(w.file).toBe("runs/1gpu/console.log");
    expect(await lineOf(w)).toContain("PIPELINE SUMMARY");
    expect(w.message).toContain("3300.0 s");
  });

  it("model mismatch: at the run's '  Model:' line, naming the reference's evidence", async () => {
    const w = one("model_mismatch", "1gpu");
    expect(w.file).toBe("runs/1gpu/console.log");
    expect(await lineOf(w)).toMatch(/ {2}(Model|Expected length): /);
    // the reference's model is declared in the study file: the message says where
    const at = /from (study\.yaml):(\d+)\)$/.exec(w.message)!;
    expect(at).not.toBeNull();
    expect((await readFile(path.join(dir, at[1]!), "utf8")).split("\n")[Number(at[2]) - 1]).toMatch(/^\s+(model|expected_length): /);
  });

  it("GPU-monitor collision: at the second monitor file's first sample", async () => {
    const w = one("gpu_monitors_same_device", "2gpu");
    expect(w.file).toMatch(/^runs\/2gpu\/logs\/gpu_metrics_.*\.log$/);
    expect(await lineOf(w)).toMatch(/^\d+\.\d{3},0,/);
    expect(report.warnings.filter((x) => x.code === "gpu_monitor_duplicated")).toEqual([]);
  });

  it("packing logged on the 4096 scale: at the last progress line read, in the worker log", async () => {
    const w = one("packing_logged_differs", "2gpu");
    expect(w.file).toMatch(/^runs\/2gpu\/out\/esm_v2\/logs\/worker_0\.log$/);
    expect(await lineOf(w)).toMatch(/Batch \d+: .*% pack eff/);
  });

  it("no finding code repeats for the same run and line", () => {
    const keys = report.warnings.map((w) => `${w.code}|${w.run}|${w.file}|${w.line}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
