import {spawn} from "node:child_process";
import {readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {fileURLToPath} from "node:url";
import {afterAll, describe, expect, it} from "vitest";
import {readManifest} from "../../../loaders/runner/manifest.ts";
import {isAlive, makeStudy, pipeline, waitFor, removeTempDirs} from "./helpers.ts";

afterAll(removeTempDirs);

const runModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../commands/run.ts");

describe("runCommand under SIGTERM", () => {
  it("stops the pipeline's process group, records interrupted and exits 130", async () => {
    const s = await makeStudy([{id: "time_1gpu", gpus: 1, outputs: "out", command: pipeline("../../input.fa", "--hang-at", "6", "--grandchild", "../../gc.pid")}]);
    const script = path.join(s.dir, "cli.mts");
    await writeFile(script, `import {runCommand} from ${JSON.stringify(runModule)};\nprocess.exitCode = await runCommand(process.argv.slice(2));\n`);
    const child = spawn(process.execPath, ["--import", "tsx", script, s.file, "--timeout", "60"], {cwd: path.dirname(runModule), stdio: ["ignore", "pipe", "pipe"]});
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

    const log = path.join(s.dir, "runs/time_1gpu/console.log");
    await waitFor(async () => (await readFile(log, "utf8").catch(() => "")).includes("=== Stage 6:"), 20_000);
    child.kill("SIGTERM");
    expect(await exited).toBe(130);
    expect(stderr).toContain("SIGTERM: stopping the pipeline");
    expect(stdout).toContain("time_1gpu: INTERRUPTED");

    const m = await readManifest(path.join(s.dir, "runs/time_1gpu/run.json"));
    expect(m).toMatchObject({status: "interrupted", reason: "interrupted (benchbook received SIGTERM)"});
    expect(m.ended_at).not.toBeNull();
    const grandchild = Number(await readFile(path.join(s.dir, "gc.pid"), "utf8"));
    await waitFor(async () => !(await isAlive(grandchild)), 2000);
  });
});
