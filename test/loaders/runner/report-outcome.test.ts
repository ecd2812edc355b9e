/**
 * The runner's outcome reaches every report: a run `benchbook run` stopped at its timeout, interrupted,
 * or that failed shows that status and the runner's reason in the JSON, the text and the pages' data,
 * never the log-only guess `incomplete (unknown)`.
 */
import {readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openDatabase} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {formatText} from "../../../engine/render/text.ts";
import {buildReport} from "../../../engine/report/report.ts";
import type {Report} from "../../../engine/report/types.ts";
import {runStudy, type RunStudyOptions} from "../../../loaders/runner/run.ts";
import {singleFileOverview} from "../../../engine/archive/export.ts";
import {indexPage} from "../../../engine/archive/root.ts";
import type {ArchiveContents, ArchivedRelease} from "../../../engine/archive/scan.ts";
import type {Manifest} from "../../../engine/archive/manifest.ts";
import {overviewPage, runsPage, timingPage} from "../../../engine/site/pages.ts";
import type {CriterionSpec} from "../../../engine/study.ts";
import {makeStudy, pipeline, removeTempDirs, Sink, waitFor, type TestStudy} from "./helpers.ts";

afterAll(removeTempDirs);

const quiet = (extra: RunStudyOptions = {}): RunStudyOptions => ({ingest: false, nvidiaSmi: null, stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false, killGraceSeconds: 0.5, ...extra});

const CRITERIA: CriterionSpec[] = [{id: "time", label: "every run < 1 h", metric: "run.total_seconds", comparison: "<", target: 3600, run: "every"}];

async function reportOf(studyFile: string): Promise<Report> {
  const {dbFile} = await ingestStudy(studyFile, {force: true});
  const db = await openDatabase(dbFile, {readOnly: true});
  try {
    return await buildReport(db.connection, {criteria: CRITERIA});
  } finally {
    db.close();
  }
}

describe("the runner's outcome in the reports", () => {
  let s: TestStudy;
  let report: Report;
  const run = (id: string) => report.runs.find((r) => r.id === id)!;

  beforeAll(async () => {
    s = await makeStudy([
      {id: "ok", gpus: 1, outputs: "out/ok", command: pipeline("../../input.fa")},
      {id: "failed", gpus: 1, outputs: "out/failed", command: pipeline("../../input.fa", "--no-outputs")},
      {id: "timed", gpus: 2, outputs: "out/timed", command: pipeline("../../input.fa", "--gpus", "2", "--hang-at", "6")},
      {id: "stopped", gpus: 2, outputs: "out/stopped", command: pipeline("../../input.fa", "--gpus", "2", "--hang-at", "2")}
    ]);
    await runStudy(s.file, quiet({runs: ["ok", "failed"]}));
    await runStudy(s.file, quiet({runs: ["timed"], timeoutSeconds: 1}));
    const controller = new AbortController();
    const running = runStudy(s.file, quiet({runs: ["stopped"], signal: controller.signal}));
    await waitFor(async () => (await readFile(path.join(s.dir, "runs/stopped/console.log"), "utf8").catch(() => "")).includes("=== Stage 2:"), 10_000);
    controller.abort("user pressed Ctrl-C");
    await running;
    report = await reportOf(s.file);
  });

  it("JSON: runs[].status is the runner's, with its reason", () => {
    expect(run("ok")).toMatchObject({status: "complete", status_reason: null});
    expect(run("failed").status).toBe("failed");
    expect(run("failed").status_reason).toMatch(/no prediction_results\.txt under/);
    expect(run("timed")).toMatchObject({status: "timed_out", status_reason: "stopped after the 1 s timeout"});
    expect(run("stopped")).toMatchObject({status: "interrupted", status_reason: "interrupted (user pressed Ctrl-C)"});
  });

  it("text: the status and reason, never 'incomplete (unknown)'", () => {
    const text = formatText(report);
    expect(text).toContain("timed_out (stopped after the 1 s timeout)");
    expect(text).toContain("interrupted (interrupted (user pressed Ctrl-C))");
    expect(text).not.toContain("incomplete (unknown)");
    expect(text).not.toMatch(/\bincomplete\b.*\btimed\b/);
  });

  it("pages: overview, runs and timing data carry the status and reason", () => {
    const overview = overviewPage(report).provenance.runs.find((r) => r.id === "timed")!;
    expect(overview).toMatchObject({status: "timed_out", status_reason: "stopped after the 1 s timeout"});
    expect(runsPage(report).runs.find((r) => r.id === "stopped")).toMatchObject({status: "interrupted", status_reason: "interrupted (user pressed Ctrl-C)"});
    expect(timingPage(report).runs.find((r) => r.id === "failed")!.status).toBe("failed");
  });

  it("archive: the index and the single-file export show the status and reason", () => {
    const manifest = {title: report.title, date: null, build_time: "2026-12-01T08:00:00Z", content_sha256: "0".repeat(64), summary: report.summary, study_file: "study.yaml", study_sha256: "1".repeat(64), inputs: [], tools: {benchbook: "t", duckdb: "t", node: "t"}} as unknown as Manifest;
    const release = {release: report.release, dir: "releases/v-test", report, manifest, signoff: {state: "none"}} as unknown as ArchivedRelease;
    const index = indexPage({releases: [release], replaced: [], broken: []} as unknown as ArchiveContents);
    expect(index).toContain('data-run-status="timed_out">(timed_out: stopped after the 1 s timeout)');
    expect(index).toContain("(interrupted: interrupted (user pressed Ctrl-C))");
    const single = singleFileOverview(report, manifest, {state: "none"} as never);
    expect(single).toContain("timed_out (stopped after the 1 s timeout)");
    expect(single).not.toContain("incomplete (unknown)");
  });

  it("a criterion over a stopped run says why it has no data", () => {
    const c = report.criteria.find((x) => x.id === "time")!;
    expect(c.status).not.toBe("pass");
    const timed = c.per_run!.find((p) => p.run === "timed")!;
    expect(timed.status).toBe("no_data");
    expect(c.reason ?? "").toMatch(/timed is timed_out \(stopped after the 1 s timeout\)/);
  });

  it("a manifest left saying 'running' (benchbook killed -9 mid-run) is an interrupted run, not a complete one", async () => {
    const file = path.join(s.dir, "runs/ok/run.json");
    const manifest = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({...manifest, status: "running", reason: null, ended_at: null}));
    const again = await reportOf(s.file);
    expect(again.runs.find((r) => r.id === "ok")).toMatchObject({status: "interrupted", status_reason: expect.stringMatching(/still says running/)});
  });
});
