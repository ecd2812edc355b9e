import {createHash} from "node:crypto";
import {mkdir, readFile, readdir, utimes, writeFile} from "node:fs/promises";
import path from "node:path";
import {afterAll, describe, expect, it, vi} from "vitest";
import {InputError} from "../../../engine/errors.ts";
import {readManifest} from "../../../loaders/runner/manifest.ts";
import {parseRunArguments} from "../../../commands/run.ts";
import {runStudy, type RunStudyOptions} from "../../../loaders/runner/run.ts";
import {fakeNvidiaSmiDir, isAlive, makeStudy, pipeline, Sink, waitFor, removeTempDirs} from "./helpers.ts";

afterAll(removeTempDirs);

function quiet(extra: RunStudyOptions = {}): RunStudyOptions & {stdout: Sink} {
  return {ingest: false, nvidiaSmi: null, stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false, killGraceSeconds: 0.5, ...extra} as RunStudyOptions & {stdout: Sink};
}

describe("runStudy: one execution", () => {
  it("succeeds: log holds stdout and stderr in arrival order, the terminal gets the same, run.json records it", async () => {
    const s = await makeStudy([{id: "time_2gpu", gpus: 2, log: "logs/2gpu.log", outputs: "out/2gpu", command: pipeline("../../input.fa", "--gpus", "2"), cwd: "runs/2gpu", env: {CUDA_VISIBLE_DEVICES: "0,1"}}]);
    const options = quiet();
    const [r, ...rest] = await runStudy(s.file, options);
    expect(rest).toEqual([]);
    expect(r).toMatchObject({runId: "time_2gpu", repeat: 1, repeats: 1, status: "succeeded", reason: null, exitCode: 0, signal: null, totalSeconds: 3200.6});
    expect(r!.logFile).toBe(path.join(s.dir, "logs/2gpu.log"));

    const log = await readFile(r!.logFile, "utf8");
    const at = (needle: string) => {
      const i = log.indexOf(needle);
      expect(i, needle).toBeGreaterThanOrEqual(0);
      return i;
    };
    // main-process lines (stdout) and worker lines (stderr) interleave in the order they were written
    expect(at("Starting multi-GPU inference: 2 GPUs")).toBeLessThan(at("Worker 0 - root - INFO - Worker 0 logging initialized"));
    expect(at("Worker 1 completed successfully")).toBeLessThan(at("  ESM-2 Feature Extraction completed in 2591.1s"));
    expect(at("PIPELINE SUMMARY")).toBeLessThan(at("Results saved to:"));
    // tee: everything in the log also reached the terminal, in the same order
    const terminal = options.stdout.text
      .split("\n")
      .filter((l) => !l.startsWith("[benchbook]"))
      .join("\n");
    expect(terminal.trim()).toBe(log.trim());
    expect(options.stdout.text).toContain("[benchbook] time_2gpu: SUCCEEDED");
    // the progress line shows whatever stage the log had reached when it was read back (timing-dependent)
    expect(options.stdout.text).toMatch(/\[benchbook\] time_2gpu \d:\d\d:\d\d · (stage \d+ [A-Z][\w -]+|summary)/);

    const m = await readManifest(path.join(s.dir, "runs/2gpu/run.json"));
    expect(m).toMatchObject({status: "succeeded", exit_code: 0, signal: null, repeat: 1, repeats: 1, gpus: 2, total_seconds: 3200.6, cuda_visible_devices: "0,1", killed: false});
    expect(m.command).toEqual(["node", expect.stringContaining("fake-virnucpro.mjs"), "../../input.fa", "-o", path.join(s.dir, "out/2gpu"), "--gpus", "2"]);
    expect(m.command_template).toContain("{outputs}");
    expect(m.cwd).toBe(path.join(s.dir, "runs/2gpu"));
    expect(m.node_version).toBe(process.version);
    expect(m.host.cpu_count).toBeGreaterThan(0);
    expect(m.host.memory_bytes).toBeGreaterThan(0);
    expect(m.nvidia).toBeNull();
    expect(new Date(m.ended_at!).getTime()).toBeGreaterThanOrEqual(new Date(m.started_at).getTime());
    expect(m.outputs?.ok).toBe(true);
    expect(m.outputs?.files.map((f) => f.name)).toEqual(["prediction_results.txt", "prediction_results_highestscore.csv"]);
    // the script and the input; the outputs folder is not a file
    expect(m.inputs.map((i) => path.basename(i.path))).toEqual(["fake-virnucpro.mjs", "input.fa"]);
  });

  it("hashes the input files the command names", async () => {
    const s = await makeStudy([{id: "time_1gpu", gpus: 1, outputs: "out", command: pipeline("../../input.fa")}]);
    const [r] = await runStudy(s.file, quiet());
    expect(r!.status).toBe("succeeded");
    const m = await readManifest(r!.manifestFile);
    expect(r!.manifestFile).toBe(path.join(s.dir, "runs/time_1gpu/run.json"));
    const input = m.inputs.find((i) => i.path === s.input)!;
    expect(input.arg).toBe("../../input.fa");
    expect(input.sha256).toBe(createHash("sha256").update(await readFile(s.input)).digest("hex"));
    expect(r!.logFile).toBe(path.join(s.dir, "runs/time_1gpu/console.log"));
  });

  it.each([
    ["1", "exit code 1 (pipeline error)", "Traceback (most recent call last):"],
    ["4", "exit code 4 (GPU out of memory)", "OUT OF MEMORY ERROR"]
  ])("exit %s is a failure with its meaning", async (code, reason, logLine) => {
    const s = await makeStudy([{id: "r", gpus: 2, outputs: "out", command: pipeline(path.join("..", "..", "input.fa"), "--gpus", "2", "--exit", code)}]);
    const [r] = await runStudy(s.file, quiet());
    expect(r).toMatchObject({status: "failed", exitCode: Number(code), signal: null, reason, totalSeconds: null});
    expect(await readFile(r!.logFile, "utf8")).toContain(logLine);
    const m = await readManifest(r!.manifestFile);
    expect(m.status).toBe("failed");
    expect(m.outputs).toBeNull(); // not checked after a failed exit
  });

  it("a pipeline killed mid-stage is a failure naming the signal, and its log is kept up to the kill", async () => {
    const s = await makeStudy([{id: "r", gpus: 1, outputs: "out", command: pipeline("../../input.fa", "--crash-at", "6")}]);
    const [r] = await runStudy(s.file, quiet());
    expect(r).toMatchObject({status: "failed", exitCode: null, signal: "SIGKILL", reason: "killed by SIGKILL"});
    const log = await readFile(r!.logFile, "utf8");
    expect(log).toContain("=== Stage 6: ESM-2 Feature Extraction ===");
    expect(log).not.toContain("PIPELINE SUMMARY");
  });

  it("exit 0 without the expected outputs is a failure with the reason", async () => {
    const s = await makeStudy([
      {id: "none", gpus: 1, outputs: "out/none", command: pipeline("../../input.fa", "--no-outputs")},
      {id: "empty", gpus: 1, outputs: "out/empty", command: pipeline("../../input.fa", "--empty-outputs")}
    ]);
    const [none, empty] = await runStudy(s.file, quiet());
    expect(none).toMatchObject({status: "failed", exitCode: 0});
    expect(none!.reason).toContain(`no prediction_results.txt under ${path.join(s.dir, "out/none")}`);
    expect(none!.reason).toContain("no prediction_results_highestscore.csv");
    expect(empty).toMatchObject({status: "failed", exitCode: 0});
    expect(empty!.reason).toMatch(/prediction_results\.txt is empty/);
  });

  it("outputs left by an earlier run do not count for this one", async () => {
    const s = await makeStudy([{id: "r", gpus: 1, outputs: "out", command: ["node", pipeline("")[1]!, "../../input.fa", "-o", "../../out", "--no-outputs"]}]);
    // an earlier, successful run left its files
    const merged = path.join(s.dir, "out/input_merged");
    await mkdir(merged, {recursive: true});
    for (const name of ["prediction_results.txt", "prediction_results_highestscore.csv"]) {
      await writeFile(path.join(merged, name), "header\nrow\n");
      const hourAgo = new Date(Date.now() - 3_600_000);
      await utimes(path.join(merged, name), hourAgo, hourAgo);
    }
    const [r] = await runStudy(s.file, quiet());
    expect(r!.status).toBe("failed");
    expect(r!.reason).toMatch(/prediction_results\.txt was last written .* before this execution started/);
  });
});

