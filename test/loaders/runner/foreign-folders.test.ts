/**
 * `benchbook run` never deletes what it did not create: an `executions/` folder in a user's own cwd is
 * left alone (and refused when --repeat needs the name), and a run id cannot address the folder above.
 */
import {mkdir, readdir, readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {InputError} from "../../../engine/errors.ts";
import {loadStudy} from "../../../engine/study.ts";
import {EXECUTIONS_MARKER} from "../../../loaders/runner/layout.ts";
import {runStudy, type RunStudyOptions} from "../../../loaders/runner/run.ts";
import {makeStudy, pipeline, removeTempDirs, Sink, tempDir} from "./helpers.ts";

afterAll(removeTempDirs);

const quiet = (extra: RunStudyOptions = {}): RunStudyOptions => ({ingest: false, nvidiaSmi: null, stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false, killGraceSeconds: 0.5, ...extra});

describe("folders benchbook did not create", () => {
  it("a cwd's own executions/ folder survives a run, and --repeat refuses to use or remove it", async () => {
    const victim = await tempDir("benchbook-victim-");
    await mkdir(path.join(victim, "executions", "2026"), {recursive: true});
    await writeFile(path.join(victim, "executions", "2026", "ledger.txt"), "precious");
    const s = await makeStudy([{id: "r1", gpus: 1, outputs: "out", command: pipeline("PLACEHOLDER"), cwd: victim}]);
    await writeFile(s.file, (await readFile(s.file, "utf8")).replace("PLACEHOLDER", s.input));
    const [r] = await runStudy(s.file, quiet());
    expect(r!.status).toBe("succeeded");
    expect(await readFile(path.join(victim, "executions", "2026", "ledger.txt"), "utf8")).toBe("precious");
    const error = await runStudy(s.file, quiet({repeat: 2})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(`${path.join(victim, "executions")}: exists and was not made by benchbook`);
    expect(await readdir(path.join(victim, "executions"))).toEqual(["2026"]);
  }, 60_000);

  it("--repeat marks the executions/ folder it makes, and the next --repeat replaces only that", async () => {
    const s = await makeStudy([{id: "r1", gpus: 1, outputs: "out", command: pipeline("PLACEHOLDER")}]);
    await writeFile(s.file, (await readFile(s.file, "utf8")).replace("PLACEHOLDER", s.input));
    await runStudy(s.file, quiet({repeat: 2}));
    const executions = path.join(s.dir, "runs", "r1", "executions");
    expect((await readdir(executions)).sort()).toEqual([EXECUTIONS_MARKER, "1", "2"]);
    await runStudy(s.file, quiet({repeat: 2}));
    expect((await readdir(executions)).sort()).toEqual([EXECUTIONS_MARKER, "1", "2"]);
  }, 60_000);

  it("refuses run ids '.' and '..' (they would name the runs/ folder or the study folder)", async () => {
    for (const id of ["..", ".", "..."]) {
      const s = await makeStudy([{id, gpus: 1, command: ["true"]}]);
      const error = await loadStudy(s.file).catch((e: unknown) => e);
      expect(error, id).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/field 'runs\[0\]\.id'.*not only dots/);
    }
  });
});
