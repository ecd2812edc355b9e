/**
 * pipeline: csv — a study over plain tables. Errors name file, line and column; a study goes end to end
 * through ingest, the metric SQL, the report and the criteria; evidence that is partial, contradictory or
 * edited never passes.
 */
import {mkdir, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {InputError} from "../../../engine/errors.ts";
import {studyReport} from "../../../engine/report/from-study.ts";
import {formatText} from "../../../engine/render/text.ts";
import {parseStudy} from "../../../engine/study.ts";
import {adapters} from "../../../loaders/index.ts";
import {runStudy} from "../../../loaders/runner/run.ts";
import {parseOutputs} from "../../../loaders/csv/outputs.ts";
import {parseTimings} from "../../../loaders/csv/timings.ts";
import type {CsvTimings} from "../../../loaders/csv/study.ts";
import {useTmp} from "../../helpers/tmp.ts";

const tmp = useTmp();

function thrown(work: () => unknown): InputError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected an InputError");
}

const secondsColumns: CsvTimings = {stage: "stage", seconds: "seconds", unit: "s"};

describe("timings and outputs tables", () => {
  it("reads durations, detects the delimiter and keeps each stage's line", () => {
    const t = parseTimings("step\tsecs\nload\t1.5\nembed\t20 s\n", {file: "/r/t.tsv", columns: {stage: "step", seconds: "secs", unit: "s"}});
    expect(t.stages).toEqual([
      {name: "load", line: 2, seconds: 1.5, startedAt: null, endedAt: null},
      {name: "embed", line: 3, seconds: 20, startedAt: null, endedAt: null}
    ]);
    expect(parseTimings("stage;ms\na;1500\n", {file: "/r/t.csv", columns: {stage: "stage", seconds: "ms", unit: "ms"}}).stages[0]!.seconds).toBe(1.5);
  });

  it("names the missing column, the header it found and the line", () => {
    const e = thrown(() => parseTimings("stage,secs\na,1\n", {file: "/r/t.csv", columns: secondsColumns}));
    expect(e.message).toMatch(/^\/r\/t\.csv:1: timings table: no column 'seconds' in the header \('stage', 'secs'\)/);
  });

  it("says when the declared delimiter is not the file's", () => {
    const e = thrown(() => parseTimings("stage\tseconds\na\t1\n", {file: "/r/t.csv", columns: secondsColumns, delimiter: ","}));
    expect(e.message).toMatch(/the file is TAB-separated, the study says ','/);
  });

  it("names line and column of a cell that is not a duration, or in another unit", () => {
    const bad = thrown(() => parseTimings("stage,seconds\na,1\nb,fast\n", {file: "/r/t.csv", columns: secondsColumns}));
    expect(bad.line).toBe(3);
    expect(bad.message).toMatch(/column 'seconds' \(2\) is "fast"/);
    const unit = thrown(() => parseTimings("stage,seconds\na,1250 ms\n", {file: "/r/t.csv", columns: secondsColumns}));
    expect(unit.message).toMatch(/column 'seconds' \(2\) is in ms, the study says s/);
    expect(unit.line).toBe(2);
  });

  it("refuses a timestamp with a zone, an end before the start, a repeated stage and a short row", () => {
    const columns: CsvTimings = {stage: "stage", start: "start", end: "end", unit: "s"};
    expect(thrown(() => parseTimings("stage,start,end\na,2026-01-01T10:00:00Z,2026-01-01 10:00:01\n", {file: "/f", columns})).message).toMatch(/column 'start' \(2\) has a time zone/);
    expect(thrown(() => parseTimings("stage,start,end\na,2026-01-01 10:00:05,2026-01-01 10:00:01\n", {file: "/f", columns})).message).toMatch(/ends .* before it starts/);
    expect(thrown(() => parseTimings("stage,seconds\na,1\na,2\n", {file: "/f", columns: secondsColumns})).message).toMatch(/stage 'a' appears twice \(first on line 2\)/);
    const short = thrown(() => parseTimings("stage,seconds\na,1\nb\n", {file: "/f", columns: secondsColumns}));
    expect([short.line, short.message.includes("1 ','-separated cells, the header has 2")]).toEqual([3, true]);
  });

  it("refuses a table cut off mid-row (no final newline) and disagreeing total columns", () => {
    expect(thrown(() => parseTimings("stage,seconds\na,1\nb,2", {file: "/f", columns: secondsColumns})).message).toMatch(/cut off/);
    const e = thrown(() => parseTimings("stage,seconds,total\na,1,10\nb,2,11\n", {file: "/f", columns: {...secondsColumns, total_column: "total"}}));
    expect([e.line, /says 11 here and 10 on line 2/.test(e.message)]).toEqual([3, true]);
  });

  it("outputs: a non-numeric score, a duplicate id and an undeclared level name their line and column", () => {
    const columns = {id: "id", label: "label", score: "p"};
    expect(thrown(() => parseOutputs("id,label,p\na,x,0.5\nb,y,high\n", {file: "/o", columns})).message).toMatch(/^\/o:3: outputs table: column 'p' \(3\) is "high"/);
    expect(thrown(() => parseOutputs("id,label,p\na,x,0.5\na,y,0.1\n", {file: "/o", columns})).message).toMatch(/id "a" appears twice \(first on line 2\)/);
    const levels = {...columns, level: "lvl", levels: {consensus: "read"}};
    expect(thrown(() => parseOutputs("id,label,p,lvl\na,x,0.5,read\na,x,0.5,frame\n", {file: "/o", columns: levels})).message).toMatch(/column 'lvl' \(4\) is "frame".*'read'/);
  });
});

