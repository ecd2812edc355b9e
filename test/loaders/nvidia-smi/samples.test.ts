import {readFileSync} from "node:fs";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {InputError} from "../../../engine/errors.ts";
import {parseNvidiaSmiCsv, parseNvidiaSmiInventory} from "../../../loaders/nvidia-smi/samples.ts";
import {GPU_CAPTURE} from "../../helpers/tmp.ts";
import {GpuMonitorSchema, type GpuSample} from "../../../loaders/virnucpro/records.ts";

/** the real 2 x H200 capture (test/fixtures/gpu-capture-h200x2/README.md); that host's local time was UTC */
const CAPTURE = GPU_CAPTURE;
const SAMPLES = readFileSync(path.join(CAPTURE, "samples_1000ms.csv"), "utf8");
const GPUS = readFileSync(path.join(CAPTURE, "gpus.csv"), "utf8");
const PHASES = readFileSync(path.join(CAPTURE, "phases.txt"), "utf8").match(/\d{4}-\d\d-\d\dT[\d:.]+Z/g)!.map((t) => Date.parse(t) / 1000);
const RUN_2GPU = JSON.parse(readFileSync(path.join(CAPTURE, "run_2gpu.json"), "utf8")) as {workers: Array<{rank: number; start: number; end: number}>};

const of = (samples: GpuSample[], device: number) => samples.filter((s) => s.device === device);
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);

describe("parseNvidiaSmiCsv: the real 2 x H200 capture", () => {
  const m = parseNvidiaSmiCsv(SAMPLES, {file: "samples_1000ms.csv", utcOffsetSeconds: 0});

  it("reads every row: 116 per GPU, with uuid, no findings", () => {
    expect(GpuMonitorSchema.safeParse(m).success).toBe(true);
    expect([m.format, m.devices, m.samples.length, m.findings]).toEqual(["nvidia_smi", [0, 1], 232, []]);
    expect([of(m.samples, 0).length, of(m.samples, 1).length]).toEqual([116, 116]);
    expect(new Set(of(m.samples, 1).map((s) => s.uuid))).toEqual(new Set(["GPU-67345187-9b5e-0886-7ba6-bb35d588f8d4"]));
  });

  it("first and last rows give the local start and stop; the epoch is the local time minus the offset", () => {
    expect([m.startedLocal, m.stoppedLocal, m.utcOffsetSeconds]).toEqual(["2026-11-28 15:25:16.447", "2026-11-28 15:27:11.512", 0]);
    expect(m.samples[0]).toEqual({epoch: Date.parse("2026-11-28T15:25:16.447Z") / 1000, device: 0, uuid: "GPU-a94006b1-9190-decf-fa8d-472df1c40498", utilization: 0, memoryMib: 0, memoryPct: null, temperature: null, powerWatts: 80.73, stage: null, line: 1});
    expect(m.samples.at(-1)).toMatchObject({device: 1, line: 232, powerWatts: 81.19});
    const shifted = parseNvidiaSmiCsv(SAMPLES, {file: "s.csv", utcOffsetSeconds: 3600});
    expect(shifted.samples[0]!.epoch).toBeCloseTo(m.samples[0]!.epoch - 3600, 6);
    expect(shifted.startedLocal).toBe(m.startedLocal);
  });

  it("maxima per GPU as captured: 100 % utilization, 3947 / 3939 MiB, 700.3 / 700.62 W", () => {
    expect([0, 1].map((d) => max(of(m.samples, d).map((s) => s.utilization)))).toEqual([100, 100]);
    expect([0, 1].map((d) => max(of(m.samples, d).map((s) => s.memoryMib!)))).toEqual([3947, 3939]);
    expect([0, 1].map((d) => max(of(m.samples, d).map((s) => s.powerWatts!)))).toEqual([700.3, 700.62]);
  });

  it("the timeline fits the phases: GPU 1 idle through the 1-GPU phase, both busy while both workers ran", () => {
    const [start1, end1] = PHASES as [number, number, number];
    const inPhase1 = (s: GpuSample) => s.epoch > start1 + 1 && s.epoch < end1 - 1;
    expect(max(of(m.samples, 1).filter(inPhase1).map((s) => s.utilization))).toBe(0);
    expect(max(of(m.samples, 0).filter(inPhase1).map((s) => s.utilization))).toBe(100);
    const both = RUN_2GPU.workers;
    const window = (s: GpuSample) => s.epoch > Math.max(...both.map((w) => w.start)) + 2 && s.epoch < Math.min(...both.map((w) => w.end)) - 2;
    for (const d of [0, 1]) expect(of(m.samples, d).filter(window).filter((s) => s.utilization > 0).length).toBeGreaterThan(5);
  });

  it("without an offset the epoch reads the local time as UTC and the offset is reported unknown", () => {
    const unknown = parseNvidiaSmiCsv(SAMPLES, {file: "s.csv"});
    expect(unknown.utcOffsetSeconds).toBeNull();
    expect(unknown.samples.map((s) => s.epoch)).toEqual(m.samples.map((s) => s.epoch));
  });
});

