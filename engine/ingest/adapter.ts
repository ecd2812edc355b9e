import type {DuckDBConnection} from "@duckdb/node-api";
import type {RunSpec, Study} from "../study.ts";

export interface FindingRow {
  run_id: string | null;
  code: string;
  severity: "error" | "warning" | "info";
  message: string;
  file: string | null;
  line: number | null;
  affects: string[];
}

export interface ArtifactRow {
  run_id: string;
  kind: string;
  path: string;
  bytes: number | null;
  sha256: string | null;
  rows: number | null;
}

/** What an adapter gets to ingest one run: the open database and sinks for findings and artifacts. */
export interface IngestContext {
  connection: DuckDBConnection;
  study: Study;
  finding(row: FindingRow): void;
  artifact(row: ArtifactRow): void;
}

/**
 * A pipeline adapter turns one pipeline's artifacts into rows of the benchbook schema. Adding a pipeline
 * means: parsers under loaders/<name>/, an adapter object implementing this, and its name in
 * the study schema's `pipeline` enum and in adapters/index.ts.
 */
export interface PipelineAdapter {
  name: string;
  ingestRun(context: IngestContext, run: RunSpec, ord: number): Promise<void>;
  ingestReference(context: IngestContext, reference: NonNullable<Study["reference"]>, ord: number): Promise<void>;
}
