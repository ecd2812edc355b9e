/**
 * Property tests of the other VirNucPro parsers: gpu_metrics files, nvidia-smi CSV
 * samples and pipeline_state.json. Random noise, truncation at any byte and inserted noise never crash a
 * parser and never yield a record that violates its zod schema; a truncated file yields only values the
 * whole file has; parse(format(x)) == x for the line templates (formatters written here from FORMATS.md).
 */
import fc from "fast-check";
import {describe, expect, it} from "vitest";
import {parseGpuMetrics} from "../../../../loaders/virnucpro/gpu-metrics.ts";
import {parseNvidiaSmiCsv} from "../../../../loaders/nvidia-smi/samples.ts";
import {parsePipelineState} from "../../../../loaders/virnucpro/pipeline-state.ts";
import {GpuMonitorSchema, PipelineStateSchema, type GpuMonitor} from "../../../../loaders/virnucpro/records.ts";
import {InputError} from "../../../../engine/errors.ts";
import {gpuMetricsOf, linesOf} from "../../../corpus/corpus.ts";
import {evenCuts} from "../../../helpers/cuts.ts";

const METRICS = gpuMetricsOf("2gpu")[0]!.text;
const fullMetrics = parseGpuMetrics(METRICS, {file: "gpu_metrics.log"});

/**
 * A parser may refuse input with an InputError (a located, user-facing error); anything else is a crash.
 * Each test counts what was accepted and requires a stated share of it: a parser that refused
 * everything would otherwise pass every property below without checking a single record.
 */
function tolerantCounter() {
  const counts = {tried: 0, parsed: 0};
  return {
    tolerant<T>(parse: () => T): T | null {
      counts.tried++;
      try {
        const value = parse();
        counts.parsed++;
        return value;
      } catch (error) {
        if (error instanceof InputError) return null;
        throw error;
      }
    },
    expectParsedShare(min: number) {
      expect(counts.tried).toBeGreaterThan(0);
      expect(counts.parsed / counts.tried, `${counts.parsed} of ${counts.tried} inputs parsed`).toBeGreaterThanOrEqual(min);
    }
  };
}

