/**
 * Issue 10: never a pass on partial, contradictory or stale evidence. The generated Phase 10 study is
 * given criteria that its honest evidence meets (so `benchbook check` exits 0 on it); each case then
 * edits a copy the way a careless or hostile user would, and goes through the real path (ingest, report,
 * check). Every case passed before the rule; now the criteria reading the edited evidence do not, and
 * the report says why (counts, file and line).
 */
import {cp, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it, vi} from "vitest";
import {main} from "../../commands/cli.ts";
import {reportForStudy} from "../../engine/report/from-study.ts";
import type {CriterionStatus, Report} from "../../engine/report/types.ts";
import {corpusPlan, lineOf, linesOf, sectionsOf, writeCorpusStudy} from "./corpus.ts";
import {renderRun, type RunPlan} from "../../loaders/virnucpro/example/generate.ts";

const MERGED = "USA-MA-Broad_MGH-22989-2024.lNDM_F11.HLWLWDRX5.1.hs_depleted.subset_1M_merged";
const PER_FRAME = (side: string) => `${side === "reference" ? "reference" : `runs/${side}/out`}/${MERGED}/prediction_results.txt`;
const CONSENSUS = (side: string) => `${side === "reference" ? "reference" : `runs/${side}/out`}/${MERGED}/prediction_results_highestscore.csv`;
const RUN_LOG = (id: string) => `runs/${id}/console.log`;

/** Criteria the honest generated study meets, one per kind of evidence. */
const CRITERIA = `criteria:
  - {id: time_1gpu, label: 1-GPU time, metric: run.total_seconds, comparison: "<", target: 3600, run: "gpus=1"}
  - {id: time_2gpu, label: 2-GPU time, metric: run.total_seconds, comparison: "<", target: 2100, run: "gpus=2"}
  - {id: scaling, label: scaling, metric: scaling.speedup, comparison: ">=", target: 1.5}
  - {id: efficiency, label: efficiency, metric: scaling.efficiency, comparison: ">=", target: 0.75}
  - {id: baseline, label: baseline, metric: baseline.speedup, comparison: ">=", target: 4}
  - {id: consensus, label: consensus, metric: correctness.consensus.label_agreement, comparison: ">=", target: 0.99, run: 2gpu}
  - {id: per_frame, label: per-frame, metric: correctness.per_frame.label_agreement, comparison: ">=", target: 0.99, run: 2gpu}
  - {id: gpu_1gpu, label: GPU, metric: gpu.mean_utilization, comparison: ">", target: 0.7, run: 1gpu}
  - {id: packing, label: packing, metric: packing.efficiency, comparison: ">", target: 0.85}
  - {id: overhead, label: overhead, metric: throughput.overhead_seconds, comparison: "<", target: 600}
`;

let scratch: string;
let base: string;
let control: Outcome;

interface Outcome {
  dir: string;
  studyFile: string;
  exit: number;
  report: Report;
}

async function check(studyFile: string): Promise<number> {
  const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    return await main(["check", studyFile]);
  } finally {
    write.mockRestore();
  }
}

let cases = 0;
async function outcome(mutate: (dir: string) => Promise<void>): Promise<Outcome> {
  const dir = path.join(scratch, `case-${++cases}`);
  await cp(base, dir, {recursive: true});
  await mutate(dir);
  const studyFile = path.join(dir, "study.yaml");
  const exit = await check(studyFile);
  return {dir, studyFile, exit, report: await reportForStudy(studyFile)};
}

const edit = async (dir: string, rel: string, change: (text: string) => string | Buffer) => writeFile(path.join(dir, rel), change(await readFile(path.join(dir, rel), "utf8")));

function status(o: Outcome, id: string, run?: string): CriterionStatus {
  const c = o.report.criteria.find((x) => x.id === id)!;
  return run ? c.per_run!.find((p) => p.run === run)!.status : c.status;
}

const reason = (o: Outcome, id: string) => o.report.criteria.find((x) => x.id === id)!.reason ?? "";

/** [run, code, file relative to the study, line] of the error findings with `code`. */
function errors(o: Outcome, code: string): Array<[string | null, string | null, number | null]> {
  return o.report.warnings.filter((w) => w.code === code && w.severity === "error").map((w) => [w.run, w.file, w.line]);
}

function statuses(o: Outcome): Record<string, CriterionStatus> {
  return Object.fromEntries(o.report.criteria.map((c) => [c.id, c.status]));
}

