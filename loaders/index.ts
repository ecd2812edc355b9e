/**
 * The pipelines benchbook can ingest, by the name a study gives in `pipeline:`. Adding a pipeline is one
 * folder under loaders/ and one line here.
 */
import type {PipelineAdapter} from "../engine/ingest/adapter.ts";
import {csv} from "./csv/adapter.ts";
import {hyperfine} from "./hyperfine/adapter.ts";
import {virnucpro} from "./virnucpro/adapter.ts";

export const adapters: Readonly<Record<string, PipelineAdapter>> = {
  [virnucpro.name]: virnucpro,
  [csv.name]: csv,
  [hyperfine.name]: hyperfine
};
