/**
 * Unusable input gets one line naming the file (and line), exit 2, never a stack trace; a closed
 * stdout pipe ends the command quietly. Each case runs the real CLI as a user would.
 */
import {spawn} from "node:child_process";
import {mkdir, writeFile} from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {useTmp} from "../helpers/tmp.ts";
import {REPO} from "../helpers/tmp.ts";
import {V20} from "../engine/archive/helpers.ts";

const tmp = useTmp();
const BIN = path.join(REPO, "bin", "benchbook.js");

function cli(args: string[], options: {shell?: string} = {}): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = options.shell ? spawn("bash", ["-o", "pipefail", "-c", options.shell], {cwd: REPO}) : spawn(process.execPath, [BIN, ...args], {cwd: REPO});
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({code, stdout, stderr}));
  });
}

/** exit 2 and exactly one line on stderr, which contains every needle */
function expectOneLine(result: {code: number | null; stderr: string}, ...needles: string[]): void {
  expect(result.stderr.trimEnd().split("\n"), result.stderr).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  for (const needle of needles) expect(result.stderr).toContain(needle);
  expect(result.code).toBe(2);
}

const STUDY_HEAD = "release: v1\ntitle: t\npipeline: virnucpro\n";

describe("clear errors from the command line", () => {
  it("study files: alias bomb, path escape and unknown metric with their line, .nan as NaN, an unknown run, a 300-character release", async () => {
    const dir = await tmp();
    const write = async (name: string, text: string) => {
      await writeFile(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const bomb = await write("bomb.yaml", `${STUDY_HEAD}a: &a ["x","x","x","x","x","x","x","x","x"]\n${["b", "c", "d", "e", "f", "g", "h", "i"].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(",")}]`).join("\n")}\nruns: [{id: r, gpus: 1}]\n`);
    const escape = await write("escape.yaml", `${STUDY_HEAD}runs:\n  - id: r1\n    gpus: 1\n    log: ../../etc/passwd\n`);
    const metric = await write("metric.yaml", `${STUDY_HEAD}runs:\n  - id: r1\n    gpus: 1\ncriteria:\n  - id: c1\n    label: x\n    metric: run.totl_seconds\n    comparison: "<"\n    target: 1\n`);
    const nan = await write("nan.yaml", `${STUDY_HEAD}runs:\n  - id: r1\n    gpus: .nan\n`);
    const unknownRun = await write("run.yaml", `${STUDY_HEAD}runs:\n  - id: r1\n    gpus: 1\ncriteria:\n  - id: c1\n    label: x\n    metric: run.total_seconds\n    comparison: "<"\n    target: 1\n    run: time_8gpu\n`);
    const long = await write("long.yaml", `release: ${"v".repeat(300)}\ntitle: t\npipeline: virnucpro\nruns:\n  - id: r1\n    gpus: 1\n`);
    const [b, e, m, n, u, l] = await Promise.all([bomb, escape, metric, nan, unknownRun, long].map((f) => cli(["check", f, "--db", path.join(dir, "x.duckdb")])));
    expectOneLine(b!, bomb, "alias");
    expectOneLine(e!, `${escape}:7: runs.r1.log: '../../etc/passwd' leaves the study folder`);
    expectOneLine(m!, `${metric}:10: field 'criteria[0].metric'`, "unknown metric 'run.totl_seconds'");
    expectOneLine(n!, `${nan}:6: field 'runs[0].gpus': expected number, got NaN`);
    expectOneLine(u!, `${unknownRun}:13: field 'criteria[0].run'`, "run 'time_8gpu'", "r1");
    expectOneLine(l!, `${long}:1: field 'release'`, "at most 100 characters");
  }, 120_000);

  it("files and ports: --output into a missing folder, --db on a folder, --archive /dev/null, a 300-character release, a busy port", async () => {
    const dir = await tmp();
    await mkdir(path.join(dir, "dbdir"));
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const missing = path.join(dir, "no", "such", "report.txt");
      const [o, d, a, r, p] = await Promise.all([
        cli(["report", V20, "--db", path.join(dir, "v.duckdb"), "--output", missing]),
        cli(["ingest", V20, "--db", path.join(dir, "dbdir")]),
        cli(["approve", "v2.0", "--by", "Ada", "--archive", "/dev/null"]),
        cli(["approve", "v".repeat(300), "--by", "Ada", "--archive", dir]),
        cli(["serve", dir, "--port", String(port)])
      ]);
      expectOneLine(o!, `${missing}: cannot write the output file (its folder does not exist)`);
      expectOneLine(d!, `${path.join(dir, "dbdir")}: is not a file`);
      expectOneLine(a!, "/dev/null: is not a folder");
      expectOneLine(r!, "(300 characters) cannot be used as a release folder name");
      expectOneLine(p!, `port ${port} is already in use`);
    } finally {
      busy.close();
    }
  }, 120_000);

  it("a reader that closes the pipe early (check | head -1, report | head -c 1) ends the command quietly", async () => {
    const db = path.join(await tmp(), "v.duckdb");
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const check = await cli([], {shell: `node ${q(BIN)} check ${q(V20)} --db ${q(db)} | head -1`});
    expect(check.stderr).toBe("");
    expect(check.stdout.split("\n")).toHaveLength(2);
    const report = await cli([], {shell: `node ${q(BIN)} report ${q(V20)} --format json --db ${q(db)} | head -c 1`});
    expect(report.stderr).toBe("");
    expect(report.stdout).toBe("{");
    expect(report.code).toBe(0);
  }, 120_000);
});
