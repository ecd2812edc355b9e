/**
 * After an execution: the prediction files the study expects under the run's `outputs` must exist, have
 * data rows, and have been written by this execution. VirNucPro's `--force` deletes nothing (FORMATS.md
 * §10.1), so a file left by an earlier run would otherwise pass for this run's result.
 */
import {open, stat} from "node:fs/promises";
import {findFilesNamed} from "../../engine/artifacts.ts";
import type {OutputsCheck} from "./manifest.ts";

export const EXPECTED_OUTPUTS = ["prediction_results.txt", "prediction_results_highestscore.csv"] as const;

/** mtime granularity and clock skew between a network filesystem and this host */
const MTIME_SLACK_MS = 1000;

export async function checkOutputs(dir: string, startedAt: Date): Promise<OutputsCheck> {
  const files: OutputsCheck["files"] = [];
  for (const name of EXPECTED_OUTPUTS) {
    const found = await findFilesNamed(dir, name);
    if (found.length === 0) {
      files.push({name, path: null, bytes: null, has_data_rows: null, modified_at: null, problem: `no ${name} under ${dir}`});
      continue;
    }
    for (const file of found) {
      const s = await stat(file);
      const hasRows = s.size > 0 && (await hasDataRow(file));
      let problem: string | null = null;
      if (s.size === 0) problem = `${file} is empty`;
      else if (!hasRows) problem = `${file} has a header but no data rows`;
      else if (s.mtimeMs < startedAt.getTime() - MTIME_SLACK_MS) problem = `${file} was last written ${s.mtime.toISOString()}, before this execution started`;
      files.push({name, path: file, bytes: s.size, has_data_rows: hasRows, modified_at: s.mtime.toISOString(), problem});
    }
  }
  const problems = files.filter((f) => f.problem !== null).map((f) => f.problem!);
  return {dir, ok: problems.length === 0, reason: problems.length ? `outputs: ${problems.join("; ")}` : null, files};
}

/**
 * Whether a line follows the header. Only the start of the file is read: the files reach tens of
 * megabytes and ingest counts rows properly; here the question is only "any data at all".
 */
async function hasDataRow(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString("utf8");
    const newline = text.indexOf("\n");
    return newline >= 0 && text.slice(newline + 1).trim() !== "";
  } finally {
    await handle.close();
  }
}
