/**
 * The SLURM executor against a real controller and node daemon (scripts/slurm-up.sh starts a one-node
 * cluster with sixteen pretend GPUs; .ci/run does it in CI). Without a cluster those tests are skipped with
 * a message. The job script's own behaviour (argument passing, JSON, SIGTERM) is also tested by running
 * it with bash directly, as a user without SLURM (or the device check) would: those tests always run.
 */
import {execFileSync, spawn} from "node:child_process";
import {existsSync} from "node:fs";
import {mkdir, readFile, readdir, writeFile} from "node:fs/promises";
import path from "node:path";
import {stringify} from "yaml";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {openDatabase} from "../../../engine/db/duckdb.ts";
import {ingestStudy} from "../../../engine/ingest/ingest.ts";
import {buildReport} from "../../../engine/report/report.ts";
import {JOB_SCRIPT, submissionFile, writeJobScript} from "../../../loaders/runner/executor-slurm.ts";
import {readManifest, type RunManifest} from "../../../loaders/runner/manifest.ts";
import {main} from "../../../commands/cli.ts";
import {collectStudy, planExecutions, planRuns, runStudy, type RunStudyOptions} from "../../../loaders/runner/run.ts";
import {slurmExecutionStatus} from "../../../loaders/runner/slurm.ts";
import {loadStudy} from "../../../engine/study.ts";
import {fileURLToPath} from "node:url";
import {fakeNvidiaSmiDir, FAKE_PIPELINE, isAlive, removeTempDirs, Sink, tempDir, waitFor} from "./helpers.ts";

afterAll(removeTempDirs);

function clusterUp(): string | null {
  try {
    execFileSync("sbatch", ["--version"], {stdio: "pipe"});
  } catch {
    return "sbatch is not on PATH";
  }
  try {
    const state = execFileSync("sinfo", ["-h", "-o", "%T"], {stdio: "pipe", timeout: 10_000}).toString().trim();
    if (!/idle|mixed|allocated/.test(state)) return `no usable node (sinfo says '${state || "nothing"}')`;
  } catch (error) {
    return `the controller does not answer (${(error as Error).message.split("\n")[0]})`;
  }
  return null;
}
const noCluster = clusterUp();
if (noCluster) console.warn(`[slurm.test] SLURM tests against a real cluster SKIPPED: ${noCluster}. Start one with scripts/slurm-up.sh (as root).`);

interface SlurmStudy {
  dir: string;
  file: string;
  bin: string;
}

/** A study folder with a FASTA input, a fake nvidia-smi for the jobs, the given runs and executor. */
async function slurmStudy(runs: Array<Record<string, unknown>>, executor: Record<string, unknown> = {}): Promise<SlurmStudy> {
  const dir = await tempDir("benchbook-slurm-");
  await writeFile(path.join(dir, "input.fa"), ">seq_a first\nACGTACGTAC\n>seq_b\nTTGACCATGA\n");
  const bin = await fakeNvidiaSmiDir(dir);
  const env = {PATH: `${bin}:${process.env.PATH}`, FAKE_NVIDIA_SMI_GPUS: "16"};
  const file = path.join(dir, "study.yaml");
  await writeFile(
    file,
    stringify({
      release: "v-slurm",
      title: "SLURM executor test",
      pipeline: "virnucpro",
      executor: {kind: "slurm", ...executor},
      runs: runs.map((r) => ({...r, env: {...env, ...(r.env as object)}}))
    })
  );
  return {dir, file, bin};
}

const fake = (...options: string[]) => ["node", FAKE_PIPELINE, "../../input.fa", "-o", "{outputs}", ...options];

function options(extra: RunStudyOptions = {}): RunStudyOptions & {stdout: Sink} {
  return {ingest: false, stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false, killGraceSeconds: 1, gpuSampleIntervalMs: 100, slurmPollMs: 250, ...extra} as RunStudyOptions & {stdout: Sink};
}

const samplesOf = async (file: string) =>
  (await readFile(file, "utf8"))
    .trim()
    .split("\n")
    .map((l) => l.split(", "));

