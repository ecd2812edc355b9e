/**
 * Every value names its run. The headline run (most GPUs, the earliest in the study on a tie) is chosen
 * once, by v_headline: the baseline view, the criteria and the pages must agree on it even when two runs
 * have the same GPU count. A criterion over several runs says which run its value is, and every run's
 * value appears next to its verdict in the report, the archive index and the trend.
 */
import {afterEach, describe, expect, it} from "vitest";
import {figuresOf} from "../../../engine/archive/figures.ts";
import {indexPage} from "../../../engine/archive/root.ts";
import type {ArchiveContents, ArchivedRelease} from "../../../engine/archive/scan.ts";
import {trendPage} from "../../../engine/archive/trend.ts";
import {formatText} from "../../../engine/render/text.ts";
import {buildReport} from "../../../engine/report/report.ts";
import type {Report} from "../../../engine/report/types.ts";
import {headlines} from "../../../engine/site/pages.ts";
import type {CriterionSpec} from "../../../engine/study.ts";
import {fixtureDb, phase10Timing, run, stageRows, PHASE10_STAGES, type FixtureDb} from "../../helpers/fixture-db.ts";
import {sampleReport} from "../report/sample-report.ts";

let db: FixtureDb | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

const CRITERIA: CriterionSpec[] = [
  {id: "headline_time", label: "headline run < 1 h", metric: "run.total_seconds", comparison: "<", target: 3600, run: "headline"},
  {id: "baseline", label: "baseline speedup >= 4x", metric: "baseline.speedup", comparison: ">=", target: 4},
  {id: "every_time", label: "every run < 40 min", metric: "run.total_seconds", comparison: "<", target: 2400, run: "every"}
];

/** Phase 10 plus a second 2-GPU run, later in the study file and faster: a tie on GPU count. */
async function tiedStudy(): Promise<Report> {
  db = await fixtureDb();
  await phase10Timing(db);
  await db.insert("runs", [run("2gpu_rerun", 2, {ord: 3, total_seconds: 1900.0, total_hms: "00:31:40", model_path: "300_model.pth", expected_length: 300})]);
  await db.insert("stages", stageRows("2gpu_rerun", PHASE10_STAGES.map(([n, , b]) => [n, b * (1900 / 2025)]), "2026-02-10 10:00:00"));
  return buildReport(db.connection, {criteria: CRITERIA});
}

describe("one headline run, chosen in SQL", () => {
  it("on a GPU-count tie every consumer picks the earliest run of the study: v_headline, baseline, criteria, pages", async () => {
    const report = await tiedStudy();
    const [{run_id}] = await db!.query<{run_id: string}>("SELECT run_id FROM v_headline");
    expect(run_id).toBe("2gpu");
    expect(report.headline_run).toBe("2gpu");
    expect(report.baseline!.run).toBe("2gpu");
    const headlineTime = report.criteria.find((c) => c.id === "headline_time")!;
    expect([headlineTime.value, headlineTime.value_run]).toEqual([2025.0, "2gpu"]);
    const cards = headlines(report);
    expect(cards.find((h) => h.id === "time_2gpu")!.label).toBe("2-GPU wall time (2gpu)");
    expect(cards.find((h) => h.id === "baseline_speedup")!.label).toBe("Speedup over v1.0 (2gpu)");
  });
});

describe("a criterion over several runs names the run of its value", () => {
  it("JSON: value_run is the worst run; every run's value and verdict are listed", async () => {
    const report = await tiedStudy();
    const c = report.criteria.find((x) => x.id === "every_time")!;
    expect([c.status, c.value, c.value_run]).toEqual(["fail", 3200.6, "1gpu"]);
    expect(c.per_run!.map((p) => [p.run, p.status, p.display_value])).toEqual([
      ["1gpu", "fail", "3200.6 s (53:20)"],
      ["2gpu", "pass", "2025.0 s (33:45)"],
      ["2gpu_rerun", "pass", "1900.0 s (31:40)"]
    ]);
  });

  it("text: the board says which run the value is, and each run's value sits next to its status", async () => {
    const text = formatText(await tiedStudy());
    expect(text).toMatch(/every_time\s+every run < 40 min\s+3200\.6 s \(53:20\) \(1gpu\)/);
    expect(text).toMatch(/2gpu: PASS 2025\.0 s/);
  });

  it("archive index and trend: each run's value next to its status, invalid values marked, the headline value named", () => {
    const report = sampleReport();
    const release = {release: "v2.0", dir: "releases/v2.0", report, manifest: {title: report.title, date: "2026-02-09", build_time: "2026-02-09T17:00:00Z", content_sha256: "a".repeat(64), summary: report.summary, tools: {}}, signoff: {state: "none"}} as unknown as ArchivedRelease;
    const figures = figuresOf(report);
    expect(figures.headline_run).toBe("2gpu");
    expect(figures.agreement.map((a) => [a.run, a.status])).toEqual([["1gpu", "invalid"], ["2gpu", "pass"]]);
    const gpu = figures.criteria.find((c) => c.id === "gpu_utilization")!;
    expect(gpu.value_run).toBe("2gpu");
    expect(gpu.per_run.map((p) => [p.run, p.status])).toEqual([["1gpu", "pass"], ["2gpu", "invalid"]]);

    const index = indexPage({releases: [release], replaced: [], broken: []} as unknown as ArchiveContents);
    expect(index).toContain('data-run="1gpu" data-status="invalid"><code>1gpu</code> 93.09 % <span class="status status--invalid">INVALID</span>');
    expect(index).toMatch(/data-criterion="gpu_utilization"><strong>GPU utilization during ESM-2 &gt; 80 %<\/strong>: 88\.4 % <span class="note">\(2gpu\)<\/span>/);
    expect(index).toContain('<code>2gpu</code> 88.4 % <span class="status status--invalid">INVALID</span>');

    const trend = trendPage([release]);
    expect(trend).toContain('data-criterion="consensus_agreement"');
    expect(trend).toContain('<code>1gpu</code> 93.09 % <span class="status status--invalid">INVALID</span>');
    // the invalid agreement point is drawn hollow and says so
    expect(trend).toMatch(/<g class="bb-mark bb-mark--invalid" data-release="v2\.0"[^>]*data-invalid="true">(?:(?!<\/g>).)*<title>1gpu · v2\.0: [\d.]+ % — INVALID: model mismatch/s);
  });
});

describe("a headline value judged invalid says so", () => {
  it("the agreement card of a run whose comparison is invalid is marked; the valid run's is not", () => {
    const cards = headlines(sampleReport());
    const of = (id: string) => cards.find((h) => h.id === id)!;
    expect(of("agreement_1gpu_consensus").verdict).toBe("invalid");
    expect(of("agreement_1gpu_consensus").value).toMatch(/ %+ \(INVALID\)$/);
    expect(of("agreement_1gpu_consensus").note).toMatch(/^INVALID for consensus_agreement: model mismatch/);
    expect(of("agreement_2gpu_consensus").verdict).toBeNull();
    expect(of("agreement_2gpu_consensus").value).not.toContain("INVALID");
  });
});
