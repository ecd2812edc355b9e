/**
 * The corpus through the whole path: a generated Phase 10 study (1-GPU and 2-GPU runs, reference) is
 * broken in one way, ingested and reported. Each case states what changes against the unbroken study:
 * the new findings (code, severity, file, line), the run's status and total, and the status of every
 * criterion that reads the broken data. No case may turn a criterion into `pass`.
 */
import {mkdtemp, readFile, readdir, rm, symlink, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import type {FindingRow} from "../../engine/ingest/adapter.ts";
import {ingestStudy} from "../../engine/ingest/ingest.ts";
import {openDatabase, queryRows} from "../../engine/db/duckdb.ts";
import {reportForStudy} from "../../engine/report/from-study.ts";
import type {CriterionStatus, Report} from "../../engine/report/types.ts";
import {
  concatenatedLogs,
  copyStudy,
  gpuMetricsTruncatedRow,
  gpuMetricsWithoutHeader,
  keepLines,
  lineOf,
  linesOf,
  oomLog,
  resumedLog,
  sectionsOf,
  toCrlf,
  withBom,
  withInvalidUtf8,
  workerLogWithSegments,
  writeCorpusStudy
} from "./corpus.ts";

let base: string;
let scratch: string;
let control: Outcome;

interface Outcome {
  dir: string;
  findings: Array<[run: string | null, code: string, severity: string, file: string | null, line: number | null]>;
  runs: Record<string, {status: string; outcome: string | null; total_seconds: number | null}>;
  report: Report;
}

const RUN_LOG = (id: string) => `runs/${id}/console.log`;
const WORKER_LOG = (id: string, rank: number) => `runs/${id}/out/esm_v2/logs/worker_${rank}.log`;
const MERGED = "USA-MA-Broad_MGH-22989-2024.lNDM_F11.HLWLWDRX5.1.hs_depleted.subset_1M_merged";
const PER_FRAME = (id: string) => `runs/${id}/out/${MERGED}/prediction_results.txt`;
const CONSENSUS = (id: string) => `runs/${id}/out/${MERGED}/prediction_results_highestscore.csv`;

let cases = 0;
async function outcome(mutate: (dir: string) => Promise<void>): Promise<Outcome> {
  const dir = path.join(scratch, `case-${++cases}`);
  const studyFile = await copyStudy(base, dir);
  await mutate(dir);
  const result = await ingestStudy(studyFile, {force: true});
  const rel = (f: string | null) => (f === null ? null : path.isAbsolute(f) ? path.relative(dir, f) : f);
  const findings = result.findings.map((f: FindingRow) => [f.run_id, f.code, f.severity, rel(f.file), f.line] as Outcome["findings"][number]);
  const db = await openDatabase(result.dbFile, {readOnly: true});
  let runs: Outcome["runs"];
  try {
    const rows = await queryRows<{run_id: string; status: string; outcome: string | null; total_seconds: number | null}>(db.connection, "SELECT run_id, status, outcome, total_seconds FROM runs");
    runs = Object.fromEntries(rows.map((r) => [r.run_id, {status: r.status, outcome: r.outcome, total_seconds: r.total_seconds}]));
  } finally {
    db.close();
  }
  const report = await reportForStudy(studyFile);
  return {dir, findings, runs, report};
}

/** Findings the broken study has and the unbroken one does not. */
function added(o: Outcome): Outcome["findings"] {
  const key = (f: Outcome["findings"][number]) => JSON.stringify(f);
  const known = new Set(control.findings.map(key));
  return o.findings.filter((f) => !known.has(key(f)));
}

function criterion(o: Outcome, id: string): {status: CriterionStatus; per_run?: Record<string, CriterionStatus>; reason: string | null; flags: string[]} {
  const c = o.report.criteria.find((x) => x.id === id);
  if (!c) throw new Error(`no criterion ${id}`);
  return {status: c.status, reason: c.reason, flags: c.flags, ...(c.per_run ? {per_run: Object.fromEntries(c.per_run.map((p) => [p.run, p.status]))} : {})};
}

/** The report reference (W1, …) of a run's finding. */
function refOf(o: Outcome, run: string, code: string): string {
  const w = o.report.warnings.find((x) => x.run === run && x.code === code);
  if (!w) throw new Error(`no ${code} warning for ${run}`);
  return w.ref;
}

/**
 * A broken consensus file: the consensus level is derived from the run's whole per-frame file (the
 * pipeline's own rule, FORMATS §8.2) so a figure is still shown, but an artifact with an error cannot
 * support a pass: the criterion is invalid, its reason naming the finding and the file's line.
 */
function expectDerivedAndFlagged(o: Outcome, code: string, line: number): void {
  const c = o.report.correctness.find((x) => x.run === "2gpu" && x.level === "consensus")!;
  expect(c.derived_consensus.run).toBe(true);
  expect(criterion(control, "consensus_agreement").per_run!["2gpu"]).toBe("pass");
  expect(criterion(o, "consensus_agreement").per_run!["2gpu"]).toBe("invalid");
  const ref = refOf(o, "2gpu", code);
  expect(criterion(o, "consensus_agreement").reason).toContain(`2gpu: 2gpu is contaminated (${code}, ${ref}, ${CONSENSUS("2gpu")}:${line})`);
  expect(criterion(o, "consensus_agreement").flags).toContain(ref);
}

function statuses(o: Outcome): Record<string, CriterionStatus> {
  return Object.fromEntries(o.report.criteria.map((c) => [c.id, c.status]));
}

const edit = async (dir: string, rel: string, change: (text: string) => string | Buffer) => writeFile(path.join(dir, rel), change(await readFile(path.join(dir, rel), "utf8")));

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "benchbook-corpus-"));
  base = path.join(scratch, "base");
  await writeCorpusStudy(base);
  control = await outcome(async () => {});
}, 120_000);

