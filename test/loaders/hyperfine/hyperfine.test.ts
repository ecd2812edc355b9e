/**
 * pipeline: hyperfine. Exports are REAL: made by running hyperfine on small commands here (skipped, with
 * a message, where hyperfine is not installed: `.ci/run` installs it), plus one committed real export.
 */
import {execFileSync} from "node:child_process";
import {copyFile, mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openDatabase, queryRows} from "../../../engine/db/duckdb.ts";
import {InputError} from "../../../engine/errors.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {studyReport} from "../../../engine/report/from-study.ts";
import {formatText} from "../../../engine/render/text.ts";
import {parseHyperfineExport} from "../../../loaders/hyperfine/export.ts";
import {useTmp} from "../../helpers/tmp.ts";

const tmp = useTmp();
const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, "fixtures", "real-export.json");
const WORK = path.join(here, "../../../loaders/hyperfine/example/work.mjs");

function hyperfineInstalled(): boolean {
  try {
    execFileSync("hyperfine", ["--version"], {stdio: "ignore"});
    return true;
  } catch {
    return false;
  }
}
const installed = hyperfineInstalled();
if (!installed) console.warn("hyperfine is not installed: the tests that run it are skipped (apt-get install hyperfine; .ci/run does)");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length / 2;
  return s.length % 2 ? s[Math.floor(m)]! : (s[m - 1]! + s[m]!) / 2;
};

async function writeStudy(dir: string, body: string): Promise<string> {
  const file = path.join(dir, "study.yaml");
  await writeFile(file, body);
  return file;
}

describe.skipIf(!installed)("hyperfine exports made here", () => {
  let dir: string;
  let exported: {results: Array<{command: string; times: number[]; exit_codes: number[]}>};
  // one export shared by the tests of this block (running hyperfine is the slow part)
  afterAll(() => rm(dir, {recursive: true, force: true}));
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "benchbook-test-"));
    await copyFile(WORK, path.join(dir, "work.mjs"));
    // a sleep, a CPU job on 1 and 2 threads, and a command that fails (-i keeps timing it)
    execFileSync(
      "hyperfine",
      ["-N", "-i", "--runs", "3", "--export-json", "bench.json",
        "-n", "sleep", "sleep 0.05", "-n", "job-1", "node work.mjs 1 8 1500", "-n", "job-2", "node work.mjs 2 8 1500", "-n", "broken", "sh -c 'exit 3'"],
      {cwd: dir, stdio: "ignore"}
    );
    exported = JSON.parse(await readFile(path.join(dir, "bench.json"), "utf8"));
  }, 60_000);

  it("stores every timed run as an execution and makes the run total their median, in SQL", async () => {
    const study = await writeStudy(dir, `release: h1\ntitle: job\npipeline: hyperfine\nexport: bench.json\nruns:\n  - {id: j1, gpus: 1, benchmark: job-1}\n  - {id: j2, gpus: 2, benchmark: job-2}\n`);
    const {dbFile} = await ingestStudy(study, {dbFile: path.join(dir, "a.duckdb")});
    const job1 = exported.results.find((r) => r.command === "job-1")!;
    const db = await openDatabase(dbFile, {readOnly: true});
    try {
      const rows = await queryRows<{run_id: string; repeat: number; repeats: number; status: string; total_seconds: number; exit_code: number}>(db.connection, "SELECT run_id, repeat, repeats, status, total_seconds, exit_code FROM executions ORDER BY run_id, repeat");
      expect(rows.filter((r) => r.run_id === "j1").map((r) => r.total_seconds)).toEqual(job1.times);
      expect(rows.every((r) => r.status === "succeeded" && r.exit_code === 0 && r.repeats === 3)).toBe(true);
      const [run] = await queryRows<{total_seconds: number; status: string}>(db.connection, "SELECT total_seconds, status FROM runs WHERE run_id = 'j1'");
      expect(run).toEqual({total_seconds: median(job1.times), status: "complete"});
    } finally {
      db.close();
    }
    const {report} = await studyReport(study, {db: path.join(dir, "a.duckdb")});
    // repeats, medians, IQR and the bootstrap interval come from the real timings
    expect(report.repeats?.configurations.map((c) => [c.run_id, c.n, c.executions])).toEqual([["j1", 3, 3], ["j2", 3, 3]]);
    const pair = report.repeats!.scaling[0]!;
    expect(pair).toMatchObject({from: "j1", to: "j2", n_from: 3, n_to: 3});
    expect(pair.speedup).toBeCloseTo(median(job1.times) / median(exported.results.find((r) => r.command === "job-2")!.times), 12);
    expect(pair.speedup_interval).not.toBeNull();
    // scaling applies (two parallelism counts), nothing else does: no baseline, no reference, no GPU stage
    expect(report.criteria.map((c) => c.id)).toEqual(["scaling_efficiency"]);
    // wall times only: no primary GPU stage (no "-only ceiling" row, no what-ifs), no classes, no optional family
    expect([report.stage_labels.primary_gpu, report.classes, report.families]).toEqual([null, null, []]);
    const text = formatText(report);
    expect(text).toContain("Amdahl ceiling");
    expect(text).not.toMatch(/-only ceiling|What if|^Correctness$|throughput$|^Packing$|^GPU utilization|^I\/O bottleneck/m);
  });

  it("a command with a failing exit code makes its run failed, never part of a pass", async () => {
    const study = await writeStudy(dir, `release: h2\ntitle: job\npipeline: hyperfine\nexport: bench.json\nruns:\n  - {id: s, gpus: 1, benchmark: sleep}\n  - {id: b, gpus: 2, benchmark: broken}\ncriteria:\n  - {id: fast, label: fast, metric: run.total_seconds, comparison: "<", target: 100, run: every}\n  - {id: scale, label: scale, metric: scaling.speedup, comparison: ">", target: 0}\n`);
    const {report} = await studyReport(study, {db: path.join(dir, "b.duckdb")});
    expect(report.runs.map((r) => [r.id, r.status])).toEqual([["s", "complete"], ["b", "failed"]]);
    expect(report.criteria.map((c) => c.status)).toEqual(["no_data", "no_data"]);
    expect(report.warnings.find((w) => w.code === "executions_failed")?.message).toMatch(/3 of 3 timed runs of 'broken' did not exit 0/);
    expect(report.repeats?.configurations.find((c) => c.run_id === "b")?.statuses).toEqual(["failed", "failed", "failed"]);
  });

  it("names the export's commands when a run's benchmark is not one of them", async () => {
    const study = await writeStudy(dir, `release: h3\ntitle: job\npipeline: hyperfine\nexport: bench.json\nruns:\n  - {id: job1, gpus: 1}\n`);
    const {report} = await studyReport(study, {db: path.join(dir, "c.duckdb")});
    const w = report.warnings.find((x) => x.code === "artifact_unreadable")!;
    expect(w.message).toMatch(/no command 'job1' in the export.*'sleep', 'job-1', 'job-2', 'broken'/);
    expect(report.runs[0]!.status).toBe("no_log");
  });

  it("two runs reading one command's timings are not complete (no made-up scaling)", async () => {
    const study = await writeStudy(dir, `release: h5\ntitle: job\npipeline: hyperfine\nexport: bench.json\nruns:\n  - {id: a, gpus: 1, benchmark: job-1}\n  - {id: b, gpus: 2, benchmark: job-1}\n`);
    const {report} = await studyReport(study, {db: path.join(dir, "e.duckdb")});
    expect(report.runs.map((r) => r.status)).toEqual(["incomplete", "incomplete"]);
    expect(report.criteria.map((c) => [c.id, c.status])).toEqual([["scaling_efficiency", "no_data"]]);
  });

  it("re-ingests when the export changes (it is an input of the change detector)", async () => {
    const study = await writeStudy(dir, `release: h4\ntitle: job\npipeline: hyperfine\nexport: e.json\nruns:\n  - {id: s, gpus: 1, benchmark: sleep}\n`);
    await copyFile(path.join(dir, "bench.json"), path.join(dir, "e.json"));
    const first = await ingestStudy(study, {dbFile: path.join(dir, "d.duckdb")});
    expect((await ingestStudy(study, {dbFile: path.join(dir, "d.duckdb")})).ingested).toBe(false);
    await writeFile(path.join(dir, "e.json"), (await readFile(FIXTURE, "utf8")).replace('"sleep-50ms"', '"sleep"'));
    const second = await ingestStudy(study, {dbFile: first.dbFile});
    expect(second.ingested).toBe(true);
  });
});

