/**
 * Executions recorded by `benchbook run`, in DuckDB: one row per execution of a run (repeat k of N),
 * read back from the run.json manifests (layout.ts), and the per-configuration statistics over them.
 *
 * Only `succeeded` executions with a pipeline total enter the statistics; the others are counted, never
 * averaged in. Medians and quartiles are SQL (`quantile_cont`, the same interpolation as stats.ts); the
 * bootstrap interval of speedup/efficiency is computed in TypeScript (stats.ts) from the same rows,
 * because a seeded resampling must not depend on how DuckDB parallelises `random()`.
 */
import {readdir} from "node:fs/promises";
import path from "node:path";
import type {DuckDBConnection} from "@duckdb/node-api";
import {exists} from "../artifacts.ts";
import {queryRows} from "../db/duckdb.ts";
import {insertRows} from "../db/writer.ts";
import type {Study} from "../study.ts";
import {runPaths} from "../../loaders/runner/layout.ts";
import {readManifest, type RunManifest} from "../../loaders/runner/manifest.ts";
import {bootstrapScaling, DEFAULT_BOOTSTRAP, type Interval} from "../metrics/stats.ts";

export const EXECUTIONS_SQL = `
-- One row per execution by \`benchbook run\` (repeat k of repeats). total_seconds: the pipeline
-- summary's 'Total wall time' (NULL without a summary); wall_seconds: process start to exit.
CREATE TABLE executions (
  run_id VARCHAR NOT NULL,
  ord INTEGER NOT NULL,              -- the run's place in the study (ties of GPU counts go to the earlier run)
  repeat INTEGER NOT NULL,
  repeats INTEGER NOT NULL,
  gpus INTEGER NOT NULL,
  status VARCHAR NOT NULL,           -- succeeded | failed | timed_out | interrupted | running (benchbook died)
  reason VARCHAR,
  exit_code INTEGER,
  signal VARCHAR,
  started_at TIMESTAMPTZ,
  ended_at TIMESTAMPTZ,
  total_seconds DOUBLE,
  wall_seconds DOUBLE,
  representative BOOLEAN NOT NULL,   -- its files are the ones at the study's paths
  manifest_file VARCHAR NOT NULL,
  manifest JSON NOT NULL,
  PRIMARY KEY (run_id, repeat)
);
`;

/** Per run: counts by status and the spread of the succeeded executions' pipeline totals. */
export const EXECUTION_STATS_SQL = `
CREATE OR REPLACE VIEW execution_stats AS
SELECT
  run_id,
  min(ord) AS ord,
  any_value(gpus) AS gpus,
  count(*)::INTEGER AS executions,
  count(*) FILTER (WHERE status = 'succeeded')::INTEGER AS succeeded,
  count(*) FILTER (WHERE status <> 'succeeded')::INTEGER AS not_succeeded,
  count(total_seconds) FILTER (WHERE status = 'succeeded')::INTEGER AS n,
  quantile_cont(total_seconds, 0.5) FILTER (WHERE status = 'succeeded') AS median_seconds,
  min(total_seconds) FILTER (WHERE status = 'succeeded') AS min_seconds,
  max(total_seconds) FILTER (WHERE status = 'succeeded') AS max_seconds,
  quantile_cont(total_seconds, 0.25) FILTER (WHERE status = 'succeeded') AS q1_seconds,
  quantile_cont(total_seconds, 0.75) FILTER (WHERE status = 'succeeded') AS q3_seconds,
  quantile_cont(total_seconds, 0.75) FILTER (WHERE status = 'succeeded')
    - quantile_cont(total_seconds, 0.25) FILTER (WHERE status = 'succeeded') AS iqr_seconds
FROM executions
GROUP BY run_id;

-- Scaling over repeats: from the fewest-GPU configuration (earliest run on ties, as v_scaling) to each
-- one with more GPUs, the ratio of median totals. The bootstrap interval around it is stats.ts's.
CREATE OR REPLACE VIEW execution_scaling AS
WITH c AS (SELECT * FROM execution_stats),
base AS (SELECT * FROM c ORDER BY gpus, ord LIMIT 1),
p AS (
  SELECT b.run_id AS from_run, t.run_id AS to_run, b.gpus AS from_gpus, t.gpus AS to_gpus, t.ord AS to_ord,
    t.gpus::DOUBLE / b.gpus AS n,
    CASE WHEN t.median_seconds > 0 THEN b.median_seconds / t.median_seconds END AS speedup
  FROM base b JOIN c t ON t.gpus > b.gpus
)
SELECT from_run, to_run, from_gpus, to_gpus, n, speedup, speedup / n AS efficiency
FROM p ORDER BY to_gpus, to_ord;
`;

export interface ExecutionRow {
  run_id: string;
  ord: number;
  repeat: number;
  repeats: number;
  gpus: number;
  status: RunManifest["status"];
  reason: string | null;
  exit_code: number | null;
  signal: string | null;
  started_at: string | null;
  ended_at: string | null;
  total_seconds: number | null;
  wall_seconds: number | null;
  representative: boolean;
  manifest_file: string;
  manifest: RunManifest;
}

/**
 * Every execution manifest of the study's runs: `<run folder>/executions/<k>/run.json` when repeats ran,
 * else `<run folder>/run.json`. Runs never executed have neither and contribute no rows.
 */
