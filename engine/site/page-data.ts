/**
 * What each data file of the site holds (src/data/*): the page shapes of pages.ts filled from the Report
 * and the series queries. buildSite computes every file in one process, with one database connection
 * and the Report computed once (computePageData), and the loaders only copy them; `benchbook dev` has
 * no precomputed files, so its loaders compute their one file each (writePageFile).
 */
import {writeFile} from "node:fs/promises";
import path from "node:path";
import type {DuckDBConnection} from "@duckdb/node-api";
import type {Report} from "../report/types.ts";
import {amdahlCurve, copyAllMismatches, cumulativeSequences, gpuUtilizationSeries, ioMarks, packingBatches, stageWindows, topMismatches, utilizationHistogram} from "../metrics/series.ts";
import {correctnessPage, gpuPage, overviewPage, runsPage, timingPage} from "./pages.ts";

/** Worst mismatching rows per run and level shipped with the Correctness page (the rest: the download). */
export const MISMATCH_PAGE_LIMIT = 500;
const GPU_BIN_SECONDS = 10;

type JsonFile = (report: Report, connection: DuckDBConnection) => Promise<unknown>;

const JSON_FILES: Record<string, JsonFile> = {
  "overview.json": async (report) => overviewPage(report),
  "timing.json": async (report, connection) => timingPage(report, await amdahlCurve(connection)),
  "runs.json": async (report) => runsPage(report),
  "correctness.json": async (report, connection) => correctnessPage(report, await topMismatches(connection, {limit: MISMATCH_PAGE_LIMIT}), MISMATCH_PAGE_LIMIT),
  "gpu.json": async (report, connection) =>
    gpuPage(
      report,
      {
        utilization: await gpuUtilizationSeries(connection, {binSeconds: GPU_BIN_SECONDS}),
        windows: await stageWindows(connection),
        histogram: await utilizationHistogram(connection),
        io_marks: await ioMarks(connection),
        packing_batches: await packingBatches(connection),
        cumulative: await cumulativeSequences(connection)
      },
      GPU_BIN_SECONDS
    )
};

/** The Parquet download of every mismatching row. */
const MISMATCHES_FILE = "mismatches.parquet";

export const PAGE_FILES = [...Object.keys(JSON_FILES), MISMATCHES_FILE];

/** Non-finite numbers cannot appear in JSON: they become null, like missing data. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v));
}

/** Write one data file into `dir`; the connection has the metric views installed. */
export async function writePageFile(name: string, report: Report, connection: DuckDBConnection, dir: string): Promise<string> {
  const file = path.join(dir, name);
  if (name === MISMATCHES_FILE) await copyAllMismatches(connection, file);
  else if (JSON_FILES[name]) await writeFile(file, jsonText(await JSON_FILES[name](report, connection)));
  else throw new Error(`no site data file ${name} (known: ${PAGE_FILES.join(", ")})`);
  return file;
}

export async function computePageData(report: Report, connection: DuckDBConnection, dir: string): Promise<void> {
  for (const name of PAGE_FILES) await writePageFile(name, report, connection, dir);
}