const noise = fc.string({maxLength: 3000, unit: "binary"});
const noiseLine = fc.oneof(
  fc.constantFrom("", "  warnings.warn(", "ESM-2 extraction:  42%|████▏     | 34/80 [12:01<16:15, 21.21s/file]", "\x1b[2K", "Traceback (most recent call last):"),
  fc.string({maxLength: 100}).filter((s) => !/[\r\n]/.test(s) && !/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(s) && !/^\s*#/.test(s) && !/^\d/.test(s))
);

// ---------------------------------------------------------------------------------------------------
// Formatters (templates quoted in FORMATS.md §5, §6, §4.1)

const tenths = (t: number) => `${Math.floor(t / 10)}.${t % 10}`;
/** gpu_monitor.py:774-796, one row */
const metricsRow = (epochMs: number, device: number, utilTenths: number, memTenths: number, pctTenths: number, temp: number | null, mw: number | null) =>
  `${Math.floor(epochMs / 1000)}.${String(epochMs % 1000).padStart(3, "0")},${device},${tenths(utilTenths)},${tenths(memTenths)},${tenths(pctTenths)},${temp ?? ""},${mw ?? ""},inference`;
const METRICS_HEADER = ["# GPU Monitoring Log", "# Started: 2026-02-09T11:29:24.473988", "# Devices: [0]", "# Nvitop: available", "#", "# timestamp,device_id,gpu_util,mem_used_mb,mem_percent,temperature,power_draw,stage"];

// ---------------------------------------------------------------------------------------------------

describe("gpu_metrics files (parseGpuMetrics)", () => {
  const samples = (m: GpuMonitor) => m.samples.map((s) => ({...s, line: 0}));

  it("the generated file parses with samples", () => {
    expect(fullMetrics.samples.length).toBeGreaterThan(100);
  });

  it("random bytes: no crash, valid schema; nearly all parse (to no samples)", () => {
    const {tolerant, expectParsedShare} = tolerantCounter();
    fc.assert(
      fc.property(noise, (text) => {
        const m = tolerant(() => parseGpuMetrics(text, {file: "g.log"}));
        if (m) expect(GpuMonitorSchema.safeParse(m).success).toBe(true);
      }),
      {numRuns: 200}
    );
    expectParsedShare(0.9);
  });

  /** One cut of the whole file: valid, its samples whole samples of the uncut file, in order; true when it has samples. */
  function checkCut(tolerant: ReturnType<typeof tolerantCounter>["tolerant"], cut: number): boolean {
    const m = tolerant(() => parseGpuMetrics(METRICS.slice(0, cut), {file: "g.log"}));
    if (!m) return false;
    expect(GpuMonitorSchema.safeParse(m).success).toBe(true);
    expect(m.samples).toEqual(fullMetrics.samples.slice(0, m.samples.length));
    return m.samples.length > 0;
  }

  it("cut at any byte: the samples are whole samples of the uncut file, in order", () => {
    const {tolerant} = tolerantCounter();
    fc.assert(
      fc.property(fc.nat({max: METRICS.length}), (cut) => {
        checkCut(tolerant, cut);
      }),
      {numRuns: 150}
    );
  });

  it("cut at evenly spaced bytes: nearly all parse, and most keep samples to compare", () => {
    // a fixed sweep, so the shares are the file's and not the luck of fast-check's (small-biased) draw
    const {tolerant, expectParsedShare} = tolerantCounter();
    const cuts = evenCuts(METRICS.length, 400);
    const withSamples = cuts.filter((cut) => checkCut(tolerant, cut)).length;
    expectParsedShare(0.9);
    // the header is a few hundred bytes of a long file
    expect(withSamples / cuts.length, `${withSamples} of ${cuts.length} cuts had samples`).toBeGreaterThanOrEqual(0.9);
  });

  it("# comment lines inserted anywhere change no sample", () => {
    const lines = linesOf(METRICS);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({max: lines.length}), fc.string({maxLength: 60}).map((s) => `# ${s.replace(/[\r\n]/g, " ")}`)), {minLength: 1, maxLength: 10}), (inserts) => {
        const copy = [...lines];
        for (const [at, n] of [...inserts].sort((a, b) => b[0] - a[0])) copy.splice(at, 0, n);
        const m = parseGpuMetrics(copy.join("\n") + "\n", {file: "g.log"});
        expect(samples(m)).toEqual(samples(fullMetrics));
      }),
      {numRuns: 30}
    );
  });

  it("parse(format(row)) == row, power in mW read as W, empty temperature/power as null", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            epochMs: fc.integer({min: 1_600_000_000_000, max: 1_900_000_000_000}),
            device: fc.nat({max: 7}),
            util: fc.nat({max: 1000}),
            mem: fc.nat({max: 1_000_000}),
            pct: fc.nat({max: 1000}),
            temp: fc.option(fc.integer({min: 1, max: 110})),
            mw: fc.option(fc.integer({min: 1, max: 1_000_000}))
          }),
          {minLength: 1, maxLength: 20}
        ),
        (rows) => {
          const text = [...METRICS_HEADER, ...rows.map((r) => metricsRow(r.epochMs, r.device, r.util, r.mem, r.pct, r.temp, r.mw))].join("\n") + "\n";
          const m = parseGpuMetrics(text, {file: "g.log"});
          expect(m.samples.map((s) => [s.epoch, s.device, s.utilization, s.memoryMib, s.memoryPct, s.temperature, s.powerWatts, s.stage, s.line])).toEqual(
            rows.map((r, i) => [r.epochMs / 1000, r.device, r.util / 10, r.mem / 10, r.pct / 10, r.temp, r.mw === null ? null : r.mw / 1000, "inference", METRICS_HEADER.length + i + 1])
          );
        }
      ),
      {numRuns: 150}
    );
  });
});

