/**
 * Property tests of the ESM-2 worker-log parser (worker-log.ts): random noise, truncation at any byte and
 * inserted noise never crash it and never yield a record that violates its zod schema; a truncated log
 * yields only values the whole log has; parse(format(x)) == x for the line templates (formatters written
 * here from FORMATS.md §5-§6).
 */
import fc from "fast-check";
import {describe, expect, it} from "vitest";
import {parseWorkerLog} from "../../../../loaders/virnucpro/worker-log.ts";
import {WorkerLogSchema, type WorkerLog} from "../../../../loaders/virnucpro/records.ts";
import {InputError} from "../../../../engine/errors.ts";
import {linesOf, workerLogsOf} from "../../../corpus/corpus.ts";
import {evenCuts} from "../../../helpers/cuts.ts";

const WORKER = workerLogsOf("2gpu")[1]!;
const fullWorker = parseWorkerLog(WORKER, 1, {file: "worker_1.log"});

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
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const W = (rank: number, logger: string, message: string, ms = 123) => `2026-02-09 11:29:08,${String(ms).padStart(3, "0")} - Worker ${rank} - ${logger} - INFO - ${message}`;
const init = (rank: number) => W(rank, "root", `Worker ${rank} logging initialized: /tmp/out/esm_v2/logs/worker_${rank}.log`, 0);

/** async_inference.py:849-853 */
const asyncComplete = (n: number, spsTenths: number, tps: number) => `Async inference complete: ${n} sequences, ${tenths(spsTenths)} seq/s, ${tps} tokens/s`;
/** gpu_monitor.py:358-363 */
const dataloaderLine = (batch: number, waitTenths: number, seqs: number, tokens: number, state: string) => `Batch ${batch}: wait=${tenths(waitTenths)}ms, seqs=${seqs}, tokens=${tokens}, queue_state=${state}`;
/** async_inference.py:764-770, dataset length known */
const progressLine = (batch: number, done: number, total: number, effTenthsPct: number, tps: number, spsTenths: number) =>
  `Batch ${batch}: ${done}/${total} (${((done / total) * 100).toFixed(1)}%) | ${tenths(effTenthsPct)}% pack eff, ${thousands(tps)} tok/s, ${tenths(spsTenths)} seq/s, ETA: 12.5m`;
/** packing.py:348-351 */
const tokenBudget = (b: number) => `Token budget: ${b} (GPU 0: 24.0GB total, 17.0GB available for batching)`;

// ---------------------------------------------------------------------------------------------------