afterAll(async () => {
  await rm(scratch, {recursive: true, force: true});
});

describe("the unbroken generated study (the control every case is compared with)", () => {
  it("has both runs complete with their Phase 10 totals", () => {
    expect(control.runs["1gpu"]).toEqual({status: "complete", outcome: "success", total_seconds: 3200.6});
    expect(control.runs["2gpu"]).toEqual({status: "complete", outcome: "success", total_seconds: 2025.0});
  });

  it("reproduces the Phase 10 scorecard traps, none of them a silent pass", () => {
    expect(statuses(control)).toMatchObject({time_1gpu: "pass", time_2gpu: "fail", scaling: "fail", baseline_speedup: "pass"});
    // the 1-GPU run used the 500 model against a 300 reference
    expect(criterion(control, "consensus_agreement").per_run).toMatchObject({"1gpu": "invalid"});
  });
});

describe("logs", () => {
  it("2-GPU log truncated mid-stage (inside ESM-2): incomplete, total unknown, timing criteria no_data", async () => {
    let banner = 0;
    const o = await outcome(async (dir) =>
      edit(dir, RUN_LOG("2gpu"), (text) => {
        banner = sectionsOf(text).banners.get("ESM-2 Feature Extraction")!;
        return keepLines(text, banner + 30);
      })
    );
    expect(added(o)).toEqual([
      ["2gpu", "stage_not_completed", "warning", RUN_LOG("2gpu"), banner],
      ["2gpu", "no_summary", "warning", RUN_LOG("2gpu"), null]
    ]);
    expect(o.runs["2gpu"]).toEqual({status: "incomplete", outcome: "unknown", total_seconds: null});
    expect(statuses(o)).toMatchObject({time_2gpu: "no_data", scaling: "no_data", baseline_speedup: "no_data", time_1gpu: "pass"});
    expect(criterion(o, "time_2gpu").reason).toBe("run 2gpu is incomplete (the log has no complete PIPELINE SUMMARY)");
  });

  it("2-GPU log truncated mid-summary (after the total line): total not trusted", async () => {
    let summary = 0;
    const o = await outcome(async (dir) =>
      edit(dir, RUN_LOG("2gpu"), (text) => {
        const s = sectionsOf(text);
        summary = s.summary;
        return keepLines(text, s.total + 3);
      })
    );
    expect(added(o)).toEqual([
      ["2gpu", "summary_truncated", "warning", RUN_LOG("2gpu"), summary],
      ["2gpu", "summary_incomplete", "error", RUN_LOG("2gpu"), summary]
    ]);
    expect(o.runs["2gpu"]).toEqual({status: "incomplete", outcome: "unknown", total_seconds: null});
    expect(statuses(o)).toMatchObject({time_2gpu: "no_data", scaling: "no_data", baseline_speedup: "no_data"});
  });

  it("2-GPU log cut in the middle of the Total wall time line (no newline at the end)", async () => {
    const o = await outcome(async (dir) =>
      edit(dir, RUN_LOG("2gpu"), (text) => {
        const s = sectionsOf(text);
        const line = linesOf(text)[s.total - 1]!;
        return keepLines(text, s.total - 1) + line.slice(0, line.indexOf("(2025.0s)") + 5);
      })
    );
    expect(o.runs["2gpu"]).toEqual({status: "incomplete", outcome: "unknown", total_seconds: null});
    expect(statuses(o)).toMatchObject({time_2gpu: "no_data", scaling: "no_data"});
  });

  it("1-GPU run killed by CUDA out of memory: failed, every criterion reading it no_data", async () => {
    let oom = {oomLine: 0, esmBanner: 0, workerErrorLine: 0, coordinatorLine: 0, partialLine: 0};
    const o = await outcome(async (dir) =>
      edit(dir, RUN_LOG("2gpu"), (text) => {
        const r = oomLog(text);
        oom = r;
        return r.text;
      })
    );
    expect(added(o)).toEqual([
      ["2gpu", "stage_not_completed", "warning", RUN_LOG("2gpu"), oom.esmBanner],
      ["2gpu", "error_record", "error", RUN_LOG("2gpu"), oom.workerErrorLine],
      ["2gpu", "error_record", "error", RUN_LOG("2gpu"), oom.coordinatorLine],
      ["2gpu", "partial_failure", "error", RUN_LOG("2gpu"), oom.partialLine],
      ["2gpu", "out_of_memory", "error", RUN_LOG("2gpu"), oom.oomLine],
      ["2gpu", "error_record", "error", RUN_LOG("2gpu"), oom.oomLine],
      ["2gpu", "no_summary", "info", RUN_LOG("2gpu"), null]
    ]);
    expect(o.runs["2gpu"]).toEqual({status: "failed", outcome: "out_of_memory", total_seconds: null});
    expect(statuses(o)).toMatchObject({time_2gpu: "no_data", scaling: "no_data", baseline_speedup: "no_data"});
    expect(criterion(o, "consensus_agreement").per_run).toMatchObject({"2gpu": "no_data"});
  });

  it("resumed 1-GPU run: flagged on timing and throughput; its passing time is not a pass", async () => {
    let r = {resumeConfigLine: 0, resumingLine: 0};
    const o = await outcome(async (dir) =>
      edit(dir, RUN_LOG("1gpu"), (text) => {
        const x = resumedLog(text);
        r = x;
        return x.text;
      })
    );
    expect(added(o)).toEqual([
      ["1gpu", "resumed_run", "warning", RUN_LOG("1gpu"), r.resumeConfigLine],
      ["1gpu", "resumed_run", "warning", RUN_LOG("1gpu"), r.resumingLine]
    ]);
    expect(o.runs["1gpu"]!.status).toBe("complete");
    expect(criterion(o, "time_1gpu").status).not.toBe("pass");
    expect(criterion(o, "time_1gpu").flags.length).toBeGreaterThan(0);
  });

  it("two runs' logs concatenated: the last run is read, a warning names the lines of the first", async () => {
    let second = 0;
    const o = await outcome(async (dir) => {
      const first = await readFile(path.join(dir, RUN_LOG("1gpu")), "utf8");
      await edit(dir, RUN_LOG("2gpu"), (text) => {
        const c = concatenatedLogs(first, text);
        second = c.secondStartsAt;
        return c.text;
      });
    });
    expect(added(o)).toEqual([["2gpu", "multiple_runs", "warning", RUN_LOG("2gpu"), second]]);
    expect(o.runs["2gpu"]).toEqual(control.runs["2gpu"]);
    expect(statuses(o)).toEqual(statuses(control));
  });

  it("CRLF line endings and a BOM in every log: identical database figures and findings", async () => {
    const o = await outcome(async (dir) => {
      for (const id of ["1gpu", "2gpu"]) {
        await edit(dir, RUN_LOG(id), (t) => withBom(toCrlf(t)));
        for (const w of await readdir(path.join(dir, `runs/${id}/out/esm_v2/logs`))) await edit(dir, `runs/${id}/out/esm_v2/logs/${w}`, (t) => withBom(toCrlf(t)));
      }
    });
    expect(o.findings).toEqual(control.findings);
    expect(o.runs).toEqual(control.runs);
    const figures = (r: Report) => ({criteria: r.criteria, throughput: r.throughput, packing: r.packing, scaling: r.scaling, io: r.io_warnings});
    expect(figures(o.report)).toEqual(figures(control.report));
  });

  it("invalid UTF-8 in a log line: a warning at that line, figures unchanged", async () => {
    let bad = 0;
    const o = await outcome(async (dir) => {
      const text = await readFile(path.join(dir, RUN_LOG("2gpu")), "utf8");
      bad = lineOf(text, "Detected 2 CUDA device(s)") + 1;
      await writeFile(path.join(dir, RUN_LOG("2gpu")), withInvalidUtf8(text, bad));
    });
    expect(added(o)).toEqual([["2gpu", "invalid_utf8", "warning", RUN_LOG("2gpu"), bad]]);
    expect(o.runs).toEqual(control.runs);
    expect(statuses(o)).toEqual(statuses(control));
  });

  it("a worker log appended to by a second run: only the last segment is read, and that is flagged", async () => {
    let second = 0;
    const o = await outcome(async (dir) => {
      const text = await readFile(path.join(dir, WORKER_LOG("2gpu", 0)), "utf8");
      await edit(dir, WORKER_LOG("2gpu", 0), () => {
        const w = workerLogWithSegments(text, text);
        second = w.secondSegmentLine;
        return w.text;
      });
    });
    // the line of the last segment's `logging initialized` (the `=== Resume at` line precedes it)
    expect(added(o)).toEqual([["2gpu", "multiple_segments", "warning", WORKER_LOG("2gpu", 0), second + 1]]);
    expect(o.report.throughput).toEqual(control.report.throughput);
  });
});

