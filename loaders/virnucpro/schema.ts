/**
 * Tables only VirNucPro fills (its adapter's `schemaSql`): ingest creates them after the engine's schema
 * (engine/db/schema.ts). No engine view reads them; they keep the evidence for the database's readers.
 */
export const VIRNUCPRO_SCHEMA_SQL = `
-- pipeline_state.json stages (second timing source, enum names)
CREATE TABLE checkpoint_stages (
  run_id VARCHAR NOT NULL, stage VARCHAR NOT NULL, status VARCHAR, started_at VARCHAR, completed_at VARCHAR, duration_seconds DOUBLE
);

-- the PIPELINE SUMMARY's bottleneck list, in its order
CREATE TABLE summary_bottlenecks (run_id VARCHAR NOT NULL, rank INTEGER NOT NULL, stage VARCHAR NOT NULL, pct DOUBLE);

-- DNABERT-S work per GPU, from the console log
CREATE TABLE dnabert_gpus (
  run_id VARCHAR NOT NULL, gpu INTEGER NOT NULL, files INTEGER, sequences BIGINT, completed_files INTEGER, total_files INTEGER, finished_at TIMESTAMP
);
`;
