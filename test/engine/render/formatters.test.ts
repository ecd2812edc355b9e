/**
 * The text and Markdown reports rendered from a Report built in code (Phase 10 figures): what a reviewer
 * must find on which line, that missing data reads n/a, and that hostile input strings stay data.
 */
import {describe, expect, it} from "vitest";
import {escapeMarkdown, formatMarkdown} from "../../../engine/render/markdown.ts";
import {formatText} from "../../../engine/render/text.ts";
import type {Report} from "../../../engine/report/types.ts";
import {sampleReport} from "../report/sample-report.ts";

const HOSTILE_ID = "<script>alert(1)</script>|x|`y`_chunk_1";
const HOSTILE_LABEL = "<b>2 GPUs</b> | <img src=x onerror=alert(2)>";
const HOSTILE_ARG = "$(rm -rf ~)|<i>x</i>";

const lines = (out: string) => out.split("\n");
const lineWith = (out: string, ...needles: string[]) => lines(out).find((l) => needles.every((n) => l.includes(n)));
/** Count of `|` not preceded by a backslash (as in test/corpus/outputs.test.ts). */
const pipes = (line: string) => line.replace(/\\\\/g, "").replace(/\\\|/g, "").split("|").length - 1;

function both(report: Report): Array<[string, string]> {
  return [
    ["text", formatText(report)],
    ["markdown", formatMarkdown(report)]
  ];
}

function hostileReport(): Report {
  const report = sampleReport();
  const two = report.runs.find((r) => r.id === "2gpu")!;
  two.label = HOSTILE_LABEL;
  two.command = [...two.command!, HOSTILE_ARG];
  report.title = "# *Phase 10* [click](http://x) <b>bold</b>";
  report.correctness.find((c) => c.run === "2gpu" && c.level === "consensus")!.mismatches[0]!.id = HOSTILE_ID;
  report.warnings[1]!.message = "worker 1 said *loud* <i>x</i>\nsecond line";
  return report;
}

describe("verdict and scoreboard", () => {
  it("prints the overall verdict with criteria met", () => {
    for (const [, out] of both(sampleReport())) expect(out).toContain("OVERALL: FAIL — 2/7 criteria met");
    const passing = sampleReport();
    passing.summary = {met: 7, total: 7, overall: "pass"};
    expect(formatText(passing)).toContain("OVERALL: PASS — 7/7 criteria met");
    const incomplete = sampleReport();
    incomplete.summary = {met: 5, total: 7, overall: "incomplete"};
    expect(formatMarkdown(incomplete)).toContain("**OVERALL: INCOMPLETE — 5/7 criteria met**");
  });

  it("starts each criterion line with its status word, next to id, label, value and target", () => {
    const report = sampleReport();
    report.criteria.push({...report.criteria[4]!, id: "per_frame_agreement", label: "Per-frame agreement", status: "inconclusive", reason: "model of reference unknown", per_run: undefined});
    const text = formatText(report);
    const expected: Record<string, string> = {
      time_1gpu: "PASS",
      time_2gpu: "FAIL",
      scaling: "FAIL",
      consensus_agreement: "INVALID",
      packing_efficiency: "NO DATA",
      per_frame_agreement: "INCONCLUSIVE"
    };
    for (const [id, word] of Object.entries(expected)) {
      const c = report.criteria.find((x) => x.id === id)!;
      const line = lineWith(text, ` ${id} `)!;
      expect(line.trim().startsWith(`${word} `), line).toBe(true);
      for (const part of [c.label, c.display_value ?? "n/a", c.display_target]) expect(line).toContain(part);
      expect(lineWith(formatMarkdown(report), `| ${word} | ${id} |`)).toBeDefined();
    }
    expect(lineWith(text, "time_1gpu")).toContain("[3188.4 s, 3214.9 s]");
  });

  it("puts a criterion's warning refs on its first line, in text and Markdown", () => {
    const report = sampleReport();
    for (const [name, out] of both(report)) {
      for (const c of report.criteria.filter((x) => x.flags.length)) {
        const line = lines(out).find((l) => l.includes(c.label) || l.includes(c.id));
        for (const ref of c.flags) expect(line, `${name}: ${c.id} carries ${ref}`).toContain(ref);
      }
    }
    expect(lineWith(formatText(report), " time_2gpu ")).toMatch(/\[W2, W3\]$/);
  });

  it("lists per-run values under a criterion, with the run's refs", () => {
    const text = formatText(sampleReport());
    const at = lines(text).findIndex((l) => l.includes(" gpu_utilization "));
    expect(lines(text)[at + 1]!.trim()).toBe("1gpu: PASS 91.2 % [W1]");
    expect(lines(text)[at + 2]!.trim()).toBe("2gpu: INVALID 88.4 % [W4]");
    expect(lineWith(formatMarkdown(sampleReport()), "| packing_efficiency |")).toContain("2gpu: NO DATA n/a");
  });

  it("gives each reason after the warnings it cites", () => {
    const report = sampleReport();
    report.criteria[1]!.reason = "2gpu is contaminated (summary_incomplete, W3): PIPELINE SUMMARY block is cut off";
    for (const [, out] of both(report)) {
      const first = lines(out).find((l) => l.includes("W3") && l.includes("summary_incomplete"))!;
      expect(first).toContain(":812");
      expect(lineWith(out, "time_2gpu", "(FAIL): 2gpu is contaminated")).toBeDefined();
    }
  });
});