describe("gpu_metrics files", () => {
  it("missing header: samples kept, clock unknown is flagged on the GPU figures", async () => {
    let name = "";
    const o = await outcome(async (dir) => {
      const folder = path.join(dir, "runs/1gpu/logs");
      [name] = (await readdir(folder)) as [string];
      await edit(dir, `runs/1gpu/logs/${name}`, gpuMetricsWithoutHeader);
    });
    expect(added(o)).toEqual([["1gpu", "gpu_clock_unknown", "warning", `runs/1gpu/logs/${name}`, null]]);
    expect(criterion(o, "gpu_utilization").flags).toContain(refOf(o, "1gpu", "gpu_clock_unknown"));
    // samples on an unknown clock cannot be placed in the ESM-2 window: never a pass
    expect(criterion(o, "gpu_utilization").per_run!["1gpu"]).not.toBe("pass");
    expect(criterion(o, "gpu_utilization").per_run!["1gpu"]).not.toBe("pass");
  });

  it("truncated last row: that row dropped with a finding at its line, the others kept", async () => {
    let cut = {lastRowLine: 0, rows: 0};
    let name = "";
    const o = await outcome(async (dir) => {
      const folder = path.join(dir, "runs/1gpu/logs");
      [name] = (await readdir(folder)) as [string];
      await edit(dir, `runs/1gpu/logs/${name}`, (t) => {
        const c = gpuMetricsTruncatedRow(t);
        cut = c;
        return c.text;
      });
    });
    expect(added(o)).toEqual([["1gpu", "truncated_row", "warning", `runs/1gpu/logs/${name}`, cut.lastRowLine]]);
    const monitorSamples = o.report.gpu.filter((g) => g.run === "1gpu").reduce((a, g) => a + g.samples, 0);
    const controlSamples = control.report.gpu.filter((g) => g.run === "1gpu").reduce((a, g) => a + g.samples, 0);
    expect(monitorSamples).toBeLessThanOrEqual(controlSamples);
  });
});

