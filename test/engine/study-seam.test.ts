/**
 * The study seam: a pipeline's own study fields are merged into the strict schema only when a study
 * names that pipeline; its default criteria may depend on what the study declares.
 */
import {describe, expect, it} from "vitest";
import {z} from "zod";
import {InputError} from "../../engine/errors.ts";
import {profileRows, type PipelineAdapter} from "../../engine/ingest/adapter.ts";
import {parseStudy} from "../../engine/study.ts";
import {adapters} from "../../loaders/index.ts";

const toy: PipelineAdapter = {
  name: "toy",
  studyFields: {toy: z.object({column: z.string()}).strict()},
  runFields: {table: z.string().optional()},
  profile: (study) => ({primaryGpuStage: (study as {toy?: {column: string}}).toy?.column ?? null, gpuWindowStage: null, secondaryGpuStage: null, loggedPackingScale: null}),
  defaultCriteria: (study) => (study.baseline ? [{id: "b", label: "b", metric: "baseline.speedup", comparison: ">", target: 1}] : []),
  ingestRun: async () => {},
  ingestReference: async () => {}
};
const pipelines = {...adapters, toy};
const text = `release: r\ntitle: t\npipeline: toy\ntoy:\n  column: embed\nruns:\n  - {id: a, gpus: 1, table: a.csv}\n`;

function error(work: () => unknown): InputError {
  try {
    work();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

describe("a pipeline's own study fields", () => {
  it("parse when the study names the pipeline, and reach its profile and criteria", () => {
    const study = parseStudy(text, "/s/study.yaml", pipelines);
    expect((study.runs[0] as {table?: string}).table).toBe("a.csv");
    expect(profileRows(toy, study).find((r) => r.key === "primary_gpu_stage")?.value).toBe("embed");
    expect(profileRows(toy, study).find((r) => r.key === "default_criteria")?.value).toBe("[]");
    const withBaseline = parseStudy(text.replace("runs:", "baseline: {label: x, total_seconds: 10}\nruns:"), "/s/study.yaml", pipelines);
    expect(JSON.parse(profileRows(toy, withBaseline).find((r) => r.key === "default_criteria")!.value!)).toHaveLength(1);
  });

  it("stay strict: a misspelt pipeline field names its line and the field it probably meant", () => {
    const e = error(() => parseStudy(text.replace("table: a.csv", "tablle: a.csv"), "/s/study.yaml", pipelines));
    expect(e.message).toMatch(/'tablle' \(did you mean 'table'\?\).*expected one of: .*table/);
    expect(e.line).toBe(7);
    expect(error(() => parseStudy(text.replace("column: embed", "colum: embed"), "/s/study.yaml", pipelines)).line).toBe(5);
  });

  it("are unknown to a study naming another pipeline", () => {
    expect(error(() => parseStudy(text.replace("pipeline: toy", "pipeline: virnucpro"), "/s/study.yaml", pipelines)).message).toMatch(/unknown field '(toy|table)'/);
  });

  it("may not redefine a common field", () => {
    const bad = {...pipelines, toy: {...toy, runFields: {gpus: z.string()}}};
    expect(() => parseStudy(text, "/s/study.yaml", bad)).toThrow(/may not redefine the study fields gpus/);
  });
});
