import type {PipelineAdapter} from "./types.ts";
import {virnucpro} from "./virnucpro/adapter.ts";

export const adapters: Record<string, PipelineAdapter> = {
  [virnucpro.name]: virnucpro
};