describe("prediction files", () => {
  it("duplicate IDs in the 2-GPU per-frame file: an error at the second line; per-frame correctness no_data, consensus invalid", async () => {
    let line = 0;
    const o = await outcome(async (dir) =>
      edit(dir, PER_FRAME("2gpu"), (text) => {
        const lines = linesOf(text);
        lines.splice(5, 0, lines[2]!);
        line = 6;
        return lines.join("\n") + "\n";
      })
    );
    expect(added(o)).toEqual([["2gpu", "artifact_unreadable", "error", PER_FRAME("2gpu"), line]]);
    expect(o.report.correctness.filter((c) => c.run === "2gpu").map((c) => c.level)).toEqual(["consensus"]);
    // the consensus figure is still computed, but a run whose outputs carry an error cannot pass on them
    expect(criterion(o, "consensus_agreement").per_run!["2gpu"]).toBe("invalid");
  });

  it("consensus file with a missing column: an error at line 1; consensus derived from per-frame, the criterion invalid", async () => {
    const o = await outcome(async (dir) => edit(dir, CONSENSUS("2gpu"), (text) => text.replace("Modified_ID\tIs_Virus", "Modified_ID\tIsVirus")));
    expect(added(o)).toEqual([["2gpu", "artifact_unreadable", "error", CONSENSUS("2gpu"), 1]]);
    expectDerivedAndFlagged(o, "artifact_unreadable", 1);
  });

  it("extra columns: an info finding, figures unchanged", async () => {
    const o = await outcome(async (dir) =>
      edit(dir, CONSENSUS("2gpu"), (text) =>
        linesOf(text)
          .map((l, i) => `${l}\t${i === 0 ? "note" : "x"}`)
          .join("\n") + "\n"
      )
    );
    expect(added(o)).toEqual([["2gpu", "extra_columns", "info", CONSENSUS("2gpu"), 1]]);
    expect(o.report.correctness).toEqual(control.report.correctness);
  });

  it("an empty (0-byte) consensus file: an error at line 1; consensus derived from per-frame, the criterion invalid", async () => {
    const o = await outcome(async (dir) => writeFile(path.join(dir, CONSENSUS("2gpu")), ""));
    expect(added(o)).toEqual([["2gpu", "artifact_unreadable", "error", CONSENSUS("2gpu"), 1]]);
    expectDerivedAndFlagged(o, "artifact_unreadable", 1);
  });

  it("a header-only consensus file: empty_predictions at line 2; consensus derived from per-frame, the criterion invalid", async () => {
    const o = await outcome(async (dir) => edit(dir, CONSENSUS("2gpu"), (text) => `${linesOf(text)[0]}\n`));
    expect(added(o)).toEqual([["2gpu", "empty_predictions", "error", CONSENSUS("2gpu"), 2]]);
    expectDerivedAndFlagged(o, "empty_predictions", 2);
  });

  it("both prediction files empty: correctness of that run is no_data", async () => {
    const o = await outcome(async (dir) => {
      await writeFile(path.join(dir, CONSENSUS("2gpu")), "");
      await writeFile(path.join(dir, PER_FRAME("2gpu")), "");
    });
    expect(added(o)).toEqual([
      ["2gpu", "artifact_unreadable", "error", PER_FRAME("2gpu"), 1],
      ["2gpu", "artifact_unreadable", "error", CONSENSUS("2gpu"), 1]
    ]);
    expect(criterion(o, "consensus_agreement").per_run!["2gpu"]).toBe("no_data");
  });

  it("a NaN score: an error at its line", async () => {
    const o = await outcome(async (dir) =>
      edit(dir, CONSENSUS("2gpu"), (text) => {
        const lines = linesOf(text);
        const cells = lines[9]!.split("\t");
        cells[3] = "nan";
        lines[9] = cells.join("\t");
        return lines.join("\n") + "\n";
      })
    );
    expect(added(o)).toEqual([["2gpu", "artifact_unreadable", "error", CONSENSUS("2gpu"), 10]]);
  });

  it("IDs that differ from the reference only in case: not matched, counted as missing and extra", async () => {
    const changed = 7;
    const o = await outcome(async (dir) =>
      edit(dir, CONSENSUS("2gpu"), (text) => {
        const lines = linesOf(text);
        for (let i = 1; i <= changed; i++) lines[i] = lines[i]!.replace("HLWLWDRX5", "hlwlwdrx5");
        return lines.join("\n") + "\n";
      })
    );
    const before = control.report.correctness.find((c) => c.run === "2gpu" && c.level === "consensus")!;
    const after = o.report.correctness.find((c) => c.run === "2gpu" && c.level === "consensus")!;
    expect([after.compared, after.missing, after.extra]).toEqual([before.compared - changed, before.missing + changed, before.extra + changed]);
  });

  it("an ID with trailing whitespace: an error at its line", async () => {
    const o = await outcome(async (dir) =>
      edit(dir, CONSENSUS("2gpu"), (text) => {
        const lines = linesOf(text);
        lines[4] = lines[4]!.replace("\t", " \t");
        return lines.join("\n") + "\n";
      })
    );
    expect(added(o)).toEqual([["2gpu", "artifact_unreadable", "error", CONSENSUS("2gpu"), 5]]);
  });

  it("a reference made with the run's model no longer flags it; the other run becomes invalid", async () => {
    const o = await outcome(async (dir) => edit(dir, "study.yaml", (text) => text.replace("model: 300_model.pth", "model: 500_model.pth").replace("expected_length: 300", "expected_length: 500")));
    expect(criterion(o, "consensus_agreement").per_run).toMatchObject({"2gpu": "invalid"});
    expect(criterion(o, "consensus_agreement").per_run!["1gpu"]).not.toBe("invalid");
    expect(criterion(o, "consensus_agreement").status).not.toBe("pass");
  });
});