describe("csv study fields", () => {
  const study = (csv: string, run = "timings: t.csv") => `release: r\ntitle: t\npipeline: csv\ncsv:\n${csv}\nruns:\n  - {id: a, gpus: 1, ${run}}\n`;

  it("names a misspelt column key with its line and the key it probably meant", () => {
    const e = thrown(() => parseStudy(study("  timings: {stage: stage, secnds: seconds}"), "/s/study.yaml", adapters));
    expect(e.message).toMatch(/'secnds' \(did you mean 'seconds'\?\)/);
    expect(e.line).toBe(5);
    const run = thrown(() => parseStudy(study("  timings: {stage: stage, seconds: seconds}", "timing: t.csv"), "/s/study.yaml", adapters));
    expect(run.message).toMatch(/'timing' \(did you mean 'timings'\?\)/);
  });

  it("wants durations or start and end, and a GPU window among the GPU stages", () => {
    expect(thrown(() => parseStudy(study("  timings: {stage: stage}"), "/s/study.yaml", adapters)).message).toMatch(/csv\.timings\.seconds.*name the durations column/);
    expect(thrown(() => parseStudy(study("  timings: {stage: stage, start: a}"), "/s/study.yaml", adapters)).message).toMatch(/start: and end: go together/);
    expect(thrown(() => parseStudy(study("  timings: {stage: s, seconds: x}\n  gpu_stages: [embed]\n  gpu_window: load"), "/s/study.yaml", adapters)).message).toMatch(/'load' is not one of gpu_stages/);
  });

  it("keeps csv fields out of a VirNucPro study", () => {
    const e = thrown(() => parseStudy(study("  timings: {stage: s, seconds: x}", "log: l.txt").replace("pipeline: csv", "pipeline: virnucpro"), "/s/study.yaml", adapters));
    expect(e.message).toMatch(/unknown field 'csv'/);
  });
});