describe("nvidia-smi samples (parseNvidiaSmiCsv)", () => {
  it("random bytes: no crash, valid schema; nearly all parse", () => {
    const {tolerant, expectParsedShare} = tolerantCounter();
    fc.assert(
      fc.property(noise, (text) => {
        const m = tolerant(() => parseNvidiaSmiCsv(text, {file: "s.csv"}));
        if (m) expect(GpuMonitorSchema.safeParse(m).success).toBe(true);
      }),
      {numRuns: 200}
    );
    expectParsedShare(0.9);
  });

  it("parse(format(row)): --format=csv,noheader,nounits rows of timestamp, index, uuid, utilization, memory, power", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({s: fc.nat({max: 86_399}), ms: fc.nat({max: 999}), index: fc.nat({max: 7}), util: fc.nat({max: 100}), mem: fc.nat({max: 200_000}), powerHundredths: fc.nat({max: 100_000})}), {minLength: 1, maxLength: 20}),
        (rows) => {
          const two = (n: number) => String(n).padStart(2, "0");
          const text =
            rows
              .map((r) => `2026/11/28 ${two(Math.floor(r.s / 3600))}:${two(Math.floor((r.s % 3600) / 60))}:${two(r.s % 60)}.${String(r.ms).padStart(3, "0")}, ${r.index}, GPU-${r.index}, ${r.util}, ${r.mem}, ${(r.powerHundredths / 100).toFixed(2)}`)
              .join("\n") + "\n";
          const m = parseNvidiaSmiCsv(text, {file: "s.csv"});
          expect(m.samples.map((s) => [s.device, s.uuid, s.utilization, s.memoryMib, s.powerWatts])).toEqual(rows.map((r) => [r.index, `GPU-${r.index}`, r.util, r.mem, r.powerHundredths / 100]));
          // one sample per row, on a clock that keeps the rows' order and spacing
          const epochs = m.samples.map((s) => s.epoch);
          rows.forEach((r, i) => expect(epochs[i]! - epochs[0]!).toBeCloseTo(r.s + r.ms / 1000 - (rows[0]!.s + rows[0]!.ms / 1000), 3));
        }
      ),
      {numRuns: 100}
    );
  });
});

describe("pipeline_state.json (parsePipelineState)", () => {
  const state = fc.record({
    created_at: fc.option(fc.constant("2026-01-22T17:32:57.123456")),
    pipeline_config: fc.record({config_hash: fc.string({maxLength: 16}), expected_length: fc.integer({min: 1, max: 10_000}), model_path: fc.constantFrom("300_model.pth", "500_model.pth", "/m/x.pth")}),
    stages: fc.dictionary(
      fc.constantFrom("CHUNKING", "TRANSLATION", "NUCLEOTIDE_FEATURES", "PROTEIN_FEATURES", "PREDICTION"),
      fc.record({
        status: fc.constantFrom("not_started", "in_progress", "completed", "failed"),
        started_at: fc.option(fc.constant("2026-01-22T17:33:00.000001")),
        completed_at: fc.option(fc.constant("2026-01-22T17:34:00.000001")),
        duration_seconds: fc.option(fc.double({min: 0, max: 1e6, noNaN: true}))
      })
    )
  });

  it("random text and random JSON: valid state or an InputError, never a crash; some JSON parses", () => {
    const {tolerant, expectParsedShare} = tolerantCounter();
    fc.assert(
      fc.property(fc.oneof(noise, fc.json()), (text) => {
        const s = tolerant(() => parsePipelineState(text, {file: "pipeline_state.json"}));
        if (s) expect(PipelineStateSchema.safeParse(s).success).toBe(true);
      }),
      {numRuns: 300}
    );
    // about 16 % (random JSON objects) are accepted as states with no stages
    expectParsedShare(0.05);
  });

  it("parse(JSON.stringify(state)) keeps model, length and every stage's status and duration", () => {
    fc.assert(
      fc.property(state, (x) => {
        const s = parsePipelineState(JSON.stringify(x, null, 2), {file: "pipeline_state.json"});
        expect([s.modelPath, s.expectedLength]).toEqual([x.pipeline_config.model_path, x.pipeline_config.expected_length]);
        expect(Object.fromEntries(s.stages.map((st) => [st.stage, [st.status, st.durationSeconds]]))).toEqual(Object.fromEntries(Object.entries(x.stages).map(([k, v]) => [k, [v.status, v.duration_seconds]])));
      }),
      {numRuns: 150}
    );
  });

  it("a truncated file is an InputError naming the file, never a partial state", () => {
    const text = JSON.stringify({created_at: "2026-01-22T17:32:57", pipeline_config: {config_hash: "x", expected_length: 300, model_path: "300_model.pth"}, stages: {CHUNKING: {status: "completed", duration_seconds: 1.5}}}, null, 2);
    fc.assert(
      fc.property(fc.integer({min: 1, max: text.length - 2}), (cut) => {
        expect(() => parsePipelineState(text.slice(0, cut), {file: "pipeline_state.json"})).toThrow(/pipeline_state\.json/);
      }),
      {numRuns: 60}
    );
  });
});
