/**
 * Nothing from a study file reaches a shell: `benchbook run` starts commands as argument vectors, so shell
 * syntax in a command arrives at the program as literal text and is never executed.
 */
import {access, mkdir, readFile, writeFile} from "node:fs/promises";
import path from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {stringify} from "yaml";
import {runStudy} from "../../loaders/runner/run.ts";
import {removeTempDirs, Sink, tempDir} from "../loaders/runner/helpers.ts";

afterAll(removeTempDirs);

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false
  );

describe("benchbook run with a hostile command", () => {
  it("passes ; rm -rf, $(…), backticks, pipes and globs to the program as literal arguments", async () => {
    const dir = await tempDir("benchbook-shell-");
    const victim = path.join(dir, "victim");
    await mkdir(victim);
    await writeFile(path.join(victim, "keep.txt"), "still here\n");
    const pwned = path.join(dir, "pwned");
    const hostile = [
      `; rm -rf ${victim}`,
      `$(touch ${pwned}-dollar)`,
      `\`touch ${pwned}-backtick\``,
      `| touch ${pwned}-pipe`,
      `&& touch ${pwned}-and`,
      `> ${pwned}-redirect`,
      "*",
      "$HOME",
      "'quoted' \"double\""
    ];
    // the program prints its own argv: what a shell would have expanded must arrive untouched
    const script = "process.stdout.write('ARGV ' + JSON.stringify(process.argv.slice(1)) + '\\n')";
    const studyFile = path.join(dir, "study.yaml");
    await writeFile(studyFile, stringify({release: "shell", title: "hostile command", pipeline: "virnucpro", runs: [{id: "evil", gpus: 1, log: "evil.log", command: ["node", "-e", script, ...hostile]}]}));

    const [result] = await runStudy(studyFile, {ingest: false, nvidiaSmi: null, stdout: new Sink() as unknown as NodeJS.WritableStream, tty: false, killGraceSeconds: 0.5});
    expect(result!.exitCode).toBe(0);
    const log = await readFile(path.join(dir, "evil.log"), "utf8");
    const line = log.split("\n").find((l) => l.startsWith("ARGV "));
    expect(JSON.parse(line!.slice(5))).toEqual(hostile);
    expect(await readFile(path.join(victim, "keep.txt"), "utf8")).toBe("still here\n");
    for (const suffix of ["-dollar", "-backtick", "-pipe", "-and", "-redirect"]) expect(await exists(`${pwned}${suffix}`)).toBe(false);
  });
});
