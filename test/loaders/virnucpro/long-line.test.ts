/**
 * Bounded memory for a console log that is one huge line without a newline: the line is cut at
 * MAX_SEGMENT_CHARS, the rest skipped, and the cut reported as a finding with file and line.
 */
import {execFile} from "node:child_process";
import {open, writeFile} from "node:fs/promises";
import path from "node:path";
import {promisify} from "node:util";
import {describe, expect, it} from "vitest";
import {MAX_SEGMENT_CHARS, streamTextSegments} from "../../../engine/artifacts.ts";
import {useTmp} from "../../helpers/tmp.ts";
import {runawayLine} from "../../corpus/corpus.ts";
import {REPO} from "../../helpers/tmp.ts";

const run = promisify(execFile);
const tmp = useTmp();
const FIRST = "2026-02-09 11:00:00 - virnucpro.cli - INFO - starting\n";

/** FIRST, then `mib` MiB of text with no line break, then one more record line. */
async function longLineLog(file: string, mib: number): Promise<void> {
  const handle = await open(file, "w");
  const block = runawayLine(2 ** 20);
  try {
    await handle.write(FIRST);
    for (let i = 0; i < mib; i++) await handle.write(block);
    await handle.write("\n2026-02-09 11:00:01 - virnucpro.cli - INFO - after the long line\n");
  } finally {
    await handle.close();
  }
}

describe("a line without a line break", () => {
  it("is handed on cut at MAX_SEGMENT_CHARS and reported with its line; the next line is read", async () => {
    const file = path.join(await tmp(), "console.log");
    await longLineLog(file, 5);
    const segments: Array<[number, number]> = [];
    const info = await streamTextSegments(file, "console log", (text, line) => segments.push([line, text.length]), {chunkBytes: 64 * 1024});
    expect(segments).toEqual([
      [1, FIRST.length - 1],
      [2, MAX_SEGMENT_CHARS],
      [3, "2026-02-09 11:00:01 - virnucpro.cli - INFO - after the long line".length]
    ]);
    expect(info.overlongLines).toEqual([{line: 2, chars: 5 * 2 ** 20}]);
    expect(info.lines).toBe(3);
  });

  it("a 50 MB one-line log ingests under a 64 MB V8 heap, with a finding naming the file and line", async () => {
    const dir = await tmp();
    const log = path.join(dir, "console.log");
    await longLineLog(log, 50);
    const study = path.join(dir, "study.yaml");
    await writeFile(study, "release: v1\ntitle: long line\npipeline: virnucpro\nruns:\n  - id: r1\n    gpus: 1\n    log: console.log\n");
    const {stdout} = await run(process.execPath, ["--max-old-space-size=64", "--import", "tsx", path.join(REPO, "test", "loaders", "virnucpro", "ingest-child.ts"), study, path.join(dir, "db.duckdb")], {cwd: REPO, maxBuffer: 16 * 2 ** 20});
    const findings = JSON.parse(stdout) as Array<{code: string; file: string; line: number; message: string}>;
    const cut = findings.filter((f) => f.code === "line_too_long");
    expect(cut).toEqual([expect.objectContaining({file: log, line: 2, severity: "warning"})]);
    expect(cut[0]!.message).toContain(`a line of ${(50 * 2 ** 20).toLocaleString("en-US")} characters without a line break`);
  }, 120_000);
});
