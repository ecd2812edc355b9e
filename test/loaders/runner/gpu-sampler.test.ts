import {chmod, readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {findExecutable, samplerArgs, startGpuSampler} from "../../../loaders/runner/gpu-sampler.ts";
import {parseInventory} from "../../../loaders/runner/manifest.ts";
import {fakeNvidiaSmiDir, removeTempDirs, tempDir} from "./helpers.ts";

afterAll(removeTempDirs);

describe("GPU sampler", () => {
  it("asks nvidia-smi for the sample fields of every GPU at the interval", () => {
    expect(samplerArgs(1000)).toEqual(["--query-gpu=timestamp,index,uuid,utilization.gpu,memory.used,power.draw", "--format=csv,noheader,nounits", "-lms", "1000"]);
  });

  it("records rows until stopped", async () => {
    const dir = await tempDir("benchbook-smi-");
    const bin = await fakeNvidiaSmiDir(dir);
    const nvidiaSmi = (await findExecutable("nvidia-smi", `/nonexistent${path.delimiter}${bin}`))!;
    expect(nvidiaSmi).toBe(path.join(bin, "nvidia-smi"));
    const sampler = await startGpuSampler({nvidiaSmi, file: path.join(dir, "s/samples.csv"), env: {...process.env, FAKE_NVIDIA_SMI_GPUS: "1"}, intervalMs: 40});
    // until two samples are on disk: a fixed wait is too short for the fake's start on a loaded machine
    const lines = async () => (await readFile(path.join(dir, "s/samples.csv"), "utf8").catch(() => "")).split("\n").filter((l) => l.trim()).length;
    await expect.poll(lines, {timeout: 30_000, interval: 50}).toBeGreaterThanOrEqual(2);
    const result = await sampler.stop();
    expect(result.error).toBeNull();
    const rows = (await readFile(result.file, "utf8")).trim().split("\n");
    expect(result.rows).toBe(rows.length);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.split(", ")[1] === "0")).toBe(true);
  }, 60_000);

  it("reports a sampler that died early, with its message", async () => {
    const dir = await tempDir("benchbook-smi-");
    const broken = path.join(dir, "nvidia-smi");
    await writeFile(broken, "#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.' >&2\nexit 9\n");
    await chmod(broken, 0o755);
    const sampler = await startGpuSampler({nvidiaSmi: broken, file: path.join(dir, "samples.csv"), env: process.env, intervalMs: 1000});
    await new Promise((r) => setTimeout(r, 200));
    const result = await sampler.stop();
    expect(result.rows).toBe(0);
    expect(result.error).toBe("nvidia-smi ended before the pipeline did (exit 9): NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.");
  });

  it("finds nothing on an empty PATH", async () => {
    expect(await findExecutable("nvidia-smi", "")).toBeNull();
    expect(await findExecutable("nvidia-smi", undefined)).toBeNull();
  });
});

describe("parseInventory", () => {
  it("reads index, uuid, name, driver, memory and bus id; N/A is null", () => {
    expect(parseInventory("0, GPU-a9, NVIDIA H200, 580.159.04, 143771, 00000000:00:06.0\n1, GPU-67, NVIDIA H200, 580.159.04, [N/A], 00000000:00:07.0\n")).toEqual([
      {index: 0, uuid: "GPU-a9", name: "NVIDIA H200", driver_version: "580.159.04", memory_total_mib: 143771, pci_bus_id: "00000000:00:06.0"},
      {index: 1, uuid: "GPU-67", name: "NVIDIA H200", driver_version: "580.159.04", memory_total_mib: null, pci_bus_id: "00000000:00:07.0"}
    ]);
  });
});
