import {readFileSync} from "node:fs";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {describe, expect, it} from "vitest";
import {InputError} from "../../../engine/errors.ts";
import {parseGpuMetrics} from "../../../loaders/virnucpro/gpu-metrics.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => readFileSync(path.join(here, "../../fixtures/gpu", name), "utf8");
/** a whole monitor file from a host at UTC-5 */
const NORMAL = fixture("gpu_metrics_20260209_112924.log");
/** header race (2 rows before the header) and a monitor killed mid-row: no footer, last row cut, no newline */
const RACE = fixture("gpu_metrics_20260209_112925.log");
/** nvitop not installed: gpu_util 0.0, no temperature or power */
const FALLBACK = fixture("gpu_metrics_20260209_095501.log");

const lines = (text: string) => text.split("\n").slice(0, -1);

describe("parseGpuMetrics: a whole file", () => {
  const m = parseGpuMetrics(NORMAL, {file: "gpu_metrics_20260209_112924.log"});

  it("reads the header, footer and every row", () => {
    expect(m).toMatchObject({format: "gpu_metrics", startedLocal: "2026-02-09 11:29:24.473", stoppedLocal: "2026-02-09 11:29:31.101", devices: [0], nvitop: "available", findings: []});
    expect(m.samples).toHaveLength(7);
    expect(m.samples.map((s) => s.line)).toEqual([7, 8, 9, 10, 11, 12, 13]);
  });

  it("epoch seconds, MiB, percent as written; power mW -> W; empty power -> null", () => {
    expect(m.samples[2]).toEqual({epoch: 1770654566.836, device: 0, uuid: null, utilization: 87, memoryMib: 21034.5, memoryPct: 85.6, temperature: 63, powerWatts: 312.456, stage: "inference", line: 9});
    expect(m.samples[4]).toMatchObject({utilization: 71, temperature: 64, powerWatts: null});
    expect(m.samples.map((s) => s.utilization)).toEqual([0, 12, 87, 92, 71, 100, 95]);
  });

  it("UTC offset from the local header time vs the first epoch, to the quarter hour: UTC-5", () => {
    expect(m.utcOffsetSeconds).toBe(-18_000);
  });

  it("a header written after the first rows (race) still gives the offset; the cut last row is dropped with a finding", () => {
    const r = parseGpuMetrics(RACE, {file: "race.log"});
    expect(r.samples.map((s) => [s.line, s.utilization])).toEqual([
      [1, 0],
      [2, 3],
      [9, 88],
      [10, 90]
    ]);
    expect([r.startedLocal, r.stoppedLocal, r.utcOffsetSeconds]).toEqual(["2026-02-09 11:29:25.090", null, -18_000]);
    expect(r.findings.map((f) => [f.code, f.severity, f.line, f.affects])).toEqual([["truncated_row", "warning", 11, ["gpu"]]]);
  });

  it("a cut last row that still ends in a newline is dropped too; the same damage mid-file is an InputError naming file, line and format", () => {
    const cut = lines(NORMAL).slice(0, 13);
    cut[12] = "1770654570.885,0,95.0,21301.9,86";
    const t = parseGpuMetrics(cut.join("\n") + "\n", {file: "g.log"});
    expect(t.samples).toHaveLength(6);
    expect(t.findings.map((f) => [f.code, f.line])).toEqual([["truncated_row", 13]]);

    const bad = lines(NORMAL);
    bad[8] = "1770654566.836,0,87.0,21034.5";
    let error: unknown;
    try {
      parseGpuMetrics(bad.join("\n") + "\n", {file: "logs/g.log"});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^logs\/g\.log:9: malformed gpu_metrics row '1770654566\.836,0,87\.0,21034\.5' \(expected 8 comma-separated columns timestamp,device_id,gpu_util,mem_used_mb,mem_percent,temperature,power_draw,stage/);
    expect([(error as InputError).file, (error as InputError).line]).toEqual(["logs/g.log", 9]);
  });

  it("a utilization above 100 mid-file is malformed, not clamped", () => {
    const bad = lines(NORMAL);
    bad[7] = bad[7]!.replace(",12.0,", ",120.0,");
    expect(() => parseGpuMetrics(bad.join("\n") + "\n", {file: "g.log"})).toThrow(/g\.log:8: malformed/);
  });
});

describe("parseGpuMetrics: header trouble", () => {
  it("missing header: samples kept, offset and start unknown, devices from the rows", () => {
    const noHeader = lines(NORMAL).slice(6).join("\n") + "\n";
    const m = parseGpuMetrics(noHeader, {file: "g.log"});
    expect(m.samples).toHaveLength(7);
    expect(m.samples[0]!.line).toBe(1);
    expect([m.startedLocal, m.utcOffsetSeconds, m.nvitop, m.devices]).toEqual([null, null, null, [0]]);
    expect(m.stoppedLocal).toBe("2026-02-09 11:29:31.101");
    expect(m.findings).toEqual([]);
  });

  it("file-name collision: a second header mid-file is flagged at its line; rows on both sides are kept", () => {
    const first = lines(NORMAL).slice(0, 9);
    const second = lines(NORMAL).slice(0, 6).map((l) => l.replace("11:29:24.473988", "11:29:24.981004"));
    const rest = lines(NORMAL).slice(9);
    const m = parseGpuMetrics([...first, ...second, ...rest].join("\n") + "\n", {file: "g.log"});
    expect(m.samples).toHaveLength(7);
    expect(m.findings.map((f) => [f.code, f.severity, f.line])).toEqual([["header_repeated", "warning", 10]]);
    expect(m.startedLocal).toBe("2026-02-09 11:29:24.473");
  });

  it("nvitop fallback: utilization 0 by construction is flagged on the GPU figures", () => {
    const m = parseGpuMetrics(FALLBACK, {file: "g.log"});
    expect(m.nvitop).toBe("fallback");
    expect(m.samples.map((s) => [s.utilization, s.memoryMib, s.temperature, s.powerWatts])).toEqual([
      [0, 7610, null, null],
      [0, 19_876.5, null, null],
      [0, 20_112, null, null]
    ]);
    expect(m.findings.map((f) => [f.code, f.severity, f.affects])).toEqual([["nvitop_fallback", "warning", ["gpu"]]]);
    expect(m.utcOffsetSeconds).toBe(-18_000);
  });

  it("fallback rows without the header that would say so are still recognised", () => {
    const m = parseGpuMetrics(lines(FALLBACK).slice(6, 9).join("\n") + "\n", {file: "g.log"});
    expect(m.findings.map((f) => f.code)).toEqual(["nvitop_fallback"]);
  });

  it("a different column header is an InputError, not a silent misread", () => {
    const other = NORMAL.replace("# timestamp,device_id,gpu_util,mem_used_mb", "# timestamp,device_id,mem_used,gpu_util");
    expect(() => parseGpuMetrics(other, {file: "g.log"})).toThrow(/g\.log:6: unknown gpu_metrics column header/);
  });

  it("a header start that cannot be this host's clock (more than 14 h off) gives no offset and a finding", () => {
    const m = parseGpuMetrics(NORMAL.replace("2026-02-09T11:29:24.473988", "2026-02-11T11:29:24.473988"), {file: "g.log"});
    expect(m.utcOffsetSeconds).toBeNull();
    expect(m.findings.map((f) => f.code)).toEqual(["gpu_clock_mismatch"]);
  });

  it("empty or comment-only files have no samples and no offset", () => {
    for (const text of ["", "# GPU Monitoring Log\n# Started: 2026-02-09T11:29:24.473988\n"]) {
      const m = parseGpuMetrics(text, {file: "g.log"});
      expect([m.samples.length, m.utcOffsetSeconds]).toEqual([0, null]);
    }
  });
});