export async function readExecutions(study: Study): Promise<ExecutionRow[]> {
  const rows: ExecutionRow[] = [];
  for (const [index, run] of study.runs.entries()) {
    const paths = runPaths(study, run);
    const files: string[] = [];
    if (await exists(paths.executions)) {
      const entries = await readdir(paths.executions, {withFileTypes: true});
      for (const e of entries) {
        const file = path.join(paths.executions, e.name, "run.json");
        if (e.isDirectory() && /^\d+$/.test(e.name) && (await exists(file))) files.push(file);
      }
    }
    if (files.length === 0 && (await exists(paths.manifest))) files.push(paths.manifest);
    const representative = files.length > 1 && (await exists(paths.manifest)) ? (await readManifest(paths.manifest)).representative_of?.repeat : undefined;
    for (const file of files) {
      const m = await readManifest(file);
      rows.push({
        run_id: run.id,
        ord: index + 1,
        repeat: m.repeat,
        repeats: m.repeats,
        gpus: m.gpus,
        status: m.status,
        reason: m.reason,
        exit_code: m.exit_code,
        signal: m.signal,
        started_at: m.started_at,
        ended_at: m.ended_at,
        total_seconds: m.total_seconds,
        wall_seconds: m.wall_seconds,
        representative: files.length === 1 || representative === m.repeat,
        manifest_file: file,
        manifest: m
      });
    }
  }
  return rows.sort((a, b) => a.repeat - b.repeat || a.run_id.localeCompare(b.run_id));
}

/**
 * How `benchbook run` ended the execution whose files are at the study's paths overrides what the log
 * alone suggests: a log cut by a timeout reads as 'incomplete' with an unknown outcome, but the runner
 * knows it stopped it. A manifest still saying `running` means benchbook itself died mid-run.
 */
export const RUN_OUTCOME_SQL = `
UPDATE runs SET
  status = CASE e.status WHEN 'running' THEN 'interrupted' ELSE e.status END,
  status_reason = CASE WHEN e.status = 'running'
    THEN 'benchbook stopped before the execution ended (its run.json still says running)'
    ELSE coalesce(e.reason, e.status) END
FROM executions e
WHERE e.run_id = runs.run_id AND e.representative AND runs.role = 'run' AND e.status <> 'succeeded'`;

/** Create the table and view (when missing) and insert the study's executions; returns the row count. */
export async function ingestExecutions(connection: DuckDBConnection, study: Study): Promise<number> {
  const [{n}] = await queryRows<{n: number}>(connection, "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'executions'");
  if (!n) await connection.run(EXECUTIONS_SQL);
  await connection.run(EXECUTION_STATS_SQL);
  const rows = await readExecutions(study);
  await insertRows(connection, "executions", rows as unknown as Record<string, unknown>[]);
  const [{runs}] = await queryRows<{runs: number}>(connection, "SELECT count(*)::INTEGER AS runs FROM information_schema.tables WHERE table_name = 'runs'");
  if (runs) await connection.run(RUN_OUTCOME_SQL);
  return rows.length;
}

export interface ConfigurationStats {
  run_id: string;
  gpus: number;
  executions: number;
  succeeded: number;
  not_succeeded: number;
  /** succeeded executions with a pipeline total */
  n: number;
  median_seconds: number | null;
  min_seconds: number | null;
  max_seconds: number | null;
  q1_seconds: number | null;
  q3_seconds: number | null;
  iqr_seconds: number | null;
}

export interface ScalingInterval {
  from: string;
  to: string;
  from_gpus: number;
  to_gpus: number;
  n_from: number;
  n_to: number;
  /** ratio of medians; null when either side has no succeeded execution */
  speedup: number | null;
  efficiency: number | null;
  /** null with fewer than two succeeded executions on a side */
  speedup_interval: Interval | null;
  efficiency_interval: Interval | null;
  level: number;
  iterations: number;
  seed: number;
}

/**
 * Statistics for a study run with repeats: spread per configuration (SQL), and for the fewest-GPU run
 * against every run with more GPUs the ratio of medians with its seeded bootstrap interval.
 */
export async function repeatStatistics(
  connection: DuckDBConnection,
  options: Partial<typeof DEFAULT_BOOTSTRAP> = {}
): Promise<{configurations: ConfigurationStats[]; scaling: ScalingInterval[]}> {
  const configurations = await queryRows<ConfigurationStats>(connection, "SELECT * EXCLUDE (ord) FROM execution_stats ORDER BY gpus, ord");
  const samples = await queryRows<{run_id: string; totals: number[]}>(
    connection,
    `SELECT run_id, list(total_seconds ORDER BY repeat) AS totals
     FROM executions WHERE status = 'succeeded' AND total_seconds IS NOT NULL GROUP BY run_id`
  );
  const totals = new Map(samples.map((s) => [s.run_id, s.totals.map(Number)]));
  const settings = {...DEFAULT_BOOTSTRAP, ...options};
  const pairs = await queryRows<{from_run: string; to_run: string; from_gpus: number; to_gpus: number; n: number; speedup: number | null; efficiency: number | null}>(
    connection,
    "SELECT * FROM execution_scaling"
  );
  const scaling = pairs.map((p): ScalingInterval => {
    const a = totals.get(p.from_run) ?? [];
    const b = totals.get(p.to_run) ?? [];
    const estimate = bootstrapScaling(a, b, p.n, settings);
    return {
      from: p.from_run,
      to: p.to_run,
      from_gpus: p.from_gpus,
      to_gpus: p.to_gpus,
      n_from: a.length,
      n_to: b.length,
      speedup: p.speedup,
      efficiency: p.efficiency,
      speedup_interval: estimate?.speedup_interval ?? null,
      efficiency_interval: estimate?.efficiency_interval ?? null,
      level: settings.level,
      iterations: settings.iterations,
      seed: settings.seed
    };
  });
  return {configurations, scaling};
}