describe.skipIf(noCluster !== null).concurrent("SLURM executor on a real cluster", () => {
  it("a job over its SLURM time limit is timed_out, and its script still wrote the manifest", async () => {
    // SLURM counts limits in minutes and checks them every 30 s: this job ends 60-90 s after it starts
    const s = await slurmStudy([{id: "slow", gpus: 1, outputs: "out", command: fake("--hang-at", "5")}], {time_limit: "1"});
    const o = options({timeoutSeconds: 600});
    const [r, ...rest] = await runStudy(s.file, o);
    expect(rest).toEqual([]);
    expect(r).toMatchObject({status: "timed_out", exitCode: null});
    expect(r!.reason).toMatch(/^SLURM job \d+ reached its time limit \(TIMEOUT\)/);
    const m = await readManifest(r!.manifestFile);
    expect(m.slurm).toMatchObject({state: "TIMEOUT"});
    // the job ran into its 60 s limit; the script's own clock starts only after the job's shell and node
    // are up, which on a loaded CI machine took 5.7 s (54.29 s seen), so the bound leaves room for that
    expect(m.wall_seconds).toBeGreaterThan(40);
    // the script saw SLURM's SIGTERM, stopped the pipeline and the sampler, and wrote its record
    expect(m.signal).toBe("SIGTERM");
    expect(m.gpu_samples!.rows).toBeGreaterThan(10);
    expect(await readFile(r!.logFile, "utf8")).toContain("=== Stage 5: DNABERT-S Feature Extraction ===");
    expect(o.stdout.text).toMatch(/\[benchbook\] slow \(job \d+\) 0:0\d:\d\d · stage 5 DNABERT-S Feature Extraction/);
  }, 150_000);

  it("1- and 2-GPU runs, repeats interleaved through dependencies, then the report", async () => {
    const s = await slurmStudy([
      // each execution lasts seconds, longer than a poll, so the terminal sees it RUNNING; the 1-GPU one
      // (--scale 3: about 10 s) outlasts the four submissions and the first poll even under load, so the
      // 2-GPU job is still waiting on it when the terminal first looks
      {id: "time_1gpu", gpus: 1, outputs: "out/1gpu", command: fake("--scale", "3", "--factors", "1.0,1.02", "--repeat", "{repeat}")},
      {id: "time_2gpu", gpus: 2, outputs: "out/2gpu", command: fake("--scale", "1", "--gpus", "2", "--factors", "0.55,0.56", "--repeat", "{repeat}")}
    ]);
    const o = options({repeat: 2, ingest: ingestStudy});
    const results = await runStudy(s.file, o);
    expect(results.map((r) => [r.runId, r.repeat, r.status])).toEqual([
      ["time_1gpu", 1, "succeeded"],
      ["time_2gpu", 1, "succeeded"],
      ["time_1gpu", 2, "succeeded"],
      ["time_2gpu", 2, "succeeded"]
    ]);
    const manifests: RunManifest[] = [];
    for (const r of results) manifests.push(await readManifest(r.manifestFile));
    // one job each, each started after the previous one ended (afterany chain)
    const ids = manifests.map((m) => Number(m.slurm!.job_id));
    expect(new Set(ids).size).toBe(4);
    for (let i = 1; i < manifests.length; i++) {
      expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
      expect(new Date(manifests[i]!.started_at).getTime()).toBeGreaterThanOrEqual(new Date(manifests[i - 1]!.ended_at!).getTime());
    }
    for (const [i, m] of manifests.entries()) {
      const gpus = results[i]!.gpus;
      expect(m.slurm).toMatchObject({state: "COMPLETED", exit_code: "0:0", node: expect.any(String)});
      expect(m.cuda_visible_devices!.split(",")).toHaveLength(gpus);
      // the GPUs SLURM allocated, and only those, were described and sampled
      const allocated = m.slurm!.gpus!.split(",").map(Number);
      expect(allocated).toHaveLength(gpus);
      expect(m.nvidia!.gpus.map((g) => g.index)).toEqual(allocated);
      expect(m.nvidia).toMatchObject({driver_version: "580.159.04", cuda_version: "13.0", error: null});
      const samples = await samplesOf(m.gpu_samples!.file);
      expect(new Set(samples.map((row) => Number(row[1])))).toEqual(new Set(allocated));
      expect(m.outputs!.ok).toBe(true);
      expect(m.host.hostname).toBe(m.slurm!.node);
      expect(m.inputs.map((x) => path.basename(x.path))).toEqual(["fake-virnucpro.mjs", "input.fa"]);
      // the script that ran is beside the execution
      expect(m.slurm!.script).toBe(path.join(path.dirname(results[i]!.manifestFile), JOB_SCRIPT));
    }
    expect(o.stdout.text).toMatch(/time_2gpu \[1\/2\]: SLURM job \d+ PENDING \(Dependency\)/);
    expect(o.stdout.text).toMatch(/time_1gpu \[1\/2\]: SLURM job \d+ RUNNING on \S+/);
    // the pipeline's own lines reached the terminal (the tee)
    expect(o.stdout.text).toContain("Starting multi-GPU inference: 2 GPUs");
    expect(o.stdout.text).toContain("[benchbook] 4 execution(s): 4 succeeded");

    const study = await loadStudy(s.file);
    const {dbFile} = await ingestStudy(s.file);
    const db = await openDatabase(dbFile, {readOnly: true});
    try {
      const report = await buildReport(db.connection, {criteria: study.criteria});
      const conf = (id: string) => report.repeats!.configurations.find((c) => c.run_id === id)!;
      expect(conf("time_1gpu")).toMatchObject({executions: 2, succeeded: 2});
      expect(conf("time_2gpu")).toMatchObject({executions: 2, succeeded: 2});
      expect(report.repeats!.scaling[0]!.speedup).toBeGreaterThan(1.7);
      const run2 = report.runs.find((r) => r.id === "time_2gpu")!;
      expect(run2.total_seconds).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }, 150_000);

  it("a job exiting 4 is failed with the GPU out-of-memory meaning and SLURM's exit code", async () => {
    const s = await slurmStudy([{id: "oom", gpus: 2, outputs: "out", command: fake("--gpus", "2", "--exit", "4")}]);
    const [r] = await runStudy(s.file, options());
    expect(r).toMatchObject({status: "failed", exitCode: 4, signal: null, reason: "exit code 4 (GPU out of memory)"});
    const m = await readManifest(r!.manifestFile);
    expect(m.slurm).toMatchObject({state: "FAILED", exit_code: "4:0"});
    expect(await readFile(r!.logFile, "utf8")).toContain("OUT OF MEMORY");
  }, 60_000);

  it("Ctrl-C cancels the submitted jobs: the running one is interrupted, the queued one never ran", async () => {
    const s = await slurmStudy([
      {id: "a", gpus: 1, outputs: "out/a", command: fake("--hang-at", "3", "--grandchild", "grandchild.pid")},
      {id: "b", gpus: 1, outputs: "out/b", command: fake()}
    ]);
    const controller = new AbortController();
    const o = options({signal: controller.signal});
    const running = runStudy(s.file, o);
    await waitFor(async () => /stage 3 Nucleotide File Splitting/.test(o.stdout.text), 60_000);
    controller.abort("test Ctrl-C");
    const results = await running;
    expect(results.map((r) => [r.runId, r.status])).toEqual([["a", "interrupted"]]);
    expect(results[0]!.reason).toMatch(/^SLURM job \d+ was cancelled \(CANCELLED\)/);
    const m = await readManifest(results[0]!.manifestFile);
    expect(m.slurm!.state).toMatch(/^CANCELLED/);
    expect(m.ended_at).not.toBeNull();
    // the pipeline's whole process group is gone, not only the leader
    const grandchild = Number(await readFile(path.join(s.dir, "runs/a/grandchild.pid"), "utf8"));
    await waitFor(async () => !(await isAlive(grandchild)), 10_000);
    expect(o.stdout.text).toMatch(/cancelling 2 SLURM job\(s\)/);
    expect(o.stdout.text).toMatch(/b: SLURM job \d+ ended as CANCELLED before its script started: no execution recorded/);
    expect(existsSync(path.join(s.dir, "runs/b/run.json"))).toBe(false);
  }, 150_000);

  it("--no-wait submits and returns; collect records what ended; collecting again changes nothing", async () => {
    const s = await slurmStudy([
      // about 10 s: still running when the second run below is tried, however fast the cluster starts it
      {id: "time_1gpu", gpus: 1, outputs: "out/1gpu", command: fake("--scale", "3")},
      {id: "time_2gpu", gpus: 2, outputs: "out/2gpu", command: fake("--gpus", "2", "--factors", "0.6")}
    ]);
    const submitted = await runStudy(s.file, options({noWait: true}));
    expect(submitted).toEqual([]);
    // a second run would write into the same folders while the jobs run (the short 2-GPU job may have
    // ended by then: the refusal names the jobs still queued or running)
    await expect(runStudy(s.file, options())).rejects.toThrow(/SLURM job\(s\) \d+(, \d+)? of the last submission are still queued or running/);
    const record = JSON.parse(await readFile(submissionFile({dir: s.dir, release: "v-slurm"}), "utf8"));
    expect(record.executions.map((x: {run_id: string}) => x.run_id)).toEqual(["time_1gpu", "time_2gpu"]);

    const first = await collectStudy(s.file, {stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false, ingest: false});
    expect(first.pending + first.results.length).toBe(2);
    const out = new Sink();
    const done = await collectStudy(s.file, {stdout: out as unknown as NodeJS.WritableStream, tty: false, wait: true, slurmPollMs: 250, ingest: ingestStudy});
    expect(done.pending).toBe(0);
    expect(done.results.map((r) => [r.runId, r.status])).toEqual([
      ["time_1gpu", "succeeded"],
      ["time_2gpu", "succeeded"]
    ]);
    expect(out.text).toMatch(/ingested into/);
    const before = await Promise.all(done.results.map((r) => readFile(r.manifestFile, "utf8")));
    const again = await collectStudy(s.file, {stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false, ingest: ingestStudy});
    expect(again.results).toEqual(done.results);
    expect(await Promise.all(done.results.map((r) => readFile(r.manifestFile, "utf8")))).toEqual(before);
    const {dbFile} = await ingestStudy(s.file);
    const db = await openDatabase(dbFile, {readOnly: true});
    try {
      const report = await buildReport(db.connection, {criteria: []});
      expect(report.runs.map((r) => [r.id, r.total_seconds])).toEqual([
        ["time_1gpu", 3200.6],
        ["time_2gpu", expect.closeTo(3200.6 * 0.6, 1)]
      ]);
    } finally {
      db.close();
    }
  }, 180_000);

  it("benchbook killed with SIGKILL while waiting: the job runs on and collect records it", async () => {
    const s = await slurmStudy([{id: "time_1gpu", gpus: 1, outputs: "out", command: fake("--scale", "1")}]);
    const runModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../commands/run.ts");
    const cli = path.join(s.dir, "cli.mts");
    await writeFile(cli, `import {runCommand} from ${JSON.stringify(runModule)};\nprocess.exitCode = await runCommand(process.argv.slice(2));\n`);
    const child = spawn(process.execPath, ["--import", "tsx", cli, s.file, "--executor", "slurm"], {cwd: path.dirname(runModule), stdio: "ignore"});
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const log = path.join(s.dir, "runs/time_1gpu/console.log");
    await waitFor(async () => (await readFile(log, "utf8").catch(() => "")).includes("=== Stage 2:"), 60_000);
    child.kill("SIGKILL");
    await exited;
    const out = new Sink();
    const {results, pending} = await collectStudy(s.file, {stdout: out as unknown as NodeJS.WritableStream, tty: false, wait: true, slurmPollMs: 250, ingest: false});
    expect(pending).toBe(0);
    expect(results.map((r) => [r.runId, r.status, r.totalSeconds])).toEqual([["time_1gpu", "succeeded", 3200.6]]);
    expect((await readManifest(results[0]!.manifestFile)).slurm!.state).toBe("COMPLETED");
  }, 150_000);

  it("the study's --timeout is enforced by the job script: timed_out, the group stopped", async () => {
    const s = await slurmStudy([{id: "hang", gpus: 1, outputs: "out", command: fake("--hang-at", "2")}]);
    const [r] = await runStudy(s.file, options({timeoutSeconds: 2}));
    expect(r).toMatchObject({status: "timed_out", reason: "stopped after the 2 s timeout"});
    const m = await readManifest(r!.manifestFile);
    expect(m.slurm!.state).toBe("FAILED");
    expect(m.wall_seconds).toBeGreaterThanOrEqual(2);
    expect(m.wall_seconds).toBeLessThan(10);
  }, 60_000);
});

/** Run a generated job script with bash, as SLURM would, with the given SLURM_* variables. */
async function scriptOf(runs: Array<Record<string, unknown>>, timeoutSeconds = 60) {
  const s = await slurmStudy(runs);
  const study = await loadStudy(s.file);
  const [e] = planExecutions(study, planRuns(study, undefined), 1);
  const script = await writeJobScript(e!, {gpuRequest: "gres", sbatchArgs: []}, "5", timeoutSeconds, 1, 100);
  return {s, e: e!, script};
}

function runScript(script: string, env: Record<string, string>) {
  const child = spawn("bash", [script], {env: {...process.env, ...env}, stdio: ["ignore", "pipe", "pipe"]});
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const done = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {child, done, output: () => output};
}

describe("the generated job script, run with bash", () => {
  const HOSTILE = ["a b", "it's", '"double"', "$(touch pwned)", "`touch pwned2`", "; touch pwned3", "line1\nline2", "back\\slash", "*", "~", "$HOME", "-", "tab\there", "ünïcode"];

  it("passes every argument exactly and writes a valid manifest, hostile values included", async () => {
    const argvFile = "argv.json";
    const {e, script} = await scriptOf([
      {
        id: "odd",
        gpus: 1,
        command: ["node", "-e", `require("fs").writeFileSync(${JSON.stringify(argvFile)}, JSON.stringify(process.argv.slice(1)))`, ...HOSTILE],
        cwd: "runs/odd dir's $(x)",
        env: {ODD: "it's $(touch pwned4) \"x\"\nnext"}
      }
    ]);
    const text = await readFile(script, "utf8");
    expect(text).toMatch(/^#SBATCH --gres=gpu:1$/m);
    const run = runScript(script, {SLURM_JOB_ID: "4242", SLURM_JOB_GPUS: "1", CUDA_VISIBLE_DEVICES: "1", SLURMD_NODENAME: 'node "q" \\ x', SLURM_JOB_NAME: "bb-odd-1"});
    expect(await run.done, run.output()).toBe(0);
    const cwd = e.paths.cwd;
    expect(JSON.parse(await readFile(path.join(cwd, argvFile), "utf8"))).toEqual(HOSTILE);
    const files = await readdir(cwd);
    expect(files.filter((f) => f.startsWith("pwned"))).toEqual([]);
    expect(existsSync("pwned")).toBe(false);

    const m = await readManifest(e.ep.manifest);
    expect(m).toMatchObject({status: "succeeded", exit_code: 0, signal: null, run_id: "odd", cwd, cuda_visible_devices: "1", env: {ODD: "it's $(touch pwned4) \"x\"\nnext"}});
    expect(m.command.slice(3)).toEqual(HOSTILE);
    expect(m.slurm).toMatchObject({job_id: "4242", node: 'node "q" \\ x', gpus: "1", sampled_gpus: "1", state: null});
    expect(m.nvidia!.gpus.map((g) => g.index)).toEqual([1]);
    expect(m.host.cpu_count).toBeGreaterThan(0);
    expect(m.host.memory_bytes).toBeGreaterThan(0);
    expect(m.python?.version ?? null).toSatisfy((v: string | null) => v === null || /^\d+\.\d+/.test(v));
    expect(new Date(m.ended_at!).getTime()).toBeGreaterThanOrEqual(new Date(m.started_at).getTime());
  }, 30_000);

  it("on SIGTERM stops the pipeline's group and the sampler and still writes the manifest", async () => {
    const {e, script} = await scriptOf([{id: "term", gpus: 2, outputs: "out", command: fake("--gpus", "2", "--hang-at", "4", "--grandchild", "gc.pid")}]);
    const run = runScript(script, {SLURM_JOB_ID: "77", SLURM_JOB_GPUS: "0,1", CUDA_VISIBLE_DEVICES: "0,1"});
    await waitFor(async () => existsSync(e.ep.log) && (await readFile(e.ep.log, "utf8")).includes("=== Stage 4:"), 20_000);
    run.child.kill("SIGTERM");
    expect(await run.done).not.toBe(0);
    const m = await readManifest(e.ep.manifest);
    expect(m).toMatchObject({status: "interrupted", signal: "SIGTERM", exit_code: null});
    expect(m.reason).toMatch(/stopped by SIGTERM/);
    expect(m.gpu_samples!.rows).toBeGreaterThan(0);
    const grandchild = Number(await readFile(path.join(e.paths.cwd, "gc.pid"), "utf8"));
    await waitFor(async () => !(await isAlive(grandchild)), 5000);
    // the sampler is gone: its file no longer grows
    const size = (await readFile(e.ep.gpuSamples)).length;
    await new Promise((r) => setTimeout(r, 400));
    expect((await readFile(e.ep.gpuSamples)).length).toBe(size);
    // SLURM's verdict decides how an externally ended job counts
    expect(slurmExecutionStatus({id: "77", state: "TIMEOUT", exitCode: "0:15"}, m, null, 60).status).toBe("timed_out");
    expect(slurmExecutionStatus({id: "77", state: "CANCELLED by 0", exitCode: "0:15"}, m, null, 60).status).toBe("interrupted");
    expect(slurmExecutionStatus({id: "77", state: "NODE_FAIL", exitCode: null}, m, null, 60)).toEqual({status: "failed", reason: "SLURM NODE_FAIL: the node failed (job 77)"});
    expect(slurmExecutionStatus({id: "77", state: "PREEMPTED", exitCode: null}, m, null, 60).status).toBe("failed");
    expect(slurmExecutionStatus({id: "77", state: "OUT_OF_MEMORY", exitCode: null}, {...m, status: "succeeded", exit_code: 0, signal: null}, null, 60)).toMatchObject({status: "failed", reason: expect.stringMatching(/OUT_OF_MEMORY/)});
    // SLURM's FAILED after a recorded success: the evidence disagrees, so never a success
    expect(slurmExecutionStatus({id: "77", state: "FAILED", exitCode: "1:0"}, {...m, status: "succeeded", exit_code: 0, signal: null}, null, 60)).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(/FAILED \(ExitCode 1:0\) but its manifest records success: contradictory evidence/)
    });
    // a script that never finished its manifest can never be a success, whatever SLURM says
    expect(slurmExecutionStatus({id: "77", state: "COMPLETED", exitCode: "0:0"}, {...m, status: "running"}, null, 60).status).toBe("failed");
  }, 30_000);

  it("COMPLETED without the expected outputs is failed, not succeeded", async () => {
    const {e, script} = await scriptOf([{id: "noout", gpus: 1, outputs: "out", command: fake("--no-outputs")}]);
    const run = runScript(script, {SLURM_JOB_ID: "78", SLURM_JOB_GPUS: "0"});
    expect(await run.done).toBe(0);
    const m = await readManifest(e.ep.manifest);
    expect(m.status).toBe("succeeded"); // the script alone cannot know the outputs
    const {checkOutputs} = await import("../../../loaders/runner/outputs.ts");
    const outputs = await checkOutputs(e.outputsDir!, new Date(m.started_at));
    expect(slurmExecutionStatus({id: "78", state: "COMPLETED", exitCode: "0:0"}, m, outputs, 60)).toMatchObject({status: "failed", reason: expect.stringMatching(/^outputs: no prediction_results.txt/)});
  }, 30_000);

  it("collect without a submission says so and exits 2", async () => {
    const s = await slurmStudy([{id: "x", gpus: 1, command: ["true"]}]);
    const io = {stdout: "", stderr: "", out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t)};
    expect(await main(["collect", s.file], io)).toBe(2);
    expect(io.stderr).toMatch(/slurm-v-slurm\.json: nothing to collect: no SLURM submission of this study/);
    expect(await main(["collect", s.file, "--frobnicate"], io)).toBe(2);
    expect(io.stderr).toMatch(/unknown option --frobnicate/);
  });

  it("refuses environment names and executor values a script or #SBATCH line cannot carry", async () => {
    const s = await slurmStudy([{id: "x", gpus: 1, command: ["true"], env: {"BAD;NAME": "1"}}]);
    await expect(runStudy(s.file, options())).rejects.toThrow(/BAD;NAME' is not a variable name|sbatch is not on PATH/);
    const dir = await tempDir();
    const bad = path.join(dir, "study.yaml");
    await mkdir(dir, {recursive: true});
    await writeFile(bad, stringify({release: "r", title: "t", pipeline: "virnucpro", executor: {kind: "slurm", partition: "gpu\n#SBATCH --uid=0"}, runs: [{id: "x", gpus: 1}]}));
    await expect(loadStudy(bad)).rejects.toThrow(/field 'executor.partition': one word without spaces/);
    await writeFile(bad, stringify({release: "r", title: "t", pipeline: "virnucpro", executor: {kind: "slurm", time_limit: "soon"}, runs: [{id: "x", gpus: 1}]}));
    await expect(loadStudy(bad)).rejects.toThrow(/executor.time_limit/);
  });
});
