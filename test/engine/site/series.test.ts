import {mkdtemp, rm} from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openDatabase, type Database} from "../../../engine/db/duckdb.ts";
import {SCHEMA_SQL} from "../../../engine/db/schema.ts";
import {insertRows} from "../../../engine/db/writer.ts";
import {profileRows} from "../../../engine/ingest/adapter.ts";
import {virnucpro} from "../../../loaders/virnucpro/adapter.ts";
import {installViews} from "../../../engine/metrics/views.ts";
import {
  allMismatches,
  cumulativeSequences,
  gpuUtilizationSeries,
  ioMarks,
  packingBatches,
  stageWindows,
  topMismatches,
  utilizationHistogram
} from "../../../engine/metrics/series.ts";

// A tiny hand-written database: one run starting at 10:00:00, an ESM-2 stage from +60 s to +100 s,
// utilisation samples every second from two monitors on device 0.
let dir: string;
let db: Database;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "bb-series-"));
  db = await openDatabase(path.join(dir, "s.duckdb"));
  const c = db.connection;
  await c.run(SCHEMA_SQL);
  await insertRows(c, "pipeline_profile", profileRows(virnucpro));
  await c.run(`INSERT INTO releases VALUES ('v1', 't', 'virnucpro', 's.yaml', NULL, NULL, 'ref', 0.01)`);
  await c.run(`INSERT INTO runs (run_id, ord, role, gpus, status, first_at) VALUES
    ('r1', 1, 'run', 1, 'complete', TIMESTAMP '2026-01-01 10:00:00'),
    ('reference', 0, 'reference', NULL, 'no_log', NULL)`);
  await c.run(`INSERT INTO stages (run_id, stage, ord, seconds, skipped, is_gpu, started_at, ended_at) VALUES
    ('r1', 'ESM-2 Feature Extraction', 6, 40, false, true, TIMESTAMP '2026-01-01 10:01:00', TIMESTAMP '2026-01-01 10:01:40'),
    ('r1', 'Consensus Scoring', 9, NULL, true, false, NULL, NULL)`);
  // utilisation: 50 % for t in [60, 70), 90 % for t in [70, 80), from monitor a; monitor b always 100 %
  await c.run(`INSERT INTO gpu_samples (run_id, monitor, sampled_at, epoch, device, utilization)
    SELECT 'r1', 'a', TIMESTAMP '2026-01-01 10:00:00' + to_seconds(i), i, 0, CASE WHEN i < 70 THEN 50 ELSE 90 END FROM range(60, 80) t(i)
    UNION ALL SELECT 'r1', 'b', TIMESTAMP '2026-01-01 10:00:00' + to_seconds(i), i, 0, 100 FROM range(60, 62) t(i)`);
  // monitor b also records memory and power: 1024 + 3072 MiB and 250 + 350 W average to 2048 MiB and 300 W
  await c.run(`UPDATE gpu_samples SET memory_mib = CASE WHEN epoch = 60 THEN 1024 ELSE 3072 END, power_watts = CASE WHEN epoch = 60 THEN 250 ELSE 350 END WHERE monitor = 'b'`);
  await c.run(`INSERT INTO workers (run_id, worker, token_budget) VALUES ('r1', 0, 1000)`);
  await c.run(`INSERT INTO batches (run_id, worker, batch, kind, logged_at, tokens, sequences, done, total)
    SELECT 'r1', 0, i * 10, 'dataloader', NULL, 900, 3, NULL, NULL FROM range(0, 100) t(i)
    UNION ALL SELECT 'r1', 0, i, 'progress', TIMESTAMP '2026-01-01 10:01:00' + to_seconds(i), NULL, NULL, 3000000000 + i, 3000000100 FROM range(0, 3) t(i)`);
  await c.run(`INSERT INTO io_warnings VALUES ('r1', 0, TIMESTAMP '2026-01-01 10:01:15', 'Mild', 62.5, 'w.log', 7)`);
  await c.run(`INSERT INTO predictions_consensus VALUES
    ('reference', '<b>x</b>', true, 0.1, 0.9), ('r1', '<b>x</b>', false, 0.6, 0.4),
    ('reference', 'same', false, 0.9, 0.1), ('r1', 'same', false, 0.9, 0.1),
    ('reference', 'drift', false, 0.8, 0.2), ('r1', 'drift', false, 0.7, 0.3)`);
  await installViews(c);
});

