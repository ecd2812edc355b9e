/**
 * Every artifact the adapter opens obeys the inside-the-study rule: a relative path whose real location
 * (after symlinks, on the file or on any folder on the way) leaves the study folder is refused, and not
 * one byte of the file behind it reaches the findings, the artifacts table or the report.
 */
import {mkdir, readFile, rm, symlink, writeFile} from "node:fs/promises";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {openDatabase, queryRows} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {useTmp} from "../../helpers/tmp.ts";
import {copyExample} from "../../engine/archive/helpers.ts";

const tmp = useTmp();
const SECRET = "root:x:0:0:secret-of-the-host:/root:/bin/bash\n";

describe("symlinked artifacts", () => {
  it("gpu_samples, pipeline_state.json, the gpu_metrics folder and the worker log folder pointing outside are refused", async () => {
    const base = await tmp();
    const outside = path.join(base, "outside");
    await mkdir(outside);
    await writeFile(path.join(outside, "gpu_metrics_20260209_000000.log"), SECRET);
    await writeFile(path.join(outside, "worker_0.log"), SECRET);
    const study = await copyExample(path.join(base, "study"), (t) => t.replace("    worker_logs: runs/1gpu/out/esm_v2/logs\n", "    worker_logs: runs/1gpu/out/esm_v2/logs\n    gpu_samples: runs/1gpu/samples.csv\n").replace("    worker_logs: runs/2gpu/out/esm_v2/logs\n", ""));
    const dir = path.dirname(study);
    await symlink("/etc/passwd", path.join(dir, "runs", "1gpu", "samples.csv"));
    const state = path.join(dir, "runs", "2gpu", "out", ".checkpoints", "pipeline_state.json");
    await rm(state);
    await symlink("/etc/passwd", state);
    await rm(path.join(dir, "runs", "2gpu", "logs"), {recursive: true});
    await symlink(outside, path.join(dir, "runs", "2gpu", "logs"));
    await rm(path.join(dir, "runs", "1gpu", "out", "esm_v2", "logs"), {recursive: true});
    await symlink(outside, path.join(dir, "runs", "1gpu", "out", "esm_v2", "logs"));
    // run 2gpu finds its worker logs below its outputs folder: that link is refused through 'outputs'
    await rm(path.join(dir, "runs", "2gpu", "out", "esm_v2", "logs"), {recursive: true});
    await symlink(outside, path.join(dir, "runs", "2gpu", "out", "esm_v2", "logs"));

    const dbFile = path.join(base, "db.duckdb");
    const {findings} = await ingestStudy(study, {dbFile});
    const refused = findings.filter((f) => /outside the study folder/.test(f.message)).map((f) => `${f.run_id} ${f.message.split(":")[0]}: ${/(runs\.\w+\.\w+): '/.exec(f.message)?.[1]}`);
    expect(refused.sort()).toEqual(
      [
        "1gpu gpu_samples: runs.1gpu.gpu_samples",
        "1gpu worker_log: runs.1gpu.worker_logs",
        "2gpu gpu_samples: runs.2gpu.gpu_metrics",
        "2gpu pipeline_state: runs.2gpu.outputs",
        "2gpu worker_log: runs.2gpu.outputs"
      ].sort()
    );
    const db = await openDatabase(dbFile, {readOnly: true});
    try {
      const artifacts = await queryRows<{path: string}>(db.connection, "SELECT path FROM artifacts");
      expect(artifacts.map((a) => a.path).filter((p) => p.includes("passwd") || p.startsWith(outside) || /samples\.csv|pipeline_state|gpu_metrics_2026020|worker_0/.test(p) && !p.startsWith(dir))).toEqual([]);
      const everything = JSON.stringify(await queryRows(db.connection, "SELECT * FROM findings"));
      expect(everything).not.toContain("root:x:0");
      expect(everything).not.toContain("secret-of-the-host");
    } finally {
      db.close();
    }
    expect(JSON.stringify(findings)).not.toContain("root:x");
    expect(await readFile("/etc/passwd", "utf8")).toContain("root:"); // the link target is real
  }, 60_000);
});
