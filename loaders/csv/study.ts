/**
 * What a `pipeline: csv` study declares (merged into the study schema by engine/study.ts): a `csv:` block
 * naming the columns of the timings and outputs tables, which stages run on GPUs, and per run the
 * `timings:` table. The run's `outputs:` and `gpu_samples:` and the reference's `outputs:` are the
 * common study fields, pointing at files.
 *
 * No value of engine/study.ts is used at this module's top level (see the import note there).
 */
import {z} from "zod";

const column = z.string().min(1, "a column name of the table");

export const CsvTimingsSchema = z
  .object({
    /** the column naming the stage */
    stage: column,
    /** the column of stage durations; or start and end timestamps */
    seconds: column.optional(),
    start: column.optional(),
    end: column.optional(),
    /** unit of the durations: s (default), ms, min or h */
    unit: z.enum(["s", "ms", "min", "h"]).default("s"),
    /** the stage value of a row holding the run's total (e.g. TOTAL) */
    total_row: z.string().min(1).optional(),
    /** a column holding the run's total (the same value on every row that fills it) */
    total_column: column.optional()
  })
  .strict()
  .superRefine((t, ctx) => {
    const timestamps = t.start !== undefined || t.end !== undefined;
    if (t.seconds === undefined && !timestamps) ctx.addIssue({code: "custom", path: ["seconds"], message: "name the durations column (seconds:) or the start: and end: timestamp columns"});
    if (t.seconds !== undefined && timestamps) ctx.addIssue({code: "custom", path: ["seconds"], message: "give seconds: or start:/end:, not both"});
    if (timestamps && (t.start === undefined || t.end === undefined)) ctx.addIssue({code: "custom", path: [t.start === undefined ? "end" : "start"], message: "start: and end: go together"});
    if (t.total_row !== undefined && t.total_column !== undefined) ctx.addIssue({code: "custom", path: ["total_column"], message: "give total_row: or total_column:, not both"});
  });

export const CsvOutputsSchema = z
  .object({
    id: column,
    label: column,
    /** optional: without it only labels are compared */
    score: column.optional(),
    /** optional: a column whose value says which level a row belongs to */
    level: column.optional(),
    /** the values of the level column that are benchbook's two levels */
    levels: z
      .object({consensus: z.string().min(1).optional(), per_frame: z.string().min(1).optional()})
      .strict()
      .optional()
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.level === undefined) !== (o.levels === undefined)) ctx.addIssue({code: "custom", path: [o.level === undefined ? "levels" : "level"], message: "level: (the column) and levels: (its values) go together"});
    if (o.levels && !o.levels.consensus && !o.levels.per_frame) ctx.addIssue({code: "custom", path: ["levels"], message: "name the value of at least one level (consensus: or per_frame:)"});
  });

export const CsvBlockSchema = z
  .object({
    /** ',', 'tab' or ';'; detected from each header when not given */
    delimiter: z.enum([",", "tab", ";"]).optional(),
    timings: CsvTimingsSchema,
    /** stages that run on GPUs; the first is the one parallelised across GPUs */
    gpu_stages: z.array(z.string().min(1)).default([]),
    /** the stage whose time window GPU utilisation is judged in (default: the first GPU stage) */
    gpu_window: z.string().min(1).optional(),
    outputs: CsvOutputsSchema.optional()
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.gpu_window !== undefined && !c.gpu_stages.includes(c.gpu_window)) ctx.addIssue({code: "custom", path: ["gpu_window"], message: `'${c.gpu_window}' is not one of gpu_stages`});
  });

export const CSV_STUDY_FIELDS = {csv: CsvBlockSchema};
export const CSV_RUN_FIELDS = {
  /** the run's timings table, relative to the study file */
  timings: z.string().min(1, "a path relative to the study file").optional(),
  /**
   * the model, version or configuration the run's outputs came from, compared with reference.model: when
   * either is unknown a correctness pass is inconclusive (a mismatch cannot be ruled out)
   */
  model: z.string().min(1).optional()
};

export type CsvBlock = z.infer<typeof CsvBlockSchema>;
export type CsvTimings = z.infer<typeof CsvTimingsSchema>;
export type CsvOutputs = z.infer<typeof CsvOutputsSchema>;