describe("the committed real export", () => {
  it("reads every time and exit code", async () => {
    const results = parseHyperfineExport(await readFile(FIXTURE, "utf8"), FIXTURE);
    expect(results.map((r) => [r.command, r.times.length])).toEqual([["sleep-50ms", 4], ["sleep-20ms", 4], ["exit-3", 4]]);
    expect(results[2]!.exitCodes).toEqual([3, 3, 3, 3]);
  });

  it("refuses an export whose exit codes do not match its times, naming file and line", async () => {
    const text = (await readFile(FIXTURE, "utf8")).replace(/("exit_codes": \[\s*)0,/, "$1");
    const error = (() => {
      try {
        parseHyperfineExport(text, "/x/e.json");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/results\[0\] \('sleep-50ms'\): 4 times but 3 exit codes/);
    expect((error as InputError).line).toBe(text.split("\n").findIndex((l) => l.includes('"exit_codes"')) + 1);
  });

  it("refuses a cut-off export with the line of the cut", async () => {
    const text = (await readFile(FIXTURE, "utf8")).slice(0, 300);
    expect(() => parseHyperfineExport(text, "/x/e.json")).toThrow(/\/x\/e\.json.*not JSON/);
  });

  it("refuses a negative time naming the field", () => {
    expect(() => parseHyperfineExport('{"results": [{"command": "a", "times": [0.1, -1]}]}', "/x/e.json")).toThrow(/field 'results\[0\]\.times\[1\]'/);
  });

  it("refuses a misspelt hyperfine study field with the line and the field it probably meant", async () => {
    const dir = await tmp();
    const study = await writeStudy(dir, `release: h\ntitle: t\npipeline: hyperfine\nexport: e.json\nruns:\n  - {id: a, gpus: 1, benchmrk: x}\n`);
    const error = await ingestStudy(study, {dbFile: path.join(dir, "x.duckdb")}).catch((e: unknown) => e);
    expect((error as InputError).message).toMatch(/'benchmrk' \(did you mean 'benchmark'\?\)/);
    expect((error as InputError).line).toBe(6);
  });
});