/** Two runs (1 and 2 GPUs) with stage timestamps, outputs, GPU samples on both, and a reference. */
async function csvStudy(dir: string, edit: {study?: (s: string) => string; files?: Record<string, string>} = {}): Promise<string> {
  const files: Record<string, string> = {
    "runs/g1/t.csv": "stage,start,end\nload,2026-01-01 10:00:00,2026-01-01 10:00:10\nembed,2026-01-01 10:00:10,2026-01-01 10:01:30\nwrite,2026-01-01 10:01:30,2026-01-01 10:01:40\n",
    "runs/g2/t.csv": "stage,start,end\nload,2026-01-01 11:00:00,2026-01-01 11:00:10\nembed,2026-01-01 11:00:10,2026-01-01 11:00:50\nwrite,2026-01-01 11:00:50,2026-01-01 11:01:00\n",
    "runs/g1/gpu.csv": "timestamp, index, uuid, utilization.gpu [%], memory.used [MiB], power.draw [W]\n2026/01/01 10:00:20.000, 0, GPU-a, 90 %, 100 MiB, 200 W\n2026/01/01 10:01:00.000, 0, GPU-a, 94 %, 100 MiB, 200 W\n2026/01/01 10:01:50.000, 0, GPU-a, 0 %, 100 MiB, 20 W\n",
    "runs/g2/gpu.csv": "timestamp, index, uuid, utilization.gpu [%], memory.used [MiB], power.draw [W]\n2026/01/01 11:00:20.000, 0, GPU-a, 90 %, 1 MiB, 1 W\n2026/01/01 11:00:20.000, 1, GPU-b, 88 %, 1 MiB, 1 W\n2026/01/01 11:00:40.000, 0, GPU-a, 92 %, 1 MiB, 1 W\n2026/01/01 11:00:40.000, 1, GPU-b, 86 %, 1 MiB, 1 W\n",
    "reference/out.tsv": "id\tlabel\tscore\nr1\tcat\t0.91\nr2\tdog\t0.80\nr3\tcat\t0.70\n",
    "runs/g1/out.tsv": "id\tlabel\tscore\nr3\tcat\t0.70\nr1\tcat\t0.91\nr2\tdog\t0.80\n",
    "runs/g2/out.tsv": "id\tlabel\tscore\nr1\tcat\t0.912\nr2\tdog\t0.80\nr3\tcat\t0.70\n",
    ...edit.files
  };
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), {recursive: true});
    await writeFile(path.join(dir, rel), text);
  }
  const text = `release: r1
title: A GPU pipeline from plain tables
pipeline: csv
csv:
  timings: {stage: stage, start: start, end: end}
  gpu_stages: [embed]
  outputs: {id: id, label: label, score: score}
baseline: {label: last year, total_seconds: 300}
reference: {label: v1, outputs: reference/out.tsv, model: m-1}
runs:
  - {id: g1, gpus: 1, model: m-1, timings: runs/g1/t.csv, outputs: runs/g1/out.tsv, gpu_samples: runs/g1/gpu.csv}
  - {id: g2, gpus: 2, model: m-1, timings: runs/g2/t.csv, outputs: runs/g2/out.tsv, gpu_samples: runs/g2/gpu.csv}
`;
  const file = path.join(dir, "study.yaml");
  await writeFile(file, edit.study ? edit.study(text) : text);
  return file;
}

const statuses = (report: {criteria: Array<{id: string; status: string}>}) => Object.fromEntries(report.criteria.map((c) => [c.id, c.status]));

