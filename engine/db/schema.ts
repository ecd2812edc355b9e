/**
 * The DuckDB schema every metric is computed from. One database per study (see ingest.ts for where it
 * lives). Timestamps are the pipeline log's naive local clock; GPU samples are moved onto it with the
 * offset their file's header reveals.
 *
 * `source` in prediction tables is a run id, or 'reference' for the study's reference outputs. Ingest
 * fills TEMP tables of the same name and stores the comparison (metrics/correctness-store.ts, schema 3),
 * so in an ingested database the prediction tables are empty.
 */
export const SCHEMA_VERSION = 8;

/**
 * The engine's tables: what every pipeline fills (or leaves empty). A pipeline's tables of its own are
 * its adapter's `schemaSql` (e.g. loaders/virnucpro/schema.ts), created after these at ingest.
 */
export const SCHEMA_SQL = `
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);

-- The input files as the fingerprint hashed them (engine/ingest/fingerprint.ts): a hash is reused while
-- every stat field still matches, so an unchanged study is not read again to find it unchanged. sha256
-- (schema 7; sha1 before): the digest the artifacts table records, so ingest reads each file once.
CREATE TABLE file_hashes (path VARCHAR PRIMARY KEY, dev VARCHAR, ino VARCHAR, size VARCHAR, mtime_ns VARCHAR, ctime_ns VARCHAR, sha256 VARCHAR NOT NULL);

-- What the pipeline's adapter tells the engine (engine/ingest/adapter.ts PipelineProfile): which stage is
-- the parallelised GPU stage, which stage GPU samples are judged in, the scale of a logged packing figure,
-- and its default criteria (JSON). The views read these instead of naming a pipeline's stages.
CREATE TABLE pipeline_profile (key VARCHAR PRIMARY KEY, value VARCHAR);

-- The pipeline's own views (PipelineAdapter.views), created after the engine's: stored so a report built
-- from the database alone installs them. Tables of the pipeline's own come from PipelineAdapter.schemaSql.
CREATE TABLE pipeline_views (name VARCHAR PRIMARY KEY, ord INTEGER NOT NULL, sql VARCHAR NOT NULL);

CREATE TABLE releases (
  release VARCHAR PRIMARY KEY,
  title VARCHAR NOT NULL,
  pipeline VARCHAR NOT NULL,
  study_file VARCHAR NOT NULL,
  baseline_label VARCHAR,
  baseline_total_seconds DOUBLE,
  reference_label VARCHAR,
  tolerance DOUBLE NOT NULL
);

-- One row per study run plus one for the reference (role = 'reference').
CREATE TABLE runs (
  run_id VARCHAR PRIMARY KEY,
  ord INTEGER NOT NULL,
  role VARCHAR NOT NULL,             -- 'run' | 'reference'
  label VARCHAR,
  gpus INTEGER,
  -- complete: summary seen and success; incomplete: no (whole) summary; failed: error/oom exit;
  -- no_log: no console log given; broken: the log could not be read at all;
  -- timed_out / interrupted / failed: what benchbook run recorded in the run's manifest (it wins over the log)
  status VARCHAR NOT NULL,
  status_reason VARCHAR,             -- why the status is not complete, in words (the runner's reason when it ran it)
  outcome VARCHAR,                   -- success | completed_with_failures | failed | out_of_memory | already_complete | unknown
  total_seconds DOUBLE,              -- 'Total wall time' of the PIPELINE SUMMARY
  total_hms VARCHAR,
  total_line INTEGER,                -- line of 'Total wall time' in log_file
  model_path VARCHAR,
  expected_length INTEGER,
  model_source VARCHAR,              -- where model/length came from: config | pipeline_state | chunked_name | study
  model_file VARCHAR,                -- the file and line of that evidence
  model_line INTEGER,
  summary_line INTEGER,              -- line of the PIPELINE SUMMARY in log_file
  architecture VARCHAR,
  input_path VARCHAR,
  gpu_names VARCHAR,                 -- distinct device names, ', ' separated
  detected_gpus INTEGER,
  world_size INTEGER,
  resume BOOLEAN,
  parallel BOOLEAN,
  first_at TIMESTAMP,
  last_at TIMESTAMP,
  hdf5_conversion_seconds DOUBLE,
  command VARCHAR,                   -- JSON array, as in the study file
  log_file VARCHAR,
  outputs_dir VARCHAR,
  input_sha256 VARCHAR               -- checksum(s) of the input files, from the run manifest when benchbook ran it
);

CREATE TABLE run_config (run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, value VARCHAR);

-- Stage times keyed by telemetry name. seconds: summary line when present, else the 'completed in' line.
CREATE TABLE stages (
  run_id VARCHAR NOT NULL,
  stage VARCHAR NOT NULL,
  ord INTEGER,                       -- start order in this run
  seconds DOUBLE,
  summary_seconds DOUBLE,
  completed_seconds DOUBLE,
  summary_pct DOUBLE,
  summary_line INTEGER,              -- line of the summary's stage line
  completed_line INTEGER,            -- line of the 'completed in' line
  skipped BOOLEAN NOT NULL,
  is_gpu BOOLEAN NOT NULL,           -- the stage runs on GPUs (the adapter says which)
  started_at TIMESTAMP,
  ended_at TIMESTAMP,
  extras JSON
);

CREATE TABLE workers (
  run_id VARCHAR NOT NULL,
  worker INTEGER NOT NULL,
  world_size INTEGER,
  segments INTEGER,
  device_name VARCHAR,
  started_at TIMESTAMP,
  model_load_started_at TIMESTAMP,
  model_loaded_at TIMESTAMP,
  inference_started_at TIMESTAMP,
  first_batch_at TIMESTAMP,
  inference_completed_at TIMESTAMP,
  completed_at TIMESTAMP,
  assigned_sequences BIGINT,
  assigned_tokens BIGINT,
  sequences BIGINT,
  seq_per_sec DOUBLE,
  tokens_per_sec DOUBLE,
  token_budget INTEGER,
  avg_wait_ms DOUBLE,
  max_wait_ms DOUBLE,
  logged_final_packing DOUBLE,
  source_file VARCHAR
);

CREATE TABLE batches (
  run_id VARCHAR NOT NULL,
  worker INTEGER NOT NULL,
  batch INTEGER NOT NULL,
  kind VARCHAR NOT NULL,             -- dataloader | progress
  logged_at TIMESTAMP,
  wait_ms DOUBLE,
  sequences INTEGER,
  tokens INTEGER,
  queue_state VARCHAR,
  done BIGINT,
  total BIGINT,
  logged_pack_eff DOUBLE,            -- as logged, on the pipeline's own scale (pipeline_profile logged_packing_scale)
  tokens_per_sec DOUBLE,
  seq_per_sec DOUBLE,
  eta VARCHAR,
  file VARCHAR,                      -- the worker log, or the console log its lines were read from
  line INTEGER
);

CREATE TABLE io_warnings (
  run_id VARCHAR NOT NULL, worker INTEGER, logged_at TIMESTAMP, severity VARCHAR NOT NULL, utilization DOUBLE, file VARCHAR, line INTEGER
);

CREATE TABLE gpu_monitors (
  run_id VARCHAR NOT NULL,
  monitor VARCHAR NOT NULL,          -- file path
  format VARCHAR NOT NULL,           -- gpu_metrics | nvidia_smi
  started_at TIMESTAMP,
  stopped_at TIMESTAMP,
  devices VARCHAR,
  nvitop VARCHAR,
  utc_offset_seconds INTEGER,
  samples INTEGER
);

CREATE TABLE gpu_samples (
  run_id VARCHAR NOT NULL,
  monitor VARCHAR NOT NULL,
  sampled_at TIMESTAMP,              -- on the run log's local clock (epoch + offset); 'at' is reserved in DuckDB
  epoch DOUBLE NOT NULL,
  device INTEGER NOT NULL,
  uuid VARCHAR,
  utilization DOUBLE NOT NULL,
  memory_mib DOUBLE,
  memory_pct DOUBLE,
  temperature DOUBLE,
  power_watts DOUBLE,
  stage VARCHAR,
  line INTEGER                       -- the sample's line in the monitor file
);

CREATE TABLE predictions_frame (
  source VARCHAR NOT NULL,
  sequence_id VARCHAR NOT NULL,
  prediction VARCHAR NOT NULL,       -- virus | others
  score_others DOUBLE,               -- score1
  score_virus DOUBLE                 -- score2
);

CREATE TABLE predictions_consensus (
  source VARCHAR NOT NULL,
  modified_id VARCHAR NOT NULL,
  is_virus BOOLEAN NOT NULL,
  max_score_others DOUBLE,           -- NULL for two-column (vanilla) files
  max_score_virus DOUBLE
);

-- Outputs of pipelines with labels of their own (pipeline: csv): one label and an optional score per id.
-- v_predictions maps them onto the two-class columns the correctness views compare (see there).
CREATE TABLE predictions_labels (
  source VARCHAR NOT NULL,
  level VARCHAR NOT NULL,            -- consensus | per_frame
  id VARCHAR NOT NULL,
  label VARCHAR NOT NULL,
  score DOUBLE
);

-- Files read per source, with checksums for provenance.
CREATE TABLE artifacts (
  run_id VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,             -- console_log | worker_log | gpu_metrics | nvidia_smi | pipeline_state | predictions_frame | predictions_consensus | run_manifest
  path VARCHAR NOT NULL,
  bytes BIGINT,
  sha256 VARCHAR,
  rows BIGINT
);

CREATE TABLE findings (
  run_id VARCHAR,                    -- NULL for study-level findings
  code VARCHAR NOT NULL,
  severity VARCHAR NOT NULL,         -- error | warning | info
  message VARCHAR NOT NULL,
  file VARCHAR,
  line INTEGER,
  affects VARCHAR                    -- comma-separated areas: timing, scaling, correctness, gpu, packing, throughput, metadata
);
`;