describe("paths", () => {
  it("a relative path leaving the study folder is refused before anything is read", async () => {
    const dir = path.join(scratch, "escape");
    const studyFile = await copyStudy(base, dir);
    await edit(dir, "study.yaml", (t) => t.replace(`log: ${RUN_LOG("2gpu")}`, "log: ../../etc/passwd"));
    await expect(ingestStudy(studyFile, {force: true})).rejects.toThrow(/runs\.2gpu\.log: '\.\.\/\.\.\/etc\/passwd' leaves the study folder/);
  });

  it("a symlink out of the study folder is refused: the run is broken, the other run still loads", async () => {
    const outside = path.join(scratch, "outside.log");
    const o = await outcome(async (dir) => {
      await writeFile(outside, await readFile(path.join(dir, RUN_LOG("2gpu"))));
      await rm(path.join(dir, RUN_LOG("2gpu")));
      await symlink(outside, path.join(dir, RUN_LOG("2gpu")));
    });
    const extra = added(o);
    expect(extra).toEqual([["2gpu", "artifact_unreadable", "error", "study.yaml", null]]);
    expect(o.runs["2gpu"]!.status).toBe("broken");
    expect(o.runs["1gpu"]).toEqual(control.runs["1gpu"]);
  });

  it("a log that does not exist: the run is broken with a finding naming the path", async () => {
    const o = await outcome(async (dir) => rm(path.join(dir, RUN_LOG("2gpu"))));
    expect(added(o)).toEqual([["2gpu", "artifact_unreadable", "error", RUN_LOG("2gpu"), null]]);
    expect(o.runs["2gpu"]!.status).toBe("broken");
    expect(statuses(o)).toMatchObject({time_2gpu: "no_data", scaling: "no_data"});
  });
});