describe("runStudy: stopping a pipeline", () => {
  it("timeout stops the whole process group, grandchild included, and records timed_out", async () => {
    const s = await makeStudy([{id: "r", gpus: 1, outputs: "out", command: pipeline("../../input.fa", "--hang-at", "6", "--grandchild", "../../grandchild.pid")}]);
    const t0 = Date.now();
    const [r] = await runStudy(s.file, quiet({timeoutSeconds: 1}));
    // the pipeline would sleep forever: returning at all shows the timeout stopped it; the bound only
    // leaves room for starting and stopping processes on a loaded CI machine
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r).toMatchObject({status: "timed_out", reason: "stopped after the 1 s timeout"});
    expect(r!.signal).toBe("SIGTERM");
    const grandchild = Number(await readFile(path.join(s.dir, "grandchild.pid"), "utf8"));
    expect(grandchild).toBeGreaterThan(0);
    await waitFor(async () => !(await isAlive(grandchild)), 2000);
    const m = await readManifest(r!.manifestFile);
    expect(m).toMatchObject({status: "timed_out", timeout_seconds: 1, killed: false});
    expect(await readFile(r!.logFile, "utf8")).toContain("=== Stage 6: ESM-2 Feature Extraction ===");
  });

  it("a pipeline that ignores SIGTERM is killed with SIGKILL after the grace period", async () => {
    const s = await makeStudy([{id: "r", gpus: 1, outputs: "out", command: pipeline("../../input.fa", "--hang-at", "3", "--ignore-sigterm")}]);
    const [r] = await runStudy(s.file, quiet({timeoutSeconds: 1, killGraceSeconds: 0.3}));
    expect(r).toMatchObject({status: "timed_out", signal: "SIGKILL"});
    expect(r!.reason).toBe("stopped after the 1 s timeout; it ignored SIGTERM and was killed with SIGKILL");
    expect((await readManifest(r!.manifestFile)).killed).toBe(true);
    expect(await readFile(r!.logFile, "utf8")).toContain("Received SIGTERM, ignoring it");
  });

  it("an abort interrupts the running execution, runs nothing further and does not ingest", async () => {
    const s = await makeStudy([
      {id: "a", gpus: 1, outputs: "out/a", command: pipeline("../../input.fa", "--hang-at", "2", "--grandchild", "../../gc.pid")},
      {id: "b", gpus: 2, outputs: "out/b", command: pipeline("../../input.fa")}
    ]);
    const controller = new AbortController();
    const ingest = vi.fn(async () => ({dbFile: "x"}));
    const log = path.join(s.dir, "runs/a/executions/1/console.log");
    const running = runStudy(s.file, quiet({signal: controller.signal, repeat: 2, ingest}));
    await waitFor(async () => (await readFile(log, "utf8").catch(() => "")).includes("=== Stage 2:"), 5000);
    controller.abort("user pressed Ctrl-C");
    const results = await running;
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({runId: "a", repeat: 1, status: "interrupted", reason: "interrupted (user pressed Ctrl-C)"});
    expect(ingest).not.toHaveBeenCalled();
    await waitFor(async () => !(await isAlive(Number(await readFile(path.join(s.dir, "gc.pid"), "utf8")))), 2000);
    expect(await readdir(path.join(s.dir, "runs"))).toEqual(["a"]);
  });

  it("workers left behind by a finished pipeline are stopped and counted", async () => {
    const s = await makeStudy([{id: "r", gpus: 1, outputs: "out", command: pipeline("../../input.fa", "--grandchild", "../../gc.pid")}]);
    const [r] = await runStudy(s.file, quiet());
    expect(r!.status).toBe("succeeded");
    expect((await readManifest(r!.manifestFile)).leftover_processes).toBe(1);
    await waitFor(async () => !(await isAlive(Number(await readFile(path.join(s.dir, "gc.pid"), "utf8")))), 2000);
  });
});