describe("worker logs (parseWorkerLog)", () => {
  it("the generated log parses with figures", () => {
    expect(fullWorker.sequences).toBe(397_288);
    expect(fullWorker.batches.length).toBeGreaterThan(10);
  });

  it("random bytes: no crash, valid schema; nearly all parse (to no figures)", () => {
    const {tolerant, expectParsedShare} = tolerantCounter();
    fc.assert(
      fc.property(noise, fc.nat({max: 7}), (text, rank) => {
        const log = tolerant(() => parseWorkerLog(text, rank, {file: "w.log"}));
        if (log) expect(WorkerLogSchema.safeParse(log).success).toBe(true);
      }),
      {numRuns: 200}
    );
    expectParsedShare(0.9);
  });

  /** One cut of the whole log: a valid record whose every known figure is the whole log's; true when it compared batches. */
  function checkCut(tolerant: ReturnType<typeof tolerantCounter>["tolerant"], cut: number): boolean {
    const log = tolerant(() => parseWorkerLog(WORKER.slice(0, cut), 1, {file: "w.log"}));
    if (!log) return false;
    expect(WorkerLogSchema.safeParse(log).success).toBe(true);
    for (const key of ["sequences", "seqPerSec", "tokensPerSec", "tokenBudget", "avgWaitMs", "maxWaitMs", "assignedSequences", "assignedTokens", "deviceName", "startedAt"] as const) {
      if (log[key] !== null) expect(log[key], key).toEqual(fullWorker[key]);
    }
    for (const b of log.batches) expect(fullWorker.batches).toContainEqual(b);
    return log.tokenBudget !== null && log.batches.length > 0;
  }

  it("cut at any byte: valid, and every known final figure equals the whole log's", () => {
    const {tolerant} = tolerantCounter();
    fc.assert(
      fc.property(fc.nat({max: WORKER.length}), (cut) => {
        checkCut(tolerant, cut);
      }),
      // the whole log and a cut just before its last line always take part
      {numRuns: 150, examples: [[WORKER.length], [WORKER.lastIndexOf("\n", WORKER.length - 2) + 1]]}
    );
  });

  it("cut at evenly spaced bytes: nearly all parse, and most keep the token budget and batches to compare", () => {
    // a fixed sweep, so the shares below are the log's and not the luck of the draw (fast-check favours
    // small numbers, and counting over its cuts once fell short by chance)
    const {tolerant, expectParsedShare} = tolerantCounter();
    const cuts = evenCuts(WORKER.length, 400);
    const compared = cuts.filter((cut) => checkCut(tolerant, cut)).length;
    expectParsedShare(0.9);
    // the token budget is logged near the top: about nine cuts in ten keep it and some batches
    expect(compared / cuts.length, `${compared} of ${cuts.length} cuts compared batches`).toBeGreaterThanOrEqual(0.8);
  });

  it("noise lines inserted anywhere change no figure", () => {
    const lines = linesOf(WORKER);
    const figures = (l: WorkerLog) => ({...l, firstLine: 0, batches: l.batches.map((b) => ({...b, line: 0})), ioWarnings: l.ioWarnings.map((w) => ({...w, line: 0})), findings: l.findings.map((f) => f.code)});
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({max: lines.length - 1}), noiseLine), {minLength: 1, maxLength: 20}), (inserts) => {
        const copy = [...lines];
        for (const [at, n] of [...inserts].sort((a, b) => b[0] - a[0])) copy.splice(at + 1, 0, n);
        expect(figures(parseWorkerLog(copy.join("\n") + "\n", 1, {file: "w.log"}))).toEqual(figures(fullWorker));
      }),
      {numRuns: 30}
    );
  });

  it("parse(format(x)) == x: Async inference complete, DataLoader and progress batch lines, token budget", () => {
    fc.assert(
      fc.property(
        fc.record({
          rank: fc.nat({max: 7}),
          n: fc.nat({max: 10_000_000}),
          sps: fc.nat({max: 100_000}),
          tps: fc.nat({max: 10_000_000}),
          batch: fc.nat({max: 100_000}),
          wait: fc.nat({max: 100_000}),
          seqs: fc.nat({max: 5000}),
          tokens: fc.nat({max: 100_000}),
          state: fc.constantFrom("full", "normal", "starved"),
          total: fc.integer({min: 1, max: 10_000_000}),
          eff: fc.nat({max: 9999}),
          budget: fc.integer({min: 1024, max: 16384})
        }),
        (x) => {
          const done = Math.min(x.n, x.total);
          const text = [
            init(x.rank),
            W(x.rank, "virnucpro.data.packing", tokenBudget(x.budget)),
            W(x.rank, "virnucpro.utils.gpu_monitor", dataloaderLine(x.batch, x.wait, x.seqs, x.tokens, x.state)),
            W(x.rank, "virnucpro.pipeline.async_inference", progressLine(x.batch, done, x.total, x.eff, x.tps, x.sps)),
            W(x.rank, "virnucpro.pipeline.async_inference", asyncComplete(x.n, x.sps, x.tps))
          ].join("\n");
          const log = parseWorkerLog(text + "\n", x.rank, {file: "w.log"});
          expect([log.sequences, log.seqPerSec, log.tokensPerSec, log.tokenBudget]).toEqual([x.n, x.sps / 10, x.tps, x.budget]);
          const dl = log.batches.find((b) => b.kind === "dataloader")!;
          expect([dl.batch, dl.waitMs, dl.sequences, dl.tokens, dl.queueState]).toEqual([x.batch, x.wait / 10, x.seqs, x.tokens, x.state]);
          const pr = log.batches.find((b) => b.kind === "progress")!;
          expect([pr.batch, pr.done, pr.total, pr.tokensPerSec, pr.seqPerSec]).toEqual([x.batch, done, x.total, x.tps, x.sps / 10]);
          expect(pr.loggedPackEff).toBeCloseTo(x.eff / 1000, 10);
        }
      ),
      {numRuns: 150}
    );
  });
});

