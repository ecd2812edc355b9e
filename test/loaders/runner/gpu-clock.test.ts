/**
 * GPU sample clocks: nvidia-smi prints local time with no offset. `benchbook run` records the offset of
 * the clock nvidia-smi printed on (the host's, or the TZ the study set for the run) with the samples, and
 * ingest uses it for the samples' epochs instead of assuming UTC. Samples without it keep the UTC
 * assumption, with an info finding saying so.
 */
import {readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {openDatabase, queryRows} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {utcOffsetSeconds} from "../../../loaders/runner/gpu-sampler.ts";
import {readManifest} from "../../../loaders/runner/manifest.ts";
import {runStudy, type RunStudyOptions} from "../../../loaders/runner/run.ts";
import {fakeNvidiaSmiDir, makeStudy, pipeline, removeTempDirs, Sink} from "./helpers.ts";

afterAll(removeTempDirs);

const quiet: RunStudyOptions = {ingest: false, stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false, gpuSampleIntervalMs: 50};

describe("utcOffsetSeconds", () => {
  it("is local minus UTC for the run's TZ, and the process's zone without one", () => {
    const july = new Date("2026-07-01T12:00:00Z");
    expect(utcOffsetSeconds(july, "Asia/Kolkata")).toBe(19_800);
    expect(utcOffsetSeconds(july, "America/New_York")).toBe(-14_400);
    expect(utcOffsetSeconds(new Date("2026-12-01T12:00:00Z"), "America/New_York")).toBe(-18_000);
    expect(utcOffsetSeconds(july)).toBe(-july.getTimezoneOffset() * 60 || 0);
    expect(utcOffsetSeconds(july, "not a zone")).toBe(-july.getTimezoneOffset() * 60 || 0);
  });
});

describe("nvidia-smi samples on a host that is not on UTC", () => {
  async function sampledStudy() {
    const s = await makeStudy([]);
    const bin = await fakeNvidiaSmiDir(s.dir);
    const study = await makeStudy([
      {
        id: "r",
        gpus: 2,
        outputs: "out",
        command: pipeline("../../input.fa", "--gpus", "2", "--scale", "0.15"),
        // the pipeline and nvidia-smi both print Kolkata time (+05:30)
        env: {PATH: `${bin}${path.delimiter}${process.env.PATH}`, TZ: "Asia/Kolkata"}
      }
    ]);
    const [r] = await runStudy(study.file, quiet);
    return {study, r: r!};
  }

  async function monitorsOf(dbFile: string) {
    const db = await openDatabase(dbFile, {readOnly: true});
    try {
      return {
        monitor: (await queryRows<{format: string; utc_offset_seconds: number | null}>(db.connection, "SELECT format, utc_offset_seconds FROM gpu_monitors"))[0]!,
        epochs: (await queryRows<{lo: number; hi: number}>(db.connection, "SELECT min(epoch) AS lo, max(epoch) AS hi FROM gpu_samples"))[0]!,
        findings: await queryRows<{code: string; severity: string; file: string}>(db.connection, "SELECT code, severity, file FROM findings WHERE code LIKE 'gpu_clock%'")
      };
    } finally {
      db.close();
    }
  }

  it("the runner records the offset and ingest places the samples at their true time", async () => {
    const {study, r} = await sampledStudy();
    const manifest = await readManifest(r.manifestFile);
    expect(manifest.gpu_samples!.utc_offset_seconds).toBe(19_800);
    const {dbFile} = await ingestStudy(study.file);
    const {monitor, epochs, findings} = await monitorsOf(dbFile);
    expect(monitor).toEqual({format: "nvidia_smi", utc_offset_seconds: 19_800});
    // read as UTC, every sample would sit 5.5 h after the execution
    const started = Date.parse(manifest.started_at) / 1000;
    const ended = Date.parse(manifest.ended_at!) / 1000;
    expect(epochs.lo).toBeGreaterThanOrEqual(started - 2);
    expect(epochs.hi).toBeLessThanOrEqual(ended + 2);
    expect(findings).toEqual([]);
  });

  it("a manifest of an older benchbook (no offset): UTC is assumed, with an info finding naming the file", async () => {
    const {study, r} = await sampledStudy();
    const manifest = JSON.parse(await readFile(r.manifestFile, "utf8")) as {gpu_samples: Record<string, unknown>; started_at: string};
    delete manifest.gpu_samples.utc_offset_seconds;
    await writeFile(r.manifestFile, JSON.stringify(manifest));
    const {dbFile} = await ingestStudy(study.file);
    const {monitor, epochs, findings} = await monitorsOf(dbFile);
    expect(monitor.utc_offset_seconds).toBe(0);
    expect(epochs.lo).toBeGreaterThan(Date.parse(manifest.started_at) / 1000 + 19_800 - 2);
    expect(findings).toEqual([{code: "gpu_clock_assumed_utc", severity: "info", file: r.gpuSamplesFile}]);
  });
});