describe("runStudy: GPU sampling and inventory", () => {
  it("samples every GPU with nvidia-smi from the run's PATH into the study's gpu_samples, and records the GPUs", async () => {
    const s = await makeStudy([]);
    const bin = await fakeNvidiaSmiDir(s.dir);
    const study = await makeStudy([
      {
        id: "r",
        gpus: 2,
        outputs: "out",
        gpu_samples: "gpu/samples.csv",
        command: pipeline("../../input.fa", "--gpus", "2", "--scale", "0.15"),
        env: {PATH: `${bin}${path.delimiter}${process.env.PATH}`}
      }
    ]);
    const [r] = await runStudy(study.file, {...quiet(), nvidiaSmi: undefined, gpuSampleIntervalMs: 50});
    expect(r!.status).toBe("succeeded");
    expect(r!.gpuSamplesFile).toBe(path.join(study.dir, "gpu/samples.csv"));
    const rows = (await readFile(r!.gpuSamplesFile!, "utf8")).trim().split("\n");
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) expect(row).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{3}, [01], GPU-[0-9a-f-]+, \d+, \d+, [\d.]+$/);
    expect(new Set(rows.map((row) => row.split(", ")[1]))).toEqual(new Set(["0", "1"]));
    const m = await readManifest(r!.manifestFile);
    expect(m.gpu_samples).toEqual({file: r!.gpuSamplesFile, rows: rows.length, error: null, utc_offset_seconds: -new Date().getTimezoneOffset() * 60 || 0});
    expect(m.nvidia).toMatchObject({nvidia_smi: path.join(bin, "nvidia-smi"), driver_version: "580.159.04", cuda_version: "13.0", error: null});
    expect(m.nvidia!.gpus).toEqual([
      {index: 0, uuid: "GPU-a94006b1-9190-decf-fa8d-472df1c40498", name: "NVIDIA H200", driver_version: "580.159.04", memory_total_mib: 143771, pci_bus_id: "00000000:00:06.0"},
      {index: 1, uuid: "GPU-67345187-9b5e-0886-7ba6-bb35d588f8d4", name: "NVIDIA H200", driver_version: "580.159.04", memory_total_mib: 143771, pci_bus_id: "00000000:00:07.0"}
    ]);
  });
});

