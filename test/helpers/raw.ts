/**
 * Plain readers of raw pipeline artifacts for tests that recompute figures independently of the
 * parsers: a regular expression per line type, nothing shared with loaders/.
 */
import {readFile} from "node:fs/promises";

/** The stages that run on the GPU (the two feature extractions); every other stage is CPU work. */
export const GPU_STAGE_NAMES: readonly string[] = ["DNABERT-S Feature Extraction", "ESM-2 Feature Extraction"];

export const nonEmptyLines = (text: string) => text.split("\n").filter((l) => l.length > 0);
export const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export interface RawSummary {
  total: number;
  stages: Array<[string, number]>;
  /** sum of the GPU stages' seconds */
  gpu: number;
}

/** `Total wall time: HH:MM:SS (S.s)` and the `  N. Stage ....  S.s (  P%)` lines of a console capture. */
export async function readSummary(consoleLog: string): Promise<RawSummary> {
  const log = nonEmptyLines(await readFile(consoleLog, "utf8"));
  const totalLine = log.find((l) => l.includes("Total wall time"));
  if (!totalLine) throw new Error(`${consoleLog}: no Total wall time line`);
  const total = Number(/Total wall time: \S+ \(([\d.]+)s\)/.exec(totalLine)![1]);
  const stages = log.flatMap((l): Array<[string, number]> => {
    const m = / - INFO - {3}\d\. (.+?) \.+\s+([\d.]+)s \(/.exec(l);
    return m ? [[m[1]!, Number(m[2])]] : [];
  });
  return {total, stages, gpu: sum(stages.filter(([n]) => GPU_STAGE_NAMES.includes(n)).map(([, v]) => v))};
}