describe("a csv study end to end", () => {
  it("gets timing, scaling, baseline, GPU utilization in the GPU stage's window, correctness and the criteria that apply", async () => {
    const dir = await tmp();
    const {report} = await studyReport(await csvStudy(dir));
    expect(report.runs.map((r) => [r.id, r.status, r.total_seconds, r.stage_sum_seconds, r.gpu_stage_seconds])).toEqual([
      ["g1", "complete", 100, 100, 80],
      ["g2", "complete", 60, 60, 40]
    ]);
    expect(report.scaling[0]).toMatchObject({from: "g1", to: "g2", n: 2});
    expect(report.scaling[0]!.speedup).toBeCloseTo(100 / 60, 9);
    expect(report.scaling[0]!.amdahl.ceiling).toBeCloseTo(1 / (0.2 + 0.8 / 2), 9);
    // samples outside 'embed' (10:01:50, power 20 W) are not in the window
    expect(report.gpu_runs.map((g) => [g.run, g.samples, g.mean_utilization])).toEqual([["g1", 2, 0.92], ["g2", 4, 0.89]]);
    const c = report.correctness.find((x) => x.run === "g2" && x.level === "consensus")!;
    expect([c.compared, c.label_mismatches, c.label_agreement, c.within_tolerance]).toEqual([3, 0, 1, 3]);
    // two or four samples cannot stand for the embed window: the mean is shown, the verdict waits for coverage
    expect(statuses(report)).toEqual({scaling_efficiency: "pass", baseline_speedup: "pass", consensus_agreement: "pass", gpu_utilization: "no_data"});
    expect(report.criteria.find((c) => c.id === "gpu_utilization")!.reason).toMatch(/cover .* of the embed window/);
    expect(JSON.stringify(report.criteria)).not.toMatch(/ESM-2|DNABERT|packing/);
  });

  it("a swapped label fails correctness and the mismatch shows the study's own labels", async () => {
    const dir = await tmp();
    const {report} = await studyReport(await csvStudy(dir, {files: {"runs/g2/out.tsv": "id\tlabel\tscore\nr1\tcat\t0.91\nr2\tcat\t0.80\nr3\tcat\t0.70\n"}}));
    expect(statuses(report).consensus_agreement).toBe("fail");
    const c = report.correctness.find((x) => x.run === "g2")!;
    expect(c.mismatches[0]).toMatchObject({id: "r2", reference_label: "dog", run_label: "cat"});
    // its labels are compared for equality, not as two classes: the text says same / other label, never
    // another pipeline's class names, and shows no section of a family csv cannot fill
    expect(report.classes).toBeNull();
    expect(report.families).toEqual(["gpu"]);
    const text = formatText(report);
    expect(text).toMatch(/reference \\ run\s+same label\s+other label\n.*\n\s+reference label\s+2\s+1\n/);
    expect(text).toMatch(/Reference score\s+Run score/);
    expect(text).not.toMatch(/\b(virus|others)\b|throughput|Packing|I\/O bottleneck/i);
    expect(text).toContain("GPU utilization during embed");
  });

  it("outputs missing reference ids are counted and fail (never a pass on partial outputs); an unknown model leaves a pass inconclusive", async () => {
    const dir = await tmp();
    const {report} = await studyReport(await csvStudy(dir, {files: {"runs/g1/out.tsv": "id\tlabel\tscore\nr1\tcat\t0.91\n"}, study: (s) => s.replace("gpus: 2, model: m-1, ", "gpus: 2, ")}));
    const g1 = report.correctness.find((x) => x.run === "g1")!;
    expect([g1.compared, g1.missing]).toEqual([1, 2]);
    const per = report.criteria.find((x) => x.id === "consensus_agreement")!.per_run!;
    expect(per.map((p) => [p.run, p.status])).toEqual([["g1", "fail"], ["g2", "inconclusive"]]);
    expect(per[0]!.reason).toMatch(/2 .*missing|missing.*2/);
  });

  it("a broken timings table is a finding naming file, line and column, and scaling has no data", async () => {
    const dir = await tmp();
    const {report} = await studyReport(await csvStudy(dir, {files: {"runs/g2/t.csv": "stage,start,end\nload,2026-01-01 11:00:00,soon\n"}}));
    const w = report.warnings.find((x) => x.code === "artifact_unreadable")!;
    expect([w.run, w.file, w.line]).toEqual(["g2", "runs/g2/t.csv", 2]);
    expect(w.message).toMatch(/column 'end' \(3\) is "soon"/);
    expect(report.runs[1]!.status).toBe("broken");
    expect(statuses(report).scaling_efficiency).toBe("no_data");
  });

  it("a total row that the stages do not add up to makes timing figures invalid, not a pass", async () => {
    const dir = await tmp();
    const edit = {
      study: (s: string) => s.replace("timings: {stage: stage, start: start, end: end}", "timings: {stage: stage, seconds: seconds, total_row: TOTAL}").replace(/, gpu_samples: runs\/g\d\/gpu.csv/g, ""),
      files: {"runs/g1/t.csv": "stage,seconds\nload,10\nembed,80\nwrite,10\nTOTAL,100\n", "runs/g2/t.csv": "stage,seconds\nload,10\nembed,40\nwrite,10\nTOTAL,30\n"}
    };
    const {report} = await studyReport(await csvStudy(dir, edit));
    expect(report.runs.map((r) => r.total_seconds)).toEqual([100, 30]);
    expect(report.warnings.some((w) => w.code === "stage_sum_mismatch" && w.run === "g2")).toBe(true);
    expect(statuses(report)).toEqual({scaling_efficiency: "invalid", baseline_speedup: "invalid", consensus_agreement: "pass"});
  });

  it("declares no target it cannot judge: one run, no baseline, no reference, no samples", async () => {
    const dir = await tmp();
    const edit = (s: string) =>
      s.replace(/baseline:.*\n/, "").replace(/reference:.*\n/, "").replace(/  - \{id: g2.*\n/, "").replace(", gpu_samples: runs/g1/gpu.csv", "");
    const {report} = await studyReport(await csvStudy(dir, {study: edit}));
    expect(report.criteria).toEqual([]);
    expect(report.runs[0]!.total_seconds).toBe(100);
  });

  it("a GPU window stage missing from a run is a warning and its utilization has no data", async () => {
    const dir = await tmp();
    const {report} = await studyReport(await csvStudy(dir, {files: {"runs/g2/t.csv": "stage,start,end\nload,2026-01-01 11:00:00,2026-01-01 11:00:10\nrun,2026-01-01 11:00:10,2026-01-01 11:01:00\n"}}));
    expect(report.warnings.some((w) => w.code === "gpu_stage_missing" && w.run === "g2")).toBe(true);
    expect(statuses(report).gpu_utilization).toBe("no_data");
  });

  it("levels: a level column splits rows into consensus and per-frame, each judged on its own", async () => {
    const dir = await tmp();
    const table = (frameLabel: string) => `id,label,score,kind\nr1,cat,0.9,read\nr1.f1,cat,0.8,frame\nr1.f2,${frameLabel},0.7,frame\n`;
    const edit = {
      study: (s: string) => s.replace("outputs: {id: id, label: label, score: score}", "outputs: {id: id, label: label, score: score, level: kind, levels: {consensus: read, per_frame: frame}}").replace(/out\.tsv/g, "out.csv"),
      files: {"reference/out.csv": table("cat"), "runs/g1/out.csv": table("cat"), "runs/g2/out.csv": table("dog")}
    };
    const {report} = await studyReport(await csvStudy(dir, edit));
    expect(report.correctness.map((c) => [c.run, c.level, c.compared, c.label_mismatches]).sort((a, b) => String(a).localeCompare(String(b)))).toEqual([
      ["g1", "consensus", 1, 0], ["g1", "per_frame", 2, 0], ["g2", "consensus", 1, 0], ["g2", "per_frame", 2, 1]
    ]);
    expect(statuses(report)).toMatchObject({consensus_agreement: "pass", per_frame_agreement: "fail"});
  });

  it("a run executed by `benchbook run` without a timings table has the runner's wall time; a failed command never passes", async () => {
    const dir = await tmp();
    const file = path.join(dir, "study.yaml");
    await writeFile(
      file,
      `release: w\ntitle: wall\npipeline: csv\ncsv:\n  timings: {stage: stage, seconds: seconds}\nruns:\n  - {id: a, gpus: 1, command: [sh, -c, "sleep 0.2"]}\n  - {id: b, gpus: 2, command: [sh, -c, "exit 2"]}\n`
    );
    const sink = {write: () => true} as unknown as NodeJS.WritableStream;
    await runStudy(file, {ingest: false, nvidiaSmi: null, stdout: sink, tty: false});
    const {report} = await studyReport(file);
    expect(report.runs.map((r) => [r.id, r.status])).toEqual([["a", "complete"], ["b", "failed"]]);
    expect(report.runs[0]!.total_seconds).toBeGreaterThanOrEqual(0.2);
    expect(report.warnings.find((w) => w.code === "run_failed")?.run).toBe("b");
    expect(statuses(report)).toEqual({scaling_efficiency: "no_data"});
  }, 30_000);

  it("two runs reading one timings table are not complete: a copied table cannot make scaling pass", async () => {
    const dir = await tmp();
    const {report} = await studyReport(await csvStudy(dir, {study: (s) => s.replace("timings: runs/g2/t.csv", "timings: runs/g1/t.csv")}));
    expect(report.runs.map((r) => r.status)).toEqual(["incomplete", "incomplete"]);
    expect(statuses(report).scaling_efficiency).toBe("no_data");
    expect(report.warnings.filter((w) => w.code === "duplicate_evidence").map((w) => w.run)).toEqual(["g1", "g2"]);
  });
});