describe("warnings", () => {
  it("prints ref, severity, code, message and file:line on one line", () => {
    const text = formatText(sampleReport());
    expect(lineWith(text, "W3 error summary_incomplete: PIPELINE SUMMARY block is cut off")).toContain("[runs/2gpu/console.log:812]");
    expect(lineWith(text, "W2 warning worker_resumed:")).toContain("[runs/2gpu/worker_1.log:41]");
    expect(lineWith(text, "W4 warning gpu_monitor_duplicated:")).not.toContain("[");
    const markdown = formatMarkdown(sampleReport());
    expect(lineWith(markdown, "W3 error summary_incomplete:")).toContain("\\[runs/2gpu/console.log:812\\]");
    for (const w of sampleReport().warnings.filter((x) => x.file && x.line !== null)) {
      for (const out of [text, markdown]) expect(lines(out).find((l) => l.includes(w.ref) && l.includes(w.code))).toContain(`:${w.line}`);
    }
  });
});

describe("figures", () => {
  const text = formatText(sampleReport());

  it("show the Report's numbers: totals, speedups, efficiency, Amdahl, baseline", () => {
    expect(lineWith(text, "1gpu", "1x RTX 4090", "complete (success)")).toContain("3200.6 s (53:20)");
    expect(text).toContain("T1/T2 = 3200.6 s / 2025.0 s = 1.58x [W2, W3]");
    expect(text).toContain("1.58x / 2 = 79.0 %");
    expect(lineWith(text, "Amdahl ceiling")).toContain("f = 96.6 %: 1 / ((1 - f) + f / 2) = 1.935x");
    expect(lineWith(text, "ESM-2-only ceiling")).toContain("81.0 %: 1.680x");
    expect(lineWith(text, "Karp-Flatt")).toContain("26.5 %");
    expect(lineWith(text, "ESM-2 scales perfectly")).toContain("1905.0 s (31:45)");
    expect(lineWith(text, "12600.0 s (3:30:00)")).toContain("EXTERNAL");
    expect(lineWith(text, "headline:")).toContain("2gpu at 6.22x [W2, W3]");
    expect(lineWith(text, "1gpu", "3.94x")).toBeDefined();
    expect(lineWith(text, "ESM-2 Feature Extraction", "GPU")).toMatch(/2591\.1 s\s+81\.0 %\s+1383\.2 s\s+68\.3 %/);
  });

  it("mark every figure of an area a run's warning affects", () => {
    expect(lineWith(text, "2gpu", "complete (success)")).toContain("2025.0 s (33:45) [W2, W3]");
    expect(lineWith(text, "Stage ", "2gpu time")).toContain("2gpu time [W2, W3]");
    expect(lineWith(text, "2gpu", "629.2")).toContain("629.2 [W2]");
    expect(lineWith(text, "1gpu  all")).toContain("93.7 % [W5]");
    const report = sampleReport();
    report.runs[1]!.flags.push({ref: "W6", code: "partial_failure", severity: "error", affects: ["correctness"]});
    const flagged = formatText(report);
    const block = flagged.slice(flagged.indexOf("Correctness: 2gpu vs v1.0, consensus"));
    expect(lineWith(block, "label agreement")).toContain("99.87 % [W6]");
    expect(lineWith(flagged.slice(flagged.indexOf("Correctness: 1gpu")), "label agreement")).not.toContain("W6");
  });

  it("show correctness counts, confusion, diffs and the mismatching rows shown of the total", () => {
    const block = text.slice(text.indexOf("Correctness: 2gpu vs v1.0, consensus"));
    expect(lineWith(block, "rows  ")).toContain("601,257 compared, 0 missing, 0 extra");
    expect(lineWith(block, "label mismatches")).toContain("762");
    expect(lineWith(block, "score diff")).toContain("mean 1.357e-5, median 2.100e-6, p99 4.120e-3, max 4.817e-1");
    expect(lineWith(block, "2 of 762 shown")).toBeDefined();
    expect(lineWith(block, "_chunk_2", "virus", "others")).toMatch(/0\.5123\s+0\.4871\s+2\.520e-2/);
    expect(lineWith(block, "derived from its per-frame rows")).toContain("reference");
  });

  it("prints a loud MODEL MISMATCH line only for the run whose model differs", () => {
    const out = formatText(sampleReport());
    expect(out).toContain("MODEL MISMATCH: run 1gpu virnucpro_500_model.pth (500 bp) vs reference virnucpro_300_model.pth (300 bp)");
    expect(out.split("MODEL MISMATCH").length - 1).toBe(2);
    expect(out).not.toContain("MODEL MISMATCH: run 2gpu");
    expect(formatMarkdown(sampleReport())).toContain("- **MODEL MISMATCH: run 1gpu");
  });

  it("show GPU utilisation, duplicated monitors, throughput and I/O counts", () => {
    expect(text).toContain("DUPLICATED GPU SAMPLES: all 2 monitors of 2gpu sampled one device");
    expect(lineWith(text, "2gpu", "2,766 / 4,050")).toContain("duplicated, 1 unmeasured");
    expect(lineWith(text, "2gpu", "9.4 s")).toContain("116.0 s [W2]");
    expect(lineWith(text, "1gpu", "54 [W1]")).toContain("19.4 % [W1]");
  });

  it("show repeated executions: spread of totals and the bootstrap interval of the scaling", () => {
    const report = sampleReport();
    const spread = {median_seconds: 3200.6, min_seconds: 3188.4, max_seconds: 3214.9, q1_seconds: 3195.0, q3_seconds: 3207.1, iqr_seconds: 12.1};
    report.repeats = {
      configurations: [
        {run_id: "1gpu", gpus: 1, executions: 5, succeeded: 5, not_succeeded: 0, n: 5, ...spread, statuses: Array(5).fill("succeeded")},
        {run_id: "2gpu", gpus: 2, executions: 5, succeeded: 4, not_succeeded: 1, n: 4, ...spread, median_seconds: 2025.0, statuses: ["succeeded", "timed_out", "succeeded", "succeeded", "succeeded"]}
      ],
      scaling: [{from: "1gpu", to: "2gpu", from_gpus: 1, to_gpus: 2, n_from: 5, n_to: 4, speedup: 1.5805, efficiency: 0.7903, speedup_interval: {lo: 1.571, hi: 1.592}, efficiency_interval: null, level: 0.95, iterations: 10_000, seed: 42}]
    };
    const text = formatText(report);
    expect(lineWith(text, "1gpu", "5 / 5")).toMatch(/3200\.6 s\s+3188\.4 s - 3214\.9 s\s+3195\.0 s - 3207\.1 s\s+12\.1 s/);
    expect(lineWith(text, "2gpu", "4 / 5")).toContain("succeeded, timed_out, succeeded");
    const scaling = lineWith(text, "1gpu -> 2gpu", "5 / 4")!;
    expect(scaling).toMatch(/1\.58x\s+\[1\.57x, 1\.59x\]\s+79\.0 %\s+n\/a\s+95 %, 10,000 resamples, seed 42/);
    expect(formatText(sampleReport())).not.toContain("Repeated executions");
  });

  it("print n/a for missing data, never 0", () => {
    const report = sampleReport();
    report.runs[1]!.total_seconds = null;
    report.runs[1]!.stage_sum_delta = null;
    report.throughput[0]!.finish_skew_seconds = null;
    report.correctness[3]!.score_diff = {mean: null, median: null, p99: null, max: null};
    report.criteria[1]!.display_value = null;
    const out = formatText(report);
    expect(lineWith(out, "2gpu", "2x RTX 4090", "complete (success)")).toMatch(/ n\/a \[W2, W3\] /);
    expect(lineWith(out, " time_2gpu ")).toMatch(/time_2gpu\s+2-GPU total time < 30 min\s+n\/a\s+< 1800 s/);
    expect(lineWith(out, "1gpu", "321.0")).toMatch(/16,474\s+n\/a\s/);
    expect(out.slice(out.indexOf("Correctness: 2gpu vs v1.0, consensus"))).toContain("mean n/a, median n/a, p99 n/a, max n/a");
    expect(lineWith(out, "2gpu  all")).toMatch(/2gpu\s+all\s+n\/a\s+n\/a\s+population \(2,602 batches\)\s+n\/a\s+sampled_every_10th \(280 lines\)\s+n\/a/);
  });
});

