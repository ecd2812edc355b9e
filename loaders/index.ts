import type {PipelineAdapter} from "../engine/ingest/adapter.ts";
import {virnucpro} from "./virnucpro/adapter.ts";

export const adapters: Record<string, PipelineAdapter> = {
  [virnucpro.name]: virnucpro
};
