/**
 * What benchbook knows about VirNucPro as a pipeline (FORMATS.md beside this file): its stages, which of
 * them run on GPUs, which stage the GPU figures are judged in, the scale of its logged packing figure,
 * and the Phase 10 targets that apply when a study declares no criteria. The engine reads these through
 * the adapter (engine/ingest/adapter.ts); it names no VirNucPro stage itself.
 */
import type {PipelineProfile} from "../../engine/ingest/adapter.ts";
import type {CriterionSpec} from "../../engine/study.ts";

/** Telemetry names in pipeline order, and the checkpoint enum names they correspond to. */
export const STAGE_NAMES: ReadonlyArray<{name: string; enum: string}> = [
  {name: "Sequence Chunking", enum: "CHUNKING"},
  {name: "Six-Frame Translation", enum: "TRANSLATION"},
  {name: "Nucleotide File Splitting", enum: "NUCLEOTIDE_SPLITTING"},
  {name: "Protein File Splitting", enum: "PROTEIN_SPLITTING"},
  {name: "DNABERT-S Feature Extraction", enum: "NUCLEOTIDE_FEATURES"},
  {name: "ESM-2 Feature Extraction", enum: "PROTEIN_FEATURES"},
  {name: "Feature Merging", enum: "FEATURE_MERGING"},
  {name: "Model Prediction", enum: "PREDICTION"},
  {name: "Consensus Scoring", enum: "CONSENSUS"}
];

export const ESM_STAGE = "ESM-2 Feature Extraction";
export const DNABERT_STAGE = "DNABERT-S Feature Extraction";

/** Stages that run on the GPU (the rest are CPU stages). */
export const GPU_STAGES = [DNABERT_STAGE, ESM_STAGE] as const;

export const PROFILE: PipelineProfile = {
  // v2.0 parallelises ESM-2 across GPUs; its workers log batches and the GPU monitors run during it only
  primaryGpuStage: ESM_STAGE,
  gpuWindowStage: ESM_STAGE,
  // DNABERT-S runs on GPUs but did not scale in v2.0: the what-if figures ask what it would have given
  secondaryGpuStage: DNABERT_STAGE,
  // the pipeline divides its logged `pack eff` by 4096, whatever the real token budget (FORMATS §5.3)
  loggedPackingScale: 4096,
  // what the report text calls them ("DNABERT-S scaled like ESM-2")
  stageLabels: {[ESM_STAGE]: "ESM-2", [DNABERT_STAGE]: "DNABERT-S"},
  // prediction_results*: labels virus / others, score2 = P(virus) (FORMATS §8)
  classes: {positive: "virus", negative: "others"},
  families: ["throughput", "packing", "gpu", "io_warnings"],
  // the chunking line counts the input sequences; a run resumed past chunking has the translation's count
  inputCountStages: ["Sequence Chunking", "Six-Frame Translation"],
  totalSource: "'Total wall time' of the PIPELINE SUMMARY"
};

/** Phase 10 targets (FORMATS §11.1), used when a study declares no criteria. */
export const DEFAULT_CRITERIA: readonly CriterionSpec[] = [
  {id: "time_1gpu", label: "1-GPU total time < 1 h", metric: "run.total_seconds", comparison: "<", target: 3600, run: "gpus=1"},
  {id: "time_2gpu", label: "2-GPU total time < 30 min", metric: "run.total_seconds", comparison: "<", target: 1800, run: "gpus=2"},
  {id: "scaling", label: "Multi-GPU scaling >= 1.9x", metric: "scaling.speedup", comparison: ">=", target: 1.9},
  {id: "baseline_speedup", label: "Speedup over baseline >= 4.0x", metric: "baseline.speedup", comparison: ">=", target: 4.0},
  {id: "consensus_agreement", label: "Consensus label agreement >= 99 %", metric: "correctness.consensus.label_agreement", comparison: ">=", target: 0.99, run: "every"},
  {id: "gpu_utilization", label: "GPU utilization during ESM-2 > 80 %", metric: "gpu.mean_utilization", comparison: ">", target: 0.8, run: "every"},
  {id: "packing_efficiency", label: "Packing efficiency > 90 %", metric: "packing.efficiency", comparison: ">", target: 0.9, run: "every"}
];