describe("parseNvidiaSmiCsv: other shapes and damage", () => {
  const first = SAMPLES.split("\n").slice(0, 4);

  it("a header line and units (`--format=csv` without nounits) read the same values", () => {
    const withUnits = [
      "timestamp, index, uuid, utilization.gpu [%], memory.used [MiB], power.draw [W]",
      ...first.map((l) => {
        const f = l.split(", ");
        return [f[0], f[1], f[2], `${f[3]} %`, `${f[4]} MiB`, `${f[5]} W`].join(", ");
      })
    ].join("\n");
    const plain = parseNvidiaSmiCsv(first.join("\n") + "\n", {file: "a.csv"});
    const units = parseNvidiaSmiCsv(withUnits + "\n", {file: "b.csv"});
    expect(units.samples.map((s) => ({...s, line: s.line - 1}))).toEqual(plain.samples);
  });

  it("a header with another column order is followed", () => {
    const text = "index, utilization.gpu [%], timestamp, power.draw [W]\n1, 55 %, 2026/11/28 15:25:16.456, 300.5 W\n";
    const [s] = parseNvidiaSmiCsv(text, {file: "s.csv"}).samples;
    expect(s).toMatchObject({device: 1, utilization: 55, memoryMib: null, powerWatts: 300.5, uuid: null, line: 2});
  });

  it("[N/A] and [Not Supported] read as null; no utilization skips the row with one finding", () => {
    const text = [
      "2026/11/28 15:25:16.447, 0, GPU-a, 40, [N/A], [Not Supported]",
      "2026/11/28 15:25:16.456, 1, GPU-b, [N/A], 10, 80.00",
      "2026/11/28 15:25:17.456, 1, GPU-b, [Not Supported], 10, 80.00",
      "2026/11/28 15:25:17.461, 0, GPU-a, 41, 12, 81.00"
    ].join("\n");
    const m = parseNvidiaSmiCsv(text + "\n", {file: "s.csv"});
    expect(m.samples.map((s) => [s.line, s.utilization, s.memoryMib, s.powerWatts])).toEqual([
      [1, 40, null, null],
      [4, 41, 12, 81]
    ]);
    expect(m.findings.map((f) => [f.code, f.severity, f.line])).toEqual([["utilization_unavailable", "warning", 2]]);
    expect(m.findings[0]!.message).toMatch(/^2 row\(s\)/);
    expect(m.devices).toEqual([0]);
  });

  it("the sampler killed mid-row: the cut last row is dropped with a finding at its line", () => {
    const cut = SAMPLES.slice(0, SAMPLES.lastIndexOf("\n", SAMPLES.length - 2) + 30);
    const m = parseNvidiaSmiCsv(cut, {file: "s.csv"});
    expect(m.samples).toHaveLength(231);
    expect(m.findings.map((f) => [f.code, f.line])).toEqual([["truncated_row", 232]]);
  });

  it("nvidia-smi's own error lines are skipped and reported; a malformed row mid-file is an InputError with file, line and format", () => {
    const text = [first[0], "Unable to determine the device handle for GPU 00000000:00:07.0: Unknown Error", first[2]].join("\n") + "\n";
    const m = parseNvidiaSmiCsv(text, {file: "s.csv"});
    expect(m.samples.map((s) => s.line)).toEqual([1, 3]);
    expect(m.findings.map((f) => [f.code, f.line])).toEqual([["nvidia_smi_message", 2]]);

    const bad = [first[0], "2026/11/28 15:25:16.456, 1, GPU-b, 0", first[2]].join("\n") + "\n";
    let error: unknown;
    try {
      parseNvidiaSmiCsv(bad, {file: "runs/x/gpu.csv"});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/^runs\/x\/gpu\.csv:2: malformed nvidia-smi row .*\(expected 'YYYY\/MM\/DD HH:MM:SS\.mmm, index, uuid, utilization\.gpu, memory\.used, power\.draw'/);
  });

  it("a header lacking a needed column is an InputError", () => {
    expect(() => parseNvidiaSmiCsv("index, uuid, name\n0, GPU-a, H200\n", {file: "s.csv"})).toThrow(/s\.csv:1: nvidia-smi header lacks timestamp, utilization\.gpu/);
  });
});

describe("parseNvidiaSmiInventory", () => {
  it("reads the real gpus.csv (header and units)", () => {
    expect(parseNvidiaSmiInventory(GPUS, {file: "gpus.csv"})).toEqual([
      {index: 0, uuid: "GPU-a94006b1-9190-decf-fa8d-472df1c40498", name: "NVIDIA H200", driver: "580.159.04", memoryTotalMib: 143_771, pciBusId: "00000000:00:06.0"},
      {index: 1, uuid: "GPU-67345187-9b5e-0886-7ba6-bb35d588f8d4", name: "NVIDIA H200", driver: "580.159.04", memoryTotalMib: 143_771, pciBusId: "00000000:00:07.0"}
    ]);
  });

  it("without header or units the query's order is assumed; a malformed row is an InputError", () => {
    expect(parseNvidiaSmiInventory("0, GPU-x, NVIDIA GeForce RTX 4090, 550.54, 24564, 00000000:01:00.0\n")).toEqual([
      {index: 0, uuid: "GPU-x", name: "NVIDIA GeForce RTX 4090", driver: "550.54", memoryTotalMib: 24_564, pciBusId: "00000000:01:00.0"}
    ]);
    expect(() => parseNvidiaSmiInventory("0, GPU-x, H200, 550, lots, 0:1\n", {file: "gpus.csv"})).toThrow(/gpus\.csv:1: malformed nvidia-smi GPU row/);
  });
});