/** The first `rows` data rows of a prediction file, header kept. */
const keepRows = (rows: number) => (text: string) => linesOf(text).slice(0, rows + 1).join("\n") + "\n";

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "benchbook-evidence-"));
  base = path.join(scratch, "base");
  await writeCorpusStudy(base);
  await writeFile(path.join(base, "study.yaml"), `${await readFile(path.join(base, "study.yaml"), "utf8")}${CRITERIA}`);
  control = await outcome(async () => {});
}, 120_000);

afterAll(async () => {
  await rm(scratch, {recursive: true, force: true});
});

describe("the honest study", () => {
  it("meets every criterion: check exits 0, no error finding", () => {
    expect(statuses(control)).toEqual({
      time_1gpu: "pass", time_2gpu: "pass", scaling: "pass", efficiency: "pass", baseline: "pass", consensus: "pass",
      per_frame: "pass", gpu_1gpu: "pass", packing: "pass", overhead: "pass"
    });
    expect(control.exit).toBe(0);
    // the 1-GPU run's model mismatch is its only error, and no criterion above reads its correctness
    expect(control.report.warnings.filter((w) => w.severity === "error").map((w) => w.code)).toEqual(["model_mismatch"]);
  });
});

describe("truncated prediction files", () => {
  it("the run's files cut to 6 and 2 rows: per-frame and consensus fail, the reason counts what is missing", async () => {
    const o = await outcome(async (dir) => {
      await edit(dir, PER_FRAME("2gpu"), keepRows(6));
      await edit(dir, CONSENSUS("2gpu"), keepRows(2));
    });
    const frame = o.report.correctness.find((c) => c.run === "2gpu" && c.level === "per_frame")!;
    const cons = o.report.correctness.find((c) => c.run === "2gpu" && c.level === "consensus")!;
    expect([frame.compared, frame.missing, frame.extra]).toEqual([6, frame.reference_rows - 6, 0]);
    expect([cons.compared, cons.missing, cons.extra]).toEqual([2, cons.reference_rows - 2, 0]);
    // 6 of 6 and 2 of 2 agree: 100 %, which passed before
    expect([frame.label_agreement, cons.label_agreement]).toEqual([1, 1]);
    expect([status(o, "per_frame"), status(o, "consensus")]).toEqual(["fail", "fail"]);
    expect(reason(o, "consensus")).toBe(`consensus outputs incomplete: ${cons.reference_rows - 2} of ${cons.reference_rows} reference IDs missing from 2gpu, 0 of its 2 IDs not in the reference`);
    expect(o.exit).toBe(1);
  });

  it("the reference's files cut to 5 rows: the run's extra IDs make both levels fail", async () => {
    const o = await outcome(async (dir) => {
      await edit(dir, PER_FRAME("reference"), keepRows(5));
      await edit(dir, CONSENSUS("reference"), keepRows(5));
    });
    const cons = o.report.correctness.find((c) => c.run === "2gpu" && c.level === "consensus")!;
    expect([cons.reference_rows, cons.compared, cons.missing, cons.extra]).toEqual([5, 5, 0, cons.run_rows - 5]);
    expect([status(o, "per_frame"), status(o, "consensus")]).toEqual(["fail", "fail"]);
    expect(reason(o, "consensus")).toContain(`${cons.run_rows - 5} of its ${cons.run_rows} IDs not in the reference`);
  });

  it("no ID in common: no_data, not a pass", async () => {
    const o = await outcome(async (dir) => edit(dir, CONSENSUS("2gpu"), (t) => t.replaceAll("HLWLWDRX5", "XXXXXXXX9")));
    expect(status(o, "consensus")).toBe("no_data");
  });
});

