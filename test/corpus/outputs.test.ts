/**
 * Hostile strings from inputs (a sequence ID, a run label, a command, a title with HTML and Markdown
 * syntax) reach every output as data: the text report prints them plainly, Markdown escapes them so no
 * markup renders and no table breaks, JSON carries them verbatim. And the rule: every figure affected
 * by a finding carries that finding's reference in text, Markdown and JSON.
 */
import {mkdtemp, readFile, rm, writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {reportForStudy} from "../../engine/report/from-study.ts";
import {formatMarkdown} from "../../engine/render/markdown.ts";
import {formatText} from "../../engine/render/text.ts";
import type {Report} from "../../engine/report/types.ts";
import {keepLines, linesOf, resumedLog, sectionsOf, writeCorpusStudy} from "./corpus.ts";

const MERGED = "USA-MA-Broad_MGH-22989-2024.lNDM_F11.HLWLWDRX5.1.hs_depleted.subset_1M_merged";
const HOSTILE_ID = "<script>alert(1)</script>|x|`y`_chunk_1";
const HOSTILE_LABEL = "<b>2 GPUs</b> | <img src=x onerror=alert(2)>";
const HOSTILE_ARG = "$(rm -rf ~)|<i>x</i>";

let dir: string;
let report: Report;
let text: string;
let markdown: string;
let json: string;

async function edit(rel: string, change: (t: string) => string): Promise<void> {
  const file = path.join(dir, rel);
  await writeFile(file, change(await readFile(file, "utf8")));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "benchbook-outputs-"));
  const {studyFile} = await writeCorpusStudy(dir);
  // find a consensus row whose label differs between the 2-GPU run and the reference: it is listed in every output
  const first = await reportForStudy(studyFile);
  const mismatch = first.correctness.find((c) => c.run === "2gpu" && c.level === "consensus")!.mismatches[0]!.id;
  for (const rel of [`runs/2gpu/out/${MERGED}/prediction_results_highestscore.csv`, `reference/${MERGED}/prediction_results_highestscore.csv`]) {
    await edit(rel, (t) => t.replace(`${mismatch}\t`, `${HOSTILE_ID}\t`));
  }
  await edit("study.yaml", (t) => t.replace("label: 2x RTX 4090", `label: ${JSON.stringify(HOSTILE_LABEL)}`).replace('      - "300"', `      - "300"\n      - ${JSON.stringify(HOSTILE_ARG)}`));
  // contamination and truncation, so that figures carry warning references
  await edit("runs/1gpu/console.log", (t) => resumedLog(t).text);
  await edit("runs/2gpu/console.log", (t) => keepLines(t, sectionsOf(t).total + 2));
  report = await reportForStudy(studyFile);
  text = formatText(report);
  markdown = formatMarkdown(report);
  json = JSON.stringify(report, null, 2);
}, 120_000);

afterAll(async () => {
  await rm(dir, {recursive: true, force: true});
});

/** Count of `|` not preceded by a backslash. */
const pipes = (line: string) => line.replace(/\\\\/g, "").replace(/\\\|/g, "").split("|").length - 1;

describe("hostile strings from inputs", () => {
  it("reach the report object verbatim", () => {
    expect(report.correctness.flatMap((c) => c.mismatches.map((m) => m.id))).toContain(HOSTILE_ID);
    expect(report.runs.find((r) => r.id === "2gpu")!.label).toBe(HOSTILE_LABEL);
    expect(report.runs.find((r) => r.id === "2gpu")!.command).toContain(HOSTILE_ARG);
  });

  it("JSON carries them verbatim and parses back to the same report", () => {
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(report)));
    expect(json).toContain(JSON.stringify(HOSTILE_ID));
  });

  it("the text report prints them as plain text", () => {
    expect(text).toContain(HOSTILE_ID);
    expect(text).toContain(HOSTILE_LABEL);
  });

  it("Markdown renders no markup from them: no raw tag, no unescaped < anywhere they occur", () => {
    expect(markdown).not.toMatch(/<script|<img|<b>|<i>/);
    for (const line of markdown.split("\n").filter((l) => /alert\(|2 GPUs|rm -rf/.test(l))) expect(line).not.toMatch(/(^|[^\\])</);
  });

  it("Markdown tables keep their shape: every row has as many unescaped | as its header", () => {
    const lines = markdown.split("\n");
    let tables = 0;
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith("|") || !/^\|[\s:|-]+\|$/.test(lines[i + 1] ?? "")) continue;
      tables++;
      const columns = pipes(lines[i]!);
      for (let j = i + 2; j < lines.length && lines[j]!.startsWith("|"); j++) expect(pipes(lines[j]!), lines[j]).toBe(columns);
    }
    expect(tables).toBeGreaterThan(0);
    expect(markdown.split("\n").some((l) => l.includes("alert(1)") && l.startsWith("|"))).toBe(true);
  });
});

describe("every figure affected by a finding carries its reference", () => {
  it("JSON: the runs' flags and the criteria reading them name the warnings", () => {
    const refOf = (run: string, code: string) => report.warnings.find((w) => w.run === run && w.code === code)?.ref;
    const resumed = refOf("1gpu", "resumed_run");
    const truncated = refOf("2gpu", "summary_incomplete");
    expect(resumed).toMatch(/^W\d+$/);
    expect(truncated).toMatch(/^W\d+$/);
    expect(report.runs.find((r) => r.id === "1gpu")!.flags.map((f) => f.ref)).toContain(resumed);
    expect(report.runs.find((r) => r.id === "2gpu")!.flags.map((f) => f.ref)).toContain(truncated);
    const crit = (id: string) => report.criteria.find((c) => c.id === id)!;
    expect(crit("time_1gpu").flags).toContain(resumed);
    expect(crit("time_2gpu").flags).toContain(truncated);
    expect(crit("scaling").flags).toEqual(expect.arrayContaining([resumed, truncated]));
  });

  it("the contaminated and the truncated run never pass a timing criterion", () => {
    const crit = (id: string) => report.criteria.find((c) => c.id === id)!;
    expect(crit("time_1gpu").status).toBe("invalid");
    expect(crit("time_2gpu").status).toBe("no_data");
    expect(crit("scaling").status).toBe("no_data");
    expect(report.summary.overall).not.toBe("pass");
  });

  it("text and Markdown print the reference on the line of each affected criterion, and list the warning with file and line", () => {
    for (const out of [text, markdown]) {
      for (const c of report.criteria.filter((x) => x.flags.length)) {
        const line = linesOf(out).find((l) => l.includes(c.label) || l.includes(c.id));
        expect(line, `${c.id} in output`).toBeDefined();
        for (const ref of c.flags) expect(line, `${c.id} carries ${ref}`).toContain(ref);
      }
      for (const w of report.warnings.filter((x) => x.line !== null && x.file)) {
        const line = linesOf(out).find((l) => l.includes(w.ref) && l.includes(w.code));
        expect(line, `${w.ref} listed`).toBeDefined();
        expect(line).toContain(`:${w.line}`);
      }
    }
  });
});