describe("runStudy: input checks", () => {
  it("rejects unknown run ids, runs without a command, shared run folders and {outputs} without outputs", async () => {
    const s = await makeStudy([
      {id: "a", gpus: 1, command: pipeline("x")},
      {id: "b", gpus: 1, outputs: "o", command: ["node", "-e", "0"]},
      {id: "c", gpus: 1}
    ]);
    await expect(runStudy(s.file, quiet({runs: ["zzz"]}))).rejects.toThrow(/no run 'zzz'.*expected one of: a, b, c/);
    await expect(runStudy(s.file, quiet({runs: ["c"]}))).rejects.toThrow(/run 'c' has no command/);
    await expect(runStudy(s.file, quiet({runs: ["a"]}))).rejects.toThrow(/runs.a.command uses \{outputs\} but the run declares no 'outputs'/);
    const shared = await makeStudy([
      {id: "a", gpus: 1, cwd: "work", command: ["node", "-e", "0"]},
      {id: "b", gpus: 2, cwd: "work", command: ["node", "-e", "0"]}
    ]);
    const error = await runStudy(shared.file, quiet()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(shared.file);
    expect((error as Error).message).toMatch(/runs 'a' and 'b' share the run folder/);
    await expect(runStudy(s.file, quiet({repeat: 0}))).rejects.toThrow(InputError);
  });

  it("a command that cannot start is a failed execution, not a crash", async () => {
    const s = await makeStudy([{id: "r", gpus: 1, command: ["/nonexistent/virnucpro", "predict"]}]);
    const [r] = await runStudy(s.file, quiet());
    expect(r!.status).toBe("failed");
    expect(r!.reason).toMatch(/^could not start: .*ENOENT/);
  });

  it("calls ingest with the study file after the runs", async () => {
    const s = await makeStudy([{id: "r", gpus: 1, command: ["node", "-e", "0"]}]);
    const ingest = vi.fn(async () => ({dbFile: "/tmp/x.duckdb"}));
    const options = quiet({ingest});
    await runStudy(s.file, options);
    expect(ingest).toHaveBeenCalledWith(s.file);
    expect(options.stdout.text).toContain("[benchbook] ingested into /tmp/x.duckdb");
  });
});

describe("parseRunArguments", () => {
  it("reads the study file, run ids, repeat and timeout", () => {
    expect(parseRunArguments(["s.yaml"])).toEqual({studyFile: "s.yaml", runs: [], repeat: 1, timeoutSeconds: 3600});
    expect(parseRunArguments(["s.yaml", "--run", "a", "b", "--repeat", "3", "--timeout=90.5"])).toEqual({studyFile: "s.yaml", runs: ["a", "b"], repeat: 3, timeoutSeconds: 90.5});
    expect(parseRunArguments(["--run", "a,b", "--run=c", "--repeat=2", "s.yaml"])).toEqual({studyFile: "s.yaml", runs: ["a", "b", "c"], repeat: 2, timeoutSeconds: 3600});
    expect(parseRunArguments(["--repeat", "2", "s.yaml", "--run", "a"])).toMatchObject({studyFile: "s.yaml", runs: ["a"]});
  });

  it("rejects bad values with what was expected", () => {
    expect(() => parseRunArguments([])).toThrow(/no study file/);
    expect(() => parseRunArguments(["s.yaml", "--repeat", "1.5"])).toThrow(/expected a whole number/);
    expect(() => parseRunArguments(["s.yaml", "--timeout", "-1"])).toThrow(/expected a positive number of seconds/);
    expect(() => parseRunArguments(["s.yaml", "--frobnicate"])).toThrow(/unknown option --frobnicate/);
    expect(() => parseRunArguments(["s.yaml", "--run"])).toThrow(/--run needs a value/);
  });
});
