/**
 * What a `pipeline: hyperfine` study declares (merged into the study schema by engine/study.ts): the
 * export file, and per run which of its commands the run is. `gpus` is the run's parallelism count
 * (GPUs, threads or workers): scaling compares runs by it.
 *
 * No value of engine/study.ts is used at this module's top level (see the import note there).
 */
import {z} from "zod";

const relativePath = z.string().min(1, "a path relative to the study file");

export const HYPERFINE_STUDY_FIELDS = {
  /** the file `hyperfine --export-json` wrote (runs may name their own) */
  export: relativePath.optional()
};

export const HYPERFINE_RUN_FIELDS = {
  /** the command as the export names it: the command line, or its --command-name (default: the run id) */
  benchmark: z.string().min(1).optional(),
  /** this run's export file, when it is not the study's */
  export: relativePath.optional()
};

export interface HyperfineRunFields {
  benchmark?: string;
  export?: string;
}