describe("hostile strings from inputs", () => {
  const report = hostileReport();
  const text = formatText(report);
  const markdown = formatMarkdown(report);

  it("text prints them verbatim, with control characters made visible", () => {
    expect(text).toContain(HOSTILE_ID);
    expect(text).toContain(HOSTILE_LABEL);
    expect(text).toContain(`'${HOSTILE_ARG}'`);
    expect(text).toContain("worker 1 said *loud* <i>x</i>\\nsecond line [runs/2gpu/worker_1.log:41]");
    const escape = sampleReport();
    escape.runs[0]!.label = "1x\u001b[2J RTX";
    expect(formatText(escape)).toContain("1x\\x1b[2J RTX");
  });

  it("Markdown renders no markup: no raw tag, no unescaped < on their lines, no link or heading", () => {
    expect(markdown).not.toMatch(/<script|<img|<b>|<i>/);
    const hostile = lines(markdown).filter((l) => /alert\(|2 GPUs|rm -rf|said/.test(l));
    expect(hostile.length).toBeGreaterThanOrEqual(4);
    for (const line of hostile) expect(line).not.toMatch(/(^|[^\\])</);
    expect(markdown.split("\n")[0]).toBe("# \\# \\*Phase 10\\* \\[click\\](http://x) &lt;b\\>bold&lt;/b\\>");
    expect(markdown).toContain("&lt;script\\>alert(1)&lt;/script\\>\\|x\\|\\`y\\`\\_chunk_1");
    expect(lineWith(markdown, "worker 1 said")).toContain("\\*loud\\* &lt;i\\>x&lt;/i\\>\\\\nsecond line");
  });

  it("Markdown tables keep their shape, with the hostile rows inside them", () => {
    const ls = lines(markdown);
    let tables = 0;
    for (let i = 0; i < ls.length; i++) {
      if (!ls[i]!.startsWith("|") || !/^\|[\s:|-]+\|$/.test(ls[i + 1] ?? "")) continue;
      tables++;
      const columns = pipes(ls[i]!);
      for (let j = i + 2; j < ls.length && ls[j]!.startsWith("|"); j++) expect(pipes(ls[j]!), ls[j]).toBe(columns);
    }
    expect(tables).toBeGreaterThan(10);
    expect(ls.some((l) => l.includes("alert(1)") && l.startsWith("|"))).toBe(true);
    expect(ls.some((l) => l.includes("2 GPUs") && l.startsWith("|"))).toBe(true);
  });
});

describe("escapeMarkdown", () => {
  it("backslash-escapes markup characters and keeps identifiers' inner underscores", () => {
    expect(escapeMarkdown("a|b\\c")).toBe("a\\|b\\\\c");
    expect(escapeMarkdown("time_1gpu")).toBe("time_1gpu");
    expect(escapeMarkdown("_em_ and __strong__")).toBe("\\_em\\_ and \\_\\_strong\\_\\_");
    expect(escapeMarkdown("*x* `c` [l](u) #h ~s~ $m$ &amp; <b> !")).toBe("\\*x\\* \\`c\\` \\[l\\](u) \\#h \\~s\\~ \\$m\\$ \\&amp; &lt;b\\> \\!");
    expect(escapeMarkdown("one\ntwo\r\nthree")).toBe("one\\\\ntwo\\\\nthree");
  });
});