describe("a summary that contradicts its own log", () => {
  it("total 1025 s and ESM-2 383.2 s: one error per contradicted line; time, scaling, efficiency, baseline, overhead invalid", async () => {
    let totalLine = 0;
    let esmLine = 0;
    const o = await outcome(async (dir) =>
      edit(dir, RUN_LOG("2gpu"), (text) => {
        const s = sectionsOf(text);
        totalLine = s.total;
        esmLine = s.summaryStages[5]!;
        const lines = linesOf(text);
        lines[totalLine - 1] = lines[totalLine - 1]!.replace("(2025.0s)", "(1025.0s)");
        lines[esmLine - 1] = lines[esmLine - 1]!.replace("1383.2s", " 383.2s");
        return lines.join("\n") + "\n";
      })
    );
    expect(o.report.runs.find((r) => r.id === "2gpu")!.total_seconds).toBe(1025);
    expect(errors(o, "summary_contradicts_log")).toEqual([
      ["2gpu", RUN_LOG("2gpu"), totalLine],
      ["2gpu", RUN_LOG("2gpu"), esmLine]
    ]);
    const total = o.report.warnings.find((w) => w.code === "summary_contradicts_log" && w.line === totalLine)!;
    expect(total.message).toBe(
      "Total wall time 1025.0 s contradicts the log: its own H:M:S 00:33:44 is 2024 s; the stages' 'completed in' lines add up to 2025.0 s; the stages ran from first banner to last end for 2024 s by the log's timestamps"
    );
    // efficiency 3200.6 / 1025 / 2 = 156 % and a negative ESM-2 overhead are impossible figures in their own right
    expect(errors(o, "scaling_impossible").map(([run]) => run)).toEqual(["2gpu"]);
    expect(errors(o, "negative_overhead").map(([run]) => run)).toEqual(["2gpu"]);
    expect(statuses(o)).toMatchObject({time_2gpu: "invalid", scaling: "invalid", efficiency: "invalid", baseline: "invalid", time_1gpu: "pass"});
    expect(status(o, "overhead", "2gpu")).toBe("invalid");
    expect(reason(o, "time_2gpu")).toContain(`2gpu is contaminated (summary_contradicts_log, ${total.ref}, ${RUN_LOG("2gpu")}:${totalLine})`);
    expect(o.exit).toBe(1);
  });

  it("a summary of all zeros does not pass", async () => {
    const o = await outcome(async (dir) =>
      edit(dir, RUN_LOG("2gpu"), (text) => {
        const s = sectionsOf(text);
        const lines = linesOf(text);
        lines[s.total - 1] = lines[s.total - 1]!.replace(/Total wall time: .*$/, "Total wall time: 00:00:00 (0.0s)");
        for (const n of s.summaryStages) lines[n - 1] = lines[n - 1]!.replace(/\s+[\d.]+s \(\s*[\d.]+%\)$/, "     0.0s (  0.0%)");
        return lines.join("\n") + "\n";
      })
    );
    expect(o.report.runs.find((r) => r.id === "2gpu")!.total_seconds).toBe(0);
    // the total line, and each of the 9 stage lines against its 'completed in' line
    expect(errors(o, "summary_contradicts_log")).toHaveLength(10);
    expect(o.report.warnings.find((w) => w.code === "summary_contradicts_log")!.message).toMatch(/^Total wall time 0\.0 s contradicts the log: a complete run cannot take 0 s; /);
    expect(statuses(o)).toMatchObject({time_2gpu: "invalid", baseline: "no_data"});
    expect(status(o, "time_2gpu")).not.toBe("pass");
    expect(o.exit).toBe(1);
  });
});

