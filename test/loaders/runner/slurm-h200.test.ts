/**
 * What the generated SLURM job script wrote on a real NVIDIA H200 (test/fixtures/slurm-h200,
 * PROVENANCE.md): the manifest is valid as written by bash, and ingest reads real utilization from it.
 */
import {cp, readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {afterAll, describe, expect, it} from "vitest";
import {openDatabase} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {buildReport} from "../../../engine/report/report.ts";
import {readManifest} from "../../../loaders/runner/manifest.ts";
import {removeTempDirs, tempDir} from "./helpers.ts";

afterAll(removeTempDirs);

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/slurm-h200");

async function copy(): Promise<string> {
  const dir = await tempDir("benchbook-h200-");
  await cp(FIXTURE, dir, {recursive: true});
  return dir;
}

describe("SLURM job script output from a real H200", () => {
  it("the bash-written manifest is a valid run manifest with the node's facts", async () => {
    const m = await readManifest(path.join(FIXTURE, "runs/h200_1gpu/run.json"));
    expect(m).toMatchObject({status: "succeeded", exit_code: 0, signal: null, gpus: 1, cuda_visible_devices: "0", killed: false});
    expect(m.nvidia).toMatchObject({driver_version: "580.159.04", cuda_version: "13.0", error: null});
    expect(m.nvidia!.gpus).toEqual([expect.objectContaining({index: 0, name: "NVIDIA H200", memory_total_mib: 143771})]);
    expect(m.slurm).toMatchObject({job_id: "900001", gpus: "0", sampled_gpus: "0"});
    expect(m.python!.version).toMatch(/^3\.\d+/);
    expect(m.wall_seconds).toBeCloseTo(63.6, 0);
    const rows = (await readFile(path.join(FIXTURE, "runs/h200_1gpu/gpu_samples.csv"), "utf8")).trim().split("\n");
    expect(m.gpu_samples!.rows).toBe(rows.length);
  });

  it("ingests with real utilization: ESM-2 stage near 100 %, total from the pipeline summary", async () => {
    const dir = await copy();
    const result = await ingestStudy(path.join(dir, "study.yaml"));
    expect(result.findings.filter((f) => f.severity === "error")).toEqual([]);
    const db = await openDatabase(result.dbFile, {readOnly: true});
    try {
      const report = await buildReport(db.connection, {criteria: result.study.criteria});
      const run = report.runs.find((r) => r.id === "h200_1gpu")!;
      expect(run.total_seconds).toBeCloseTo(60.1, 1);
      const util = report.criteria.find((c) => c.id === "gpu_utilization")!;
      expect(util.status).toBe("pass");
      expect(util.value).toBeGreaterThan(0.95); // a fraction: 99.8 % over 36 samples
      expect(util.value).toBeLessThanOrEqual(1);
    } finally {
      db.close();
    }
  });

  it("a manifest cut short by a node crash is refused with its file name, never read as a result", async () => {
    const dir = await copy();
    const file = path.join(dir, "runs/h200_1gpu/run.json");
    const text = await readFile(file, "utf8");
    await writeFile(file, text.slice(0, Math.floor(text.length / 2)));
    await expect(readManifest(file)).rejects.toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot read the run manifest`));
  });
});
