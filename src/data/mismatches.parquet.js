// Every mismatching row of every run and level, as zstd Parquet written by DuckDB's COPY: the download on the Correctness page, never loaded by a page (at Phase 10 scale ~800,000 rows: 143 MB as CSV, ~16 MB as Parquet).
// What it holds: engine/site/page-data.ts; how it is produced: engine/site/loader.js.
import {emitPageFile} from "../../engine/site/loader.js";

await emitPageFile("mismatches.parquet");