describe("the wrong GPU count or the wrong workload", () => {
  it("a study that says 2 GPUs over a log that detected 4: time and scaling invalid", async () => {
    const o = await outcome(async (dir) => edit(dir, RUN_LOG("2gpu"), (t) => t.replace("Detected 2 GPUs", "Detected 4 GPUs").replace("Detected 2 CUDA device(s)", "Detected 4 CUDA device(s)")));
    expect(errors(o, "gpu_count_mismatch")).toEqual([["2gpu", RUN_LOG("2gpu"), null]]);
    expect(o.report.warnings.find((w) => w.code === "gpu_count_mismatch")!.message).toBe("study says 2 GPU(s) but the log detected 4");
    expect(statuses(o)).toMatchObject({time_2gpu: "invalid", scaling: "invalid", efficiency: "invalid", time_1gpu: "pass"});
  });

  it("a 1-GPU log claimed as the 2-GPU run: GPU count mismatch and a log shared by two runs", async () => {
    const o = await outcome(async (dir) => cp(path.join(dir, RUN_LOG("1gpu")), path.join(dir, RUN_LOG("2gpu"))));
    expect(o.report.warnings.find((w) => w.code === "gpu_count_mismatch")!.message).toBe("study says 2 GPU(s) but the log detected 1 and ran ESM-2 Feature Extraction on 1");
    expect(errors(o, "log_shared").map(([run]) => run)).toEqual(["1gpu", "2gpu"]);
    expect(statuses(o)).toMatchObject({time_2gpu: "invalid", time_1gpu: "invalid", scaling: "invalid"});
  });

  it("one log used by two runs: an error on each, their times invalid", async () => {
    const o = await outcome(async (dir) =>
      edit(dir, "study.yaml", (t) => t.replace("criteria:\n", `  - id: 2gpu-again\n    gpus: 2\n    log: ${RUN_LOG("2gpu")}\ncriteria:\n`))
    );
    expect(errors(o, "log_shared")).toEqual([
      ["2gpu", RUN_LOG("2gpu"), null],
      ["2gpu-again", RUN_LOG("2gpu"), null]
    ]);
    expect(o.report.warnings.find((w) => w.code === "log_shared")!.message).toBe("the console log of 2gpu is also the log of 2gpu-again (same file): one log cannot time two runs");
    expect(status(o, "time_2gpu")).toBe("invalid");
  });

  it("a 4-GPU run over a quarter of the sequences: workload mismatch and a speedup above its Amdahl ceiling", async () => {
    const plan = corpusPlan();
    const two = plan.runs.find((r) => r.id === "2gpu")!;
    const four: RunPlan = {
      ...two,
      id: "4gpu",
      gpus: 4,
      label: "4x RTX 4090",
      outputDir: "/tmp/virnucpro_bench_4gpu",
      ioWarnings: 11,
      stages: {...two.stages, "DNABERT-S Feature Extraction": 130.2, "ESM-2 Feature Extraction": 400.4},
      workers: [0, 1, 2, 3].map((i) => ({sequences: 198_644 + (i === 0 ? 1 : 0), seqPerSec: 1000, tokensPerSec: 51_000}))
    };
    let chunking = 0;
    const o = await outcome(async (dir) => {
      const log = renderRun(four, {...plan, runs: [...plan.runs, four]}).console;
      chunking = lineOf(log, "Sequence Chunking completed in");
      const lines = linesOf(log);
      const full = /\[sequences: ([\d,]+)\]/.exec(lines[chunking - 1]!)![1]!;
      const quarter = Math.round(Number(full.replaceAll(",", "")) / 4).toLocaleString("en-US");
      lines[chunking - 1] = lines[chunking - 1]!.replace(`[sequences: ${full}]`, `[sequences: ${quarter}]`);
      await mkdir(path.join(dir, "runs/4gpu"));
      await writeFile(path.join(dir, RUN_LOG("4gpu")), lines.join("\n") + "\n");
      await edit(dir, "study.yaml", (t) => t.replace("criteria:\n", `  - id: 4gpu\n    gpus: 4\n    log: ${RUN_LOG("4gpu")}\ncriteria:\n`));
    });
    const pair = o.report.scaling.find((s) => s.to === "4gpu")!;
    expect(pair.speedup!).toBeGreaterThan(pair.amdahl.ceiling!);
    expect(pair.efficiency!).toBeGreaterThan(1);
    expect(errors(o, "workload_mismatch").map(([run]) => run)).toEqual(["4gpu"]);
    expect(o.report.warnings.find((w) => w.code === "workload_mismatch")!.message).toMatch(/^1gpu and 4gpu did not run the same workload: \d+ vs \d+ input sequences$/);
    expect(o.report.warnings.find((w) => w.code === "scaling_impossible")!.message).toMatch(/is above its own Amdahl ceiling/);
    // the headline scaling (4gpu) passed at 1.5x before
    expect(status(o, "scaling")).toBe("invalid");
    expect(status(o, "time_2gpu")).toBe("pass");
  });
});

describe("thin coverage", () => {
  it("2 GPU samples of a 2591-s ESM-2 stage: no_data, the coverage in the reason and in the report", async () => {
    let file = "";
    const o = await outcome(async (dir) => {
      [file] = (await readdir(path.join(dir, "runs/1gpu/logs"))) as [string];
      await edit(dir, `runs/1gpu/logs/${file}`, (t) => {
        const lines = linesOf(t);
        const header = lines.filter((l) => l.startsWith("#"));
        const rows = lines.filter((l) => !l.startsWith("#") && l !== "");
        return [...header, rows[100]!, rows[1000]!].join("\n") + "\n";
      });
    });
    const g = o.report.gpu.find((x) => x.run === "1gpu")!;
    expect(g.samples).toBe(2);
    // 2 samples x at most 2 s over the window
    expect(g.coverage!).toBeCloseTo((2 * 2) / g.window_seconds!, 10);
    expect(o.report.gpu_runs.find((x) => x.run === "1gpu")!.coverage).toBe(g.coverage);
    expect(status(o, "gpu_1gpu")).toBe("no_data");
    expect(reason(o, "gpu_1gpu")).toBe(`GPU samples of 1gpu cover ${(g.coverage! * 100).toFixed(1)} % of the ESM-2 Feature Extraction window (at least 50 % of it on every device needed)`);
    expect(o.report.warnings.find((w) => w.code === "gpu_coverage_low")!.run).toBe("1gpu");
    // the honest files cover most of the window
    expect(control.report.gpu.find((x) => x.run === "1gpu")!.coverage!).toBeGreaterThan(0.9);
  });

  it("a worker log cut to a tenth: worker_incomplete makes packing invalid", async () => {
    const o = await outcome(async (dir) => edit(dir, "runs/1gpu/out/esm_v2/logs/worker_0.log", (t) => keepTenth(t)));
    expect(o.report.warnings.some((w) => w.run === "1gpu" && w.code === "worker_incomplete")).toBe(true);
    expect(status(o, "packing", "1gpu")).toBe("invalid");
    expect(status(o, "packing", "2gpu")).toBe("pass");
    expect(reason(o, "packing")).toContain("1gpu is contaminated (worker_incomplete");
  });
});