afterAll(async () => {
  db.close();
  await rm(dir, {recursive: true, force: true});
});

describe("series", () => {
  it("bins GPU samples per device and monitor on seconds since the run's first line", async () => {
    const bins = await gpuUtilizationSeries(db.connection, {binSeconds: 10});
    expect(bins).toEqual([
      {run: "r1", device: 0, monitor: 1, t: 60, samples: 10, mean: 0.5, min: 0.5, max: 0.5, memory_mib: null, power_watts: null},
      {run: "r1", device: 0, monitor: 1, t: 70, samples: 10, mean: 0.9, min: 0.9, max: 0.9, memory_mib: null, power_watts: null},
      {run: "r1", device: 0, monitor: 2, t: 60, samples: 2, mean: 1, min: 1, max: 1, memory_mib: 2048, power_watts: 300}
    ]);
  });

  it("gives stage windows as offsets and leaves skipped stages out", async () => {
    expect(await stageWindows(db.connection)).toEqual([{run: "r1", stage: "ESM-2 Feature Extraction", ord: 6, is_gpu: true, start: 60, end: 100}]);
  });

  it("histograms in-window utilisation in 5 % bins, 100 % in the top bin", async () => {
    const h = await utilizationHistogram(db.connection);
    expect(h).toEqual([
      {run: "r1", bin_lo: 0.5, bin_hi: 0.55, samples: 10},
      {run: "r1", bin_lo: 0.9, bin_hi: 0.95, samples: 10},
      {run: "r1", bin_lo: 0.95, bin_hi: 1, samples: 2}
    ]);
  });

  it("places I/O-bottleneck lines on the run clock", async () => {
    expect(await ioMarks(db.connection)).toEqual([{run: "r1", worker: 0, severity: "mild", t: 75, utilization: 0.625}]);
  });

  it("thins per-batch packing to a bounded number of points and divides by the real budget", async () => {
    const all = await packingBatches(db.connection, {maxPerRun: 1000});
    expect(all).toHaveLength(100);
    expect(all[0]).toMatchObject({batch: 0, tokens: 900, token_budget: 1000, efficiency: 0.9, batches_logged: 100});
    const thinned = await packingBatches(db.connection, {maxPerRun: 25});
    expect(thinned).toHaveLength(25);
    expect(thinned.map((b) => b.batch).slice(0, 3)).toEqual([0, 40, 80]);
  });

  it("returns cumulative sequence counts as numbers, also beyond 32 bits", async () => {
    const points = await cumulativeSequences(db.connection);
    expect(points.map((p) => [p.t, p.done, p.total])).toEqual([
      [60, 3000000000, 3000000100],
      [61, 3000000001, 3000000100],
      [62, 3000000002, 3000000100]
    ]);
  });

  it("ships mismatches from the report's view, label mismatches first, capped per run and level", async () => {
    const all = await allMismatches(db.connection);
    expect(all.map((m) => [m.id, m.rank, m.label_mismatch])).toEqual([
      ["<b>x</b>", 1, true],
      ["drift", 2, false]
    ]);
    expect(all[0]).toMatchObject({run: "r1", level: "consensus", reference_label: "virus", run_label: "others", reference_virus: 0.9, run_virus: 0.4});
    const top = await topMismatches(db.connection, {limit: 1});
    expect(top.map((m) => m.id)).toEqual(["<b>x</b>"]);
  });
});