function keepTenth(text: string): string {
  const lines = linesOf(text);
  return lines.slice(0, Math.ceil(lines.length / 10)).join("\n") + "\n";
}

describe("a broken consensus file cannot support a pass", () => {
  const cases: Array<[string, (text: string) => string | Buffer, string]> = [
    ["empty", () => "", "artifact_unreadable"],
    ["binary", () => Buffer.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x0a, 0xde, 0xad, 0xbe, 0xef, 0x0a]), "artifact_unreadable"],
    [
      "NaN",
      (t) => {
        const lines = linesOf(t);
        const cells = lines[9]!.split("\t");
        cells[3] = "nan";
        lines[9] = cells.join("\t");
        return lines.join("\n") + "\n";
      },
      "artifact_unreadable"
    ]
  ];
  for (const [what, change, code] of cases) {
    it(`${what}: the consensus criterion is invalid, its reason naming the finding and the file`, async () => {
      const o = await outcome(async (dir) => edit(dir, CONSENSUS("2gpu"), change));
      const [finding] = errors(o, code);
      expect(finding![1]).toBe(CONSENSUS("2gpu"));
      expect(status(o, "consensus")).toBe("invalid");
      expect(reason(o, "consensus")).toContain(`2gpu is contaminated (${code}, `);
      expect(reason(o, "consensus")).toContain(`${CONSENSUS("2gpu")}:${finding![2]}`);
      expect(o.exit).toBe(1);
    });
  }

  it("a broken reference consensus file invalidates the run's criterion too", async () => {
    const o = await outcome(async (dir) => edit(dir, CONSENSUS("reference"), () => ""));
    expect(errors(o, "artifact_unreadable").map(([run]) => run)).toEqual(["reference"]);
    expect(status(o, "consensus")).toBe("invalid");
    expect(reason(o, "consensus")).toContain(`reference is contaminated (artifact_unreadable, `);
  });
});

describe("a stale database", () => {
  it("a prediction file edited in place with its size and mtime kept: the report changes", async () => {
    const dir = path.join(scratch, "stale");
    await cp(base, dir, {recursive: true});
    const studyFile = path.join(dir, "study.yaml");
    const file = path.join(dir, PER_FRAME("2gpu"));
    const stamp = new Date("2026-02-09T12:00:00Z");
    await utimes(file, stamp, stamp);
    const before = await reportForStudy(studyFile);
    const text = await readFile(file, "utf8");
    const swapped = swapLabels(text);
    expect(Buffer.byteLength(swapped)).toBe(Buffer.byteLength(text));
    await writeFile(file, swapped);
    await utimes(file, stamp, stamp);
    const after = await reportForStudy(studyFile);
    const agreement = (r: Report) => r.correctness.find((c) => c.run === "2gpu" && c.level === "per_frame")!.label_agreement!;
    expect(agreement(before)).toBeGreaterThan(0.99);
    expect(agreement(after)).toBeLessThan(0.7);
    const sha = (r: Report) => r.runs.find((x) => x.id === "2gpu")!.artifacts.find((a) => a.kind === "predictions_frame")!.sha256;
    expect(sha(after)).not.toBe(sha(before));
  });
});

/**
 * Exchanges the IDs of rows with different labels whose IDs have the same length: every exchanged row
 * now disagrees with the reference, and the file keeps its exact size.
 */
function swapLabels(text: string): string {
  const lines = linesOf(text);
  const open = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const [id, label] = lines[i]!.split("\t") as [string, string];
    const key = `${id.length}`;
    const j = open.get(key);
    if (j === undefined || lines[j]!.split("\t")[1] === label) {
      open.set(key, i);
      continue;
    }
    const a = lines[j]!.split("\t");
    const b = lines[i]!.split("\t");
    [a[0], b[0]] = [b[0]!, a[0]!];
    lines[j] = a.join("\t");
    lines[i] = b.join("\t");
    open.delete(key);
  }
  return lines.join("\n") + "\n";
}
